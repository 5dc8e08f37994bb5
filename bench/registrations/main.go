// Command registrations measures HTTP registrations against a real
// `vitrine serve` process: confirmed registrations a second, p50/p99
// latency, the bare commit rate of the same database in the same run, and the
// server's peak resident memory (VmHWM). See bench/README.md.
package main

import (
	"bytes"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"vitrine/bench/loadclient"
	"vitrine/internal/sessions"
	"vitrine/internal/store"
)

func main() {
	bin := flag.String("bin", "", "the vitrine binary")
	engine := flag.String("engine", "sqlite", "sqlite or postgres")
	pg := flag.String("pg", "", "PostgreSQL admin DSN (a fresh database is made for each run)")
	clients := flag.String("clients", "64,256", "concurrent clients, comma-separated")
	n := flag.Int("n", 10000, "registrations per run")
	flag.Parse()
	if *bin == "" {
		fail("give -bin")
	}
	fmt.Printf("| engine | sessions | clients | confirmed/s | p50 ms | p99 ms | bare commits/s | ratio | peak RSS MB |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, mode := range []string{"one", "many"} {
		for _, c := range strings.Split(*clients, ",") {
			var k int
			fmt.Sscan(c, &k)
			r := run(*bin, *engine, *pg, mode, k, *n)
			fmt.Printf("| %s | %s | %d | %.0f | %.1f | %.1f | %.0f | %.2f | %.1f |\n", *engine, mode, k, r.rate, r.p50, r.p99, r.commits, r.rate/r.commits, r.rssMB)
		}
	}
}

type result struct{ rate, p50, p99, commits, rssMB float64 }

func fail(f string, a ...any) { fmt.Fprintf(os.Stderr, "bench: "+f+"\n", a...); os.Exit(1) }

func run(bin, engine, pgAdmin, mode string, clients, n int) result {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "vitrine-bench-")
	if err != nil {
		fail("%v", err)
	}
	defer os.RemoveAll(tmp)
	dsn := "sqlite:" + filepath.Join(tmp, "bench.db")
	if engine == "postgres" {
		name := fmt.Sprintf("bench_%d", time.Now().UnixNano())
		admin, err := sql.Open("pgx", pgAdmin)
		if err != nil {
			fail("%v", err)
		}
		if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
			fail("%v", err)
		}
		defer func() { admin.Exec("DROP DATABASE " + name + " WITH (FORCE)"); admin.Close() }()
		u, _ := url.Parse(pgAdmin)
		u.Path = "/" + name
		dsn = u.String()
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve", "--addr", addr, "--db", dsn)
	cmd.Env = append(os.Environ(), "VITRINE_RATE_LIMIT=0", "VITRINE_LOG_LEVEL=error", "VITRINE_SMTP_URL=")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		fail("%v", err)
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	base := "http://" + addr
	for i := 0; ; i++ {
		if resp, err := http.Get(base + "/healthz"); err == nil && resp.StatusCode == 200 {
			resp.Body.Close()
			break
		}
		if i > 400 {
			fail("server did not start")
		}
		time.Sleep(25 * time.Millisecond)
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		fail("%v", err)
	}
	defer db.Close()
	st := store.New(db)
	count := 1
	if mode == "many" {
		count = 20
	}
	var ids []int64
	start := time.Now().Add(30 * 24 * time.Hour).Truncate(time.Hour)
	for i := range count + 1 {
		ss, err := st.Sessions.Create(ctx, sessions.Draft{Title: "Bench", CommuneNIS: "52012", Venue: "Salle",
			StartsAt: start.Add(time.Duration(i) * time.Hour), EndsAt: start.Add(time.Duration(i)*time.Hour + time.Hour),
			Capacity: sessions.MaxCapacity}, time.Now())
		if err != nil {
			fail("%v", err)
		}
		ids = append(ids, ss.ID)
	}

	// One keep-alive connection a client; warm them and the server on a
	// session of its own.
	conns := make([]*loadclient.Conn, clients)
	warm := ids[0]
	ids = ids[1:]
	for i := range clients {
		conns[i] = loadclient.Dial(addr, time.Minute)
		defer conns[i].Close()
		body := fmt.Sprintf(`{"first_name":"Warm","last_name":"Up","email":"warm%d@example.be","shop_name":"B","sector":"food","commune_nis":"52012"}`, i)
		post(conns[i], warm, body)
	}
	var next atomic.Int64
	var confirmed atomic.Int64
	lat := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	t0 := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				id := ids[rand.IntN(len(ids))]
				body := fmt.Sprintf(`{"first_name":"Léa","last_name":"Martin","email":"p%d@example.be","shop_name":"Boutique","sector":"food","commune_nis":"52012","consent_contact":true}`, i)
				t := time.Now()
				status, ok := post(conns[c], id, body)
				lat[c] = append(lat[c], time.Since(t))
				if status == 201 && ok {
					confirmed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(t0)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))]) / 1e6 }
	r := result{rate: float64(confirmed.Load()) / elapsed.Seconds(), p50: pct(0.50), p99: pct(0.99), rssMB: vmHWM(cmd.Process.Pid)}
	if confirmed.Load() != int64(n) {
		fmt.Fprintf(os.Stderr, "bench: %d of %d confirmed\n", confirmed.Load(), n)
	}
	batchStats(base, engine, mode, clients, cmd.Process.Pid, n)
	r.commits = bareCommits(ctx, db)
	return r
}

