package store

// SetKeyChunk makes lookups of known contacts smaller, so a test with a
// small file still reads them in several steps. It returns the undo.
func SetKeyChunk(n int) func() {
	old := keyChunk
	keyChunk = n
	return func() { keyChunk = old }
}
