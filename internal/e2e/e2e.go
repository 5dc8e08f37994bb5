// Package e2e holds the end-to-end tests: they start the real program and
// drive headless Chromium through the main journeys. Chromium comes from
// Debian's chromium package; without it the tests fail, unless
// VITRINE_TEST_BROWSER=skip says to skip them on purpose.
package e2e
