// Command diagnostics loads a running Vitrine with diagnostics: concurrent
// clients each post one diagnostic after another to POST
// /api/v1/diagnostics, as fast as the server answers, and the latencies
// are reported at the end (issue 5 asks for p99 ≤ 30 ms at 64 clients on
// SQLite). It is a client like any other: it reads the questionnaire from
// the API and builds its answers from it.
//
//	go run ./bench/diagnostics -url http://127.0.0.1:8090 -c 64 -d 30s
//
// With -rate the clients send that many diagnostics a second between them
// instead, and each latency counts from when the request was due, so a
// slow answer that delays the next ones is not hidden.
//
// bench/diagnostics.sh starts the server on a fresh database and runs it.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"vitrine/bench/loadclient"
)

type questionnaire struct {
	MinAnsweredPct int `json:"min_answered_pct"`
	Dimensions     []struct {
		Questions []struct {
			ID      string `json:"id"`
			Kind    string `json:"kind"`
			Options []struct {
				ID        string `json:"id"`
				DontKnow  bool   `json:"dont_know"`
				Exclusive bool   `json:"exclusive"`
			} `json:"options"`
		} `json:"questions"`
	} `json:"dimensions"`
}

func main() {
	base := flag.String("url", "http://127.0.0.1:8090", "address of the running server")
	clients := flag.Int("c", 64, "concurrent clients")
	duration := flag.Duration("d", 30*time.Second, "how long to measure")
	warmup := flag.Duration("warmup", 5*time.Second, "load before measuring, not counted")
	emails := flag.Int("email-every", 4, "one submission in N gives an email (a mail to the outbox); 0 for none")
	rate := flag.Int("rate", 0, "diagnostics a second from all clients together; 0 for as fast as the server answers")
	flag.Parse()
	if err := run(*base, *clients, *duration, *warmup, *emails, *rate); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(base string, clients int, duration, warmup time.Duration, emailEvery, rate int) error {
	resp, err := http.Get(base + "/api/v1/diagnostic")
	if err != nil {
		return err
	}
	var q questionnaire
	err = json.NewDecoder(resp.Body).Decode(&q)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("read the questionnaire: %w", err)
	}
	answers := makeAnswers(q, 1024)
	encoded := make([][]byte, len(answers))
	for i, a := range answers {
		encoded[i], _ = json.Marshal(a)
	}

	addr, err := hostPort(base)
	if err != nil {
		return err
	}
	var (
		seq      atomic.Int64
		failures atomic.Int64
		measure  atomic.Bool
		stop     atomic.Bool
		mu       sync.Mutex
		all      []time.Duration
		firstErr error
		wg       sync.WaitGroup
	)
	// With a rate, a pacer hands out the times requests are due.
	var due chan time.Time
	if rate > 0 {
		due = make(chan time.Time, rate)
		go func() {
			interval := time.Second / time.Duration(rate)
			next := time.Now()
			for !stop.Load() {
				next = next.Add(interval)
				time.Sleep(time.Until(next))
				select {
				case due <- next:
				default: // the clients are saturated: the backlog is already a second long
				}
			}
			close(due)
		}()
	}
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn := loadclient.Dial(addr, 10*time.Second)
			defer conn.Close()
			var mine []time.Duration
			for !stop.Load() {
				var start time.Time
				if due != nil {
					t, ok := <-due
					if !ok {
						break
					}
					start = t
				}
				n := seq.Add(1)
				email := ""
				if emailEvery > 0 && n%int64(emailEvery) == 0 {
					email = `,"email":"shop-` + strconv.FormatInt(n, 10) + `@example.org"`
				}
				b := fmt.Appendf(nil, `{"answers":%s,"commune_nis":"52012","sector":"food"%s}`, encoded[n%int64(len(encoded))], email)
				if due == nil {
					start = time.Now()
				}
				err := post(conn, b)
				d := time.Since(start)
				if !measure.Load() {
					continue
				}
				if err != nil {
					failures.Add(1)
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				mine = append(mine, d)
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	time.Sleep(warmup)
	measure.Store(true)
	start := time.Now()
	time.Sleep(duration)
	measure.Store(false)
	elapsed := time.Since(start)
	stop.Store(true)
	wg.Wait()

	if len(all) == 0 {
		return fmt.Errorf("no request succeeded: %v", firstErr)
	}
	slices.Sort(all)
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(p*float64(len(all))))] }
	pace := "as fast as the server answers"
	if rate > 0 {
		pace = fmt.Sprintf("at %d a second between them", rate)
	}
	fmt.Printf("clients %d, %s, measured %s after %s of warm-up\n", clients, pace, elapsed.Round(time.Millisecond), warmup)
	fmt.Printf("diagnostics %d (%.0f/s), failed %d\n", len(all), float64(len(all))/elapsed.Seconds(), failures.Load())
	fmt.Printf("latency p50 %s  p90 %s  p99 %s  p99.9 %s  max %s\n",
		ms(pct(0.50)), ms(pct(0.90)), ms(pct(0.99)), ms(pct(0.999)), ms(all[len(all)-1]))
	if firstErr != nil {
		fmt.Printf("first failure: %v\n", firstErr)
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	fmt.Printf("load generator CPU %.0f µs a request\n", float64(cpu.Microseconds())/float64(seq.Load()))
	return nil
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + " ms"
}

var jsonType = []string{"Content-Type: application/json"}

// post sends one diagnostic and reads the whole answer.
func post(c *loadclient.Conn, body []byte) error {
	resp, err := c.Do("POST", "/api/v1/diagnostics", jsonType, body)
	if err != nil {
		return err
	}
	if resp.Status != http.StatusCreated {
		return fmt.Errorf("%d: %s", resp.Status, resp.Body[:min(len(resp.Body), 300)])
	}
	return nil
}

// hostPort is the host:port of a base URL such as http://127.0.0.1:8090.
func hostPort(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return "", fmt.Errorf("-url %q: want http://host:port", base)
	}
	return u.Host, nil
}

// makeAnswers makes n answer sets at random, each answering enough
// questions for a level (nine in ten, at least the minimum).
func makeAnswers(q questionnaire, n int) []map[string]any {
	rng := rand.New(rand.NewPCG(5, 5))
	total := 0
	for _, d := range q.Dimensions {
		total += len(d.Questions)
	}
	need := (q.MinAnsweredPct*total + 99) / 100
	out := make([]map[string]any, 0, n)
	for len(out) < n {
		a := map[string]any{}
		for _, d := range q.Dimensions {
			for _, x := range d.Questions {
				if rng.Float64() >= 0.9 {
					continue
				}
				if x.Kind != "multiple" {
					a[x.ID] = x.Options[rng.IntN(len(x.Options))].ID
					continue
				}
				var opts []string
				for _, o := range x.Options {
					if !o.Exclusive && !o.DontKnow && rng.IntN(2) == 0 {
						opts = append(opts, o.ID)
					}
				}
				if len(opts) == 0 {
					opts = []string{"dont-know"}
				}
				a[x.ID] = opts
			}
		}
		if len(a) >= need {
			out = append(out, a)
		}
	}
	return out
}
