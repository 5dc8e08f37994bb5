package store_test

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"vitrine/internal/diagnostic"
	"vitrine/internal/mail"
	"vitrine/internal/store"
	"vitrine/internal/storetest"
)

// BenchmarkDiagnosticCreate writes diagnostics from 64 goroutines at once,
// as POST /api/v1/diagnostics does under load: they meet in the store's
// group commit. One in four carries an email, and so a mail to the outbox
// and a look-up of the shop's first diagnostic, as in bench/diagnostics.
// It reports the store's part of a diagnostic alone, without HTTP, scoring
// or planning.
func BenchmarkDiagnosticCreate(b *testing.B) {
	for _, e := range storetest.Engines {
		b.Run(string(e), func(b *testing.B) {
			st := storetest.Open(b, e)
			recs := make([]store.NewDiagnostic, 16)
			for i := range recs {
				recs[i] = store.NewDiagnostic{Record: record(b, answersAll(i%6), diagnostic.Profile{CommuneNIS: "52012", Sector: "food", ShopName: "Au cœur du goût"}, 0)}
			}
			// A result mail's size.
			text, html := strings.Repeat("Bonjour ", 200), strings.Repeat("<p>Bonjour</p>", 200)
			var seq atomic.Int64
			b.SetParallelism(32) // 64 goroutines on 2 cores
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			defer func() {
				b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "diagnostics/s")
			}()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := seq.Add(1)
					n := recs[i%int64(len(recs))]
					_, n.TokenHash = diagnostic.NewToken(time.Now())
					if i%4 == 0 {
						email := "shop-" + strconv.FormatInt(i, 10) + "@example.org"
						n.Record.Profile.Email = email
						n.Mail = &mail.Message{Kind: "diagnostic_result", MessageID: strconv.FormatInt(i, 10) + "@bench", To: email,
							Subject: "Votre diagnostic", Text: text, HTML: html}
					}
					if _, err := st.Diagnostics.Create(context.Background(), n, now); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// cpuTime is the CPU time the process has used: unlike the rate, it hardly
// depends on what else the machine runs.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
