// Package person validates and normalises what people type about themselves:
// names, email addresses, phone numbers. Standard library only.
package person

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on what a form or a file may carry.
const (
	MaxName  = 100
	MaxEmail = 254
	MaxShop  = 150
	MaxText  = 4000
)

// NormalizeEmail trims an address and lower-cases its domain (the local part
// is kept: some servers treat it as case-sensitive).
func NormalizeEmail(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		return s[:i] + "@" + strings.ToLower(s[i+1:])
	}
	return s
}

// EmailKey is the form used to find the same person twice: fully lower-cased.
func EmailKey(s string) string { return strings.ToLower(NormalizeEmail(s)) }

// ValidEmail reports whether s is a plain address (local@domain.tld), without
// a display name, of reasonable length.
func ValidEmail(s string) bool {
	if s == "" || len(s) > MaxEmail || strings.ContainsAny(s, " <>,;\"\r\n\t") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 {
		return false
	}
	domain := s[at+1:]
	dot := strings.LastIndexByte(domain, '.')
	return dot > 0 && dot < len(domain)-2 && !strings.Contains(domain, "..")
}

// CleanText trims s, folds runs of white space and removes control characters.
func CleanText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || r == '\r' {
			return ' '
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// CleanMultiline keeps line breaks but removes other control characters.
func CleanMultiline(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// ValidName reports whether a cleaned name is present, not too long and has a letter.
func ValidName(s string, max int) bool {
	if s == "" || utf8.RuneCountInString(s) > max {
		return false
	}
	return strings.IndexFunc(s, unicode.IsLetter) >= 0
}

// NormalizePhone keeps digits and a leading +, and turns a Belgian national
// number into +32 form. It returns "" and false for something that is not a
// phone number.
func NormalizePhone(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '.' || r == '/' || r == '-' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	n := b.String()
	switch {
	case strings.HasPrefix(n, "00"):
		n = "+" + n[2:]
	case strings.HasPrefix(n, "0"):
		n = "+32" + n[1:]
	case !strings.HasPrefix(n, "+"):
		return "", false
	}
	digits := len(n) - 1
	if digits < 8 || digits > 15 {
		return "", false
	}
	return n, true
}
