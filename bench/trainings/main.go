// Command trainings measures enrolments per second and aid approvals per
// second through the real HTTP server, with many clients at once, on the
// database named by -db (see bench/trainings.sh, which runs it on SQLite and
// on a PostgreSQL cluster with durable commits). It checks the invariants
// afterwards: no session overbooked, no budget line overspent, committed
// amounts equal to their commitments to the cent.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"vitrine/internal/aid"
	"vitrine/internal/funding"
	"vitrine/internal/i18n"
	"vitrine/internal/staff"
	"vitrine/internal/store"
	"vitrine/internal/training"
	"vitrine/internal/web"
)

func main() {
	dsn := flag.String("db", "", "database: sqlite:PATH or postgres://… (a fresh one: the benchmark adds rows)")
	clients := flag.Int("clients", 64, "simultaneous HTTP clients")
	enrolments := flag.Int("enrolments", 4000, "enrolments to send")
	approvals := flag.Int("approvals", 2000, "approvals to send")
	sessions := flag.Int("sessions", 20, "training sessions the enrolments spread over")
	capacity := flag.Int("capacity", 150, "seats per session (the rest wait in line)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "trainings:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if *dsn == "" {
		fmt.Fprintln(os.Stderr, "usage: trainings -db DSN [-clients 64] [-enrolments N] [-approvals N]")
		os.Exit(2)
	}
	if err := run(*dsn, *clients, *enrolments, *approvals, *sessions, *capacity); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "trainings:", err)
		os.Exit(1)
	}
}

// result is one measured run.
type result struct {
	name         string
	n            int
	elapsed      time.Duration
	latencies    []time.Duration
	byStatus     map[int]int
	failedStatus error
}

func (r result) String() string {
	sort.Slice(r.latencies, func(i, j int) bool { return r.latencies[i] < r.latencies[j] })
	pct := func(p float64) time.Duration {
		if len(r.latencies) == 0 {
			return 0
		}
		return r.latencies[min(len(r.latencies)-1, int(p*float64(len(r.latencies))))]
	}
	return fmt.Sprintf("%s: %d requests in %.2fs = %.0f/s; latency p50 %.1f ms, p95 %.1f ms, p99 %.1f ms; statuses %v",
		r.name, r.n, r.elapsed.Seconds(), float64(r.n)/r.elapsed.Seconds(),
		ms(pct(.50)), ms(pct(.95)), ms(pct(.99)), r.byStatus)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func run(dsn string, clients, enrolments, approvals, nSessions, capacity int) error {
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	st := store.New(db)
	now := time.Now()

	// The catalogue: one provider, one module, sessions in a month.
	p, err := st.Providers.Ensure(ctx, training.Provider{Slug: "bench-centre", Name: "Centre de mesure", Kind: training.CompetenceCentre,
		Sites: []training.Site{{Slug: "bench-ciney", Name: "Ciney", CommuneNIS: "91030", Latitude: 50.2945, Longitude: 5.1001}}}, now)
	if err != nil {
		return err
	}
	m, err := st.Trainings.CreateModule(ctx, training.Module{ProviderID: p.ID, Title: "Créer la page de son commerce",
		Skills: []string{"social-page"}, Format: training.InPerson, Minutes: 420, LevelMax: 5, VoucherEligible: true,
		Price: funding.Euros(210)}, 0, now)
	if err != nil {
		return err
	}
	var sessionIDs []int64
	for i := range nSessions {
		d := now.In(i18n.Brussels).AddDate(0, 1, i)
		s, err := st.Trainings.CreateSession(ctx, m.ID, training.Session{SiteID: p.Sites[0].ID, Capacity: capacity,
			Days: []training.Day{{Start: time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, i18n.Brussels),
				End: time.Date(d.Year(), d.Month(), d.Day(), 16, 0, 0, 0, i18n.Brussels)}}}, 0, i18n.Brussels, now)
		if err != nil {
			return err
		}
		sessionIDs = append(sessionIDs, s.ID)
	}
	years := map[int]bool{}
	for i := range nSessions {
		years[now.In(i18n.Brussels).AddDate(0, 1, i).Year()] = true
	}
	for y := range years {
		if _, err := st.Budget.CreateLine(ctx, funding.BudgetLine{Name: fmt.Sprintf("Chèques %d", y), Year: y, Amount: funding.Euros(10_000_000)}, now); err != nil {
			return err
		}
	}
	// Aid: applications of €66.67 each against a line that pays half of them.
	aidLine, err := st.Budget.CreateLine(ctx, funding.BudgetLine{Name: "Aides (mesure)", Year: now.Year(), Amount: funding.Cents(approvals/2) * 66_67}, now)
	if err != nil {
		return err
	}
	apps := make([]int64, approvals)
	for i := range apps {
		a, err := st.Aid.Apply(ctx, aid.Application{FirstName: "Zoé", LastName: "Lœuvre", Email: fmt.Sprintf("z%d@example.be", i),
			ShopName: "Boutique", CommuneNIS: "52012", Employees: 2, Turnover: funding.Euros(50_000), Item: "Caisse", Supplier: "S",
			Cost: 111_11, Lang: "fr"}, nil, now)
		if err != nil {
			return err
		}
		apps[i] = a.ID
	}
	tok, err := adminToken(ctx, st, now)
	if err != nil {
		return err
	}

	// The real server, on a loopback port.
	cat, err := i18n.Load()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	srv, err := web.New(web.Config{BaseURL: base, RateLimit: 0, Version: "bench"}, st, cat, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	defer hs.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: clients * 2, MaxIdleConnsPerHost: clients * 2}, Timeout: time.Minute}

	settings := "synchronous=FULL, WAL"
	if db.Engine == store.Postgres {
		var fsync, sync string
		db.Reader().QueryRowContext(ctx, "SELECT current_setting('fsync'), current_setting('synchronous_commit')").Scan(&fsync, &sync)
		settings = "fsync=" + fsync + ", synchronous_commit=" + sync
	}
	fmt.Printf("engine %s (%s), %d clients, %d CPUs\n", db.Engine, settings, clients, runtime.NumCPU())
	enrol := hammer("enrolments", clients, enrolments, func(i int) (int, error) {
		body := map[string]any{"first_name": "Zoé", "last_name": "Lœuvre", "email": fmt.Sprintf("zoe%d@example.be", i),
			"shop_name": fmt.Sprintf("Boutique %d", i%500), "commune_nis": "52012", "employees": 3, "use_vouchers": i%4 != 0}
		return post(client, fmt.Sprintf("%s/api/v1/trainings/sessions/%d/enrolments", base, sessionIDs[i%len(sessionIDs)]), "", body)
	})
	fmt.Println(enrol)
	approve := hammer("approvals", clients, approvals, func(i int) (int, error) {
		return post(client, fmt.Sprintf("%s/api/v1/aid-applications/%d/approve", base, apps[i]), tok, map[string]any{"budget_line_id": aidLine.ID})
	})
	fmt.Println(approve)
	for _, r := range []result{enrol, approve} {
		if r.failedStatus != nil {
			return r.failedStatus
		}
	}
	return check(ctx, st, sessionIDs, aidLine.ID, enrolments, approvals)
}

