package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"vitrine/internal/i18n"
	"vitrine/internal/store"
	"vitrine/internal/storetest"
)

// BenchmarkAPISubmit posts diagnostics to the real handler over a real
// SQLite database, 16 concurrent requests a core, without the network:
// where the time of POST /api/v1/diagnostics goes (run it with
// -cpuprofile). bench/diagnostics.sh measures it over HTTP.
func BenchmarkAPISubmit(b *testing.B) {
	st := storetest.Open(b, store.SQLite)
	srv, err := New(Config{}, st, i18n.MustLoad(), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	body, _ := json.Marshal(submission(lowAnswers()))
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := httptest.NewRequest("POST", "/api/v1/diagnostics", strings.NewReader(string(body)))
			r.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, r)
			if w.Code != 201 {
				b.Fatal(w.Code, w.Body.String())
			}
		}
	})
}
