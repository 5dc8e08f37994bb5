package mail

import (
	"strings"
	"testing"

	"vitrine/internal/i18n"
)

// Message-IDs are unique and sort in the order they were made (the outbox's
// unique index grows at its end).
func TestNewMessageID(t *testing.T) {
	c, err := NewComposer(i18n.MustLoad(), "https://vitrine.example/")
	if err != nil {
		t.Fatal(err)
	}
	prev := ""
	seen := map[string]bool{}
	for range 1000 {
		id := c.NewMessageID()
		local, host, ok := strings.Cut(id, "@")
		if !ok || host != "vitrine.example" || len(local) != 32 || strings.Trim(local, "0123456789abcdef") != "" || seen[id] {
			t.Fatalf("Message-ID %q", id)
		}
		if local[:12] < prev {
			t.Fatalf("Message-ID %q made after one of time %q", id, prev)
		}
		seen[id], prev = true, local[:12]
	}
}