func adminToken(ctx context.Context, st *store.Store, now time.Time) (string, error) {
	u, err := st.Users.ByEmail(ctx, "bench-admin@example.org")
	if err != nil {
		if u, err = st.Users.Create(ctx, staff.User{Email: "bench-admin@example.org", Role: staff.Admin}, now); err != nil {
			return "", err
		}
	}
	return st.Users.NewToken(ctx, u.ID, "bench", now)
}

// hammer sends n requests from clients goroutines and times them.
func hammer(name string, clients, n int, do func(i int) (int, error)) result {
	r := result{name: name, n: n, byStatus: map[int]int{}, latencies: make([]time.Duration, n)}
	var next atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t0 := time.Now()
				status, err := do(i)
				r.latencies[i] = time.Since(t0)
				mu.Lock()
				r.byStatus[status]++
				if err != nil && r.failedStatus == nil {
					r.failedStatus = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	return r
}

func post(c *http.Client, url, token string, body any) (int, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusCreated, http.StatusOK:
		return resp.StatusCode, nil
	case http.StatusConflict:
		return resp.StatusCode, nil // budget exhausted: an answer, not a failure
	}
	return resp.StatusCode, fmt.Errorf("%s: %d %s", url, resp.StatusCode, raw)
}

// check verifies what the load left behind.
func check(ctx context.Context, st *store.Store, sessions []int64, line int64, enrolments, approvals int) error {
	confirmed, waiting := 0, 0
	for _, id := range sessions {
		s, _, err := st.Trainings.Session(ctx, id)
		if err != nil {
			return err
		}
		if s.Confirmed > s.Capacity {
			return fmt.Errorf("session %d overbooked: %d of %d", id, s.Confirmed, s.Capacity)
		}
		list, err := st.Enrolments.BySession(ctx, id)
		if err != nil {
			return err
		}
		c, w := 0, 0
		for _, e := range list {
			switch e.Status {
			case training.Confirmed:
				c++
			case training.Waitlisted:
				w++
			}
		}
		if c != s.Confirmed || w != s.Waitlisted {
			return fmt.Errorf("session %d: counters %d/%d, rows %d/%d", id, s.Confirmed, s.Waitlisted, c, w)
		}
		confirmed, waiting = confirmed+c, waiting+w
	}
	if confirmed+waiting != enrolments {
		return fmt.Errorf("%d enrolments stored, %d sent", confirmed+waiting, enrolments)
	}
	lines, err := st.Budget.Lines(ctx)
	if err != nil {
		return err
	}
	for _, l := range lines {
		total, err := st.Budget.ActiveTotal(ctx, l.ID)
		if err != nil {
			return err
		}
		if l.Committed > l.Amount || l.Committed != total {
			return fmt.Errorf("line %s: committed %s of %s, commitments %s", l.Name, l.Committed, l.Amount, total)
		}
		if l.ID == line && l.Committed != funding.Cents(approvals/2)*66_67 {
			return fmt.Errorf("aid line: committed %s, want %d approvals of €66.67", l.Committed, approvals/2)
		}
	}
	pending, err := st.Aid.List(ctx, aid.Submitted, approvals+1)
	if err != nil {
		return err
	}
	if len(pending) != approvals-approvals/2 {
		return fmt.Errorf("%d applications still pending, want %d", len(pending), approvals-approvals/2)
	}
	fmt.Printf("checked: %d confirmed and %d waiting, never overbooked; aid line full to the cent, %d refused left unchanged\n",
		confirmed, waiting, len(pending))
	return nil
}
