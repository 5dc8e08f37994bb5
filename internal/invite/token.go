package invite

// An unsubscribe token is 32 lower-case hexadecimal characters (128 random
// bits, drawn by the database when the recipient row is written), stored
// with the recipient: it names one invitation, and through it one address.

// TokenLen is the length of an unsubscribe token.
const TokenLen = 32

// ParseToken checks a token taken from a URL; only a well-formed one is
// looked up.
func ParseToken(s string) (string, bool) {
	if len(s) != TokenLen {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return "", false
		}
	}
	return s, true
}
