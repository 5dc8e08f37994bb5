package i18n

import "testing"

// T on a message with two values, through go-i18n (as before the fast
// path) and through the fast path, with both argument styles.
func BenchmarkT(b *testing.B) {
	c := MustLoad()
	l := c.For("fr")
	const key = "diagnostic.result.level_value" // "Niveau {{.Level}} sur 5 : {{.Name}}"
	want := "Niveau 3 sur 5 : Présent et actif"
	b.Run("go-i18n/pairs", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if s := l.localize(key, nil, []any{"Level", 3, "Name", "Présent et actif"}); s != want {
				b.Fatal(s)
			}
		}
	})
	b.Run("fast/pairs", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if s := l.T(key, "Level", 3, "Name", "Présent et actif"); s != want {
				b.Fatal(s)
			}
		}
	})
	args := map[string]any{"Level": 3, "Name": "Présent et actif"}
	b.Run("go-i18n/map", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if s := l.localize(key, nil, []any{args}); s != want {
				b.Fatal(s)
			}
		}
	})
	b.Run("fast/map", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if s := l.T(key, args); s != want {
				b.Fatal(s)
			}
		}
	})
}
