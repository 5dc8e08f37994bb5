package app

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"vitrine/internal/maturity"
	"vitrine/internal/storetest"
)

// Kill the server with SIGKILL in the middle of a diagnostic load, restart it
// on the same database: every diagnostic it acknowledged opens from its
// token with the level it was given. On SQLite a group of diagnostics is
// acknowledged only once its flush of the WAL, which overlaps the writing of
// the next group, is over.
func TestCrashDuringDiagnostics(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()
			srv := startChild(t, dsn, "smtp://127.0.0.1:1", addr)

			// Varied answers: question i gets option 1 + (i+n) mod 2, so the
			// levels differ from one diagnostic to the next.
			body := func(n int) string {
				a := map[string][]string{}
				i := 0
				for _, d := range maturity.Current().Dimensions {
					for _, x := range d.Questions {
						a[x.ID] = []string{x.Options[1+(i+n)%2].ID}
						i++
					}
				}
				b, _ := json.Marshal(map[string]any{"answers": a, "commune_nis": "52012", "sector": "food"})
				return string(b)
			}
			type result struct {
				ID    int64  `json:"id"`
				Token string `json:"token"`
				Level int    `json:"level"`
			}
			client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
			var mu sync.Mutex
			var acks []result
			cut := killMidLoad(600, 200, func() { srv.cmd.Process.Signal(syscall.SIGKILL) }, func(i int) bool {
				resp, err := client.Post(srv.url+"/api/v1/diagnostics", "application/json", strings.NewReader(body(i)))
				if err != nil {
					return false
				}
				defer resp.Body.Close()
				var out result
				if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&out) != nil {
					return false
				}
				mu.Lock()
				acks = append(acks, out)
				mu.Unlock()
				return true
			})
			srv.cmd.Wait()
			if len(cut) == 0 {
				t.Fatal("the kill interrupted nothing")
			}

			srv = startChild(t, dsn, "smtp://127.0.0.1:1", addr)
			defer func() {
				srv.cmd.Process.Signal(syscall.SIGTERM)
				srv.cmd.Wait()
				if t.Failed() {
					t.Logf("server log:\n%s", srv.logs.String())
				}
			}()
			ids := map[int64]bool{}
			for _, a := range acks {
				if ids[a.ID] {
					t.Errorf("id %d acknowledged twice", a.ID)
				}
				ids[a.ID] = true
				resp, err := client.Get(fmt.Sprintf("%s/api/v1/diagnostics/%s", srv.url, a.Token))
				if err != nil {
					t.Fatal(err)
				}
				var got result
				json.NewDecoder(resp.Body).Decode(&got)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || got.ID != a.ID || got.Level != a.Level {
					t.Errorf("acknowledged diagnostic %d (level %d): %d, read back %+v", a.ID, a.Level, resp.StatusCode, got)
				}
			}
			t.Logf("%d acknowledged before the kill, %d requests cut off", len(acks), len(cut))
		})
	}
}
