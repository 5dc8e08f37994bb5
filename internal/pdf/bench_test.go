package pdf

import "testing"

func BenchmarkCertificate(b *testing.B) {
	for b.Loop() {
		if _, err := certificate().Bytes(); err != nil {
			b.Fatal(err)
		}
	}
}