// batchStats prints to stderr how many batches the server committed, their
// mean size and mean duration (warm-up included), from its /metrics, and the
// server's CPU time (user and system, set-up and warm-up included) per
// registration: unlike the rate, it hardly depends on the disk.
func batchStats(base, engine, mode string, clients, pid, n int) {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	v := map[string]float64{}
	for _, l := range strings.Split(string(b), "\n") {
		if name, val, ok := strings.Cut(l, " "); ok && strings.HasPrefix(name, "vitrine_registration_batch_") {
			var f float64
			fmt.Sscan(val, &f)
			v[name] = f
		}
	}
	batches := v["vitrine_registration_batch_size_count"]
	if batches == 0 {
		return
	}
	fmt.Fprintf(os.Stderr, "%s %s %d: %.0f batches, mean size %.1f, mean duration %.1f ms, server CPU %.0f µs a registration\n",
		engine, mode, clients, batches, v["vitrine_registration_batch_size_sum"]/batches,
		1000*v["vitrine_registration_batch_duration_seconds_sum"]/batches, cpuSeconds(pid)*1e6/float64(n))
}

var jsonType = []string{"Content-Type: application/json"}

// post registers; ok reports a confirmed seat.
func post(c *loadclient.Conn, session int64, body string) (int, bool) {
	resp, err := c.Do("POST", "/api/v1/sessions/"+strconv.FormatInt(session, 10)+"/registrations", jsonType, []byte(body))
	if err != nil {
		fail("%v", err)
	}
	return resp.Status, bytes.Contains(resp.Body, []byte(`"confirmed"`))
}

// bareCommits is how many one-row transactions a second the same database
// commits, one after the other, for two seconds.
func bareCommits(ctx context.Context, db *store.DB) float64 {
	w := db.Writer()
	w.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS bench_commits (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
	t0 := time.Now()
	k := 0
	for time.Since(t0) < 2*time.Second {
		tx, err := w.BeginTx(ctx, nil)
		if err != nil {
			fail("%v", err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO bench_commits (id, v) VALUES ($1, $2)", k+1, "x"); err != nil {
			fail("%v", err)
		}
		if err := tx.Commit(); err != nil {
			fail("%v", err)
		}
		k++
	}
	return float64(k) / time.Since(t0).Seconds()
}

// cpuSeconds reads the user and system CPU time a process used so far.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	var user, sys float64
	fmt.Sscan(f[11], &user)
	fmt.Sscan(f[12], &sys)
	return (user + sys) / 100 // clock ticks; 100 a second on Linux
}

// vmHWM reads a process's peak resident memory, in MB.
func vmHWM(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			var kb float64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(l, "VmHWM:"), "kB")), &kb)
			return kb / 1024
		}
	}
	return 0
}
