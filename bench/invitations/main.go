// Command invitations measures how fast `vitrine serve` sends an invitation
// campaign (issue 6: at least 3,000 mails a second to a local SMTP server
// with the rate limit lifted, peak resident memory at most 150 MB).
//
// It expects a database already migrated, holding the demo campaign and the
// contacts to invite (run.sh does that with `vitrine import contacts`), and
// an admin API token. It runs a minimal SMTP sink on 127.0.0.1 (it answers
// every command at once and counts messages, without parsing them), starts
// `vitrine serve` as a separate process with VITRINE_MAIL_RATE=0 and the sink
// as its SMTP server, creates a campaign through the API for the demo
// session in Châtelet and every contact within radius_km, and waits until
// the campaign is done. It reports the mails per second (from the first
// mail the sink received to the last) and the server's peak resident memory
// (VmHWM in /proc/PID/status).
//
//	go run ./bench/invitations -bin ./vitrine -db sqlite:bench.db -token TOKEN
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	bin := flag.String("bin", "./vitrine", "the vitrine binary")
	db := flag.String("db", "", "the database DSN (migrated, with the demo campaign and the contacts)")
	token := flag.String("token", "", "an admin API token")
	radius := flag.Float64("radius", 200, "radius_km of the campaign around the Châtelet session")
	label := flag.String("label", "", "a label for the result line")
	flag.Parse()
	if *db == "" || *token == "" {
		log.Fatal("-db and -token are required")
	}

	sink := startSink()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(*bin, "serve", "--addr", addr, "--db", *db)
	cmd.Env = append(os.Environ(),
		"VITRINE_SMTP_URL=smtp://"+sink.addr+"?insecure=1",
		"VITRINE_MAIL_RATE=0", "VITRINE_MAIL_HOURLY_CAP=0", "VITRINE_RATE_LIMIT=0",
		"VITRINE_LOG_LEVEL=warn", "VITRINE_BASE_URL=https://vitrine.example")
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	base := "http://" + addr
	for i := 0; ; i++ {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if i > 400 {
			log.Fatalf("the server did not start:\n%s", logs.String())
		}
		time.Sleep(25 * time.Millisecond)
	}

	var sessions []struct {
		ID    int64  `json:"id"`
		Title string `json:"title"`
	}
	get(base+"/api/v1/sessions?commune=52012", "", &sessions)
	if len(sessions) == 0 {
		log.Fatal("no session in Châtelet: load the demo campaign first")
	}

	rssBefore := vmHWM(cmd.Process.Pid)
	body, _ := json.Marshal(map[string]any{"session_ids": []int64{sessions[0].ID}, "radius_km": *radius})
	t0 := time.Now()
	req, _ := http.NewRequest("POST", base+"/api/v1/invitations", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+*token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		log.Fatalf("create: %d %s", resp.StatusCode, raw)
	}
	created := time.Since(t0)
	var c struct {
		ID         int64 `json:"id"`
		Recipients int   `json:"recipients"`
		Sent       int   `json:"sent"`
		Failed     int   `json:"failed"`
		Pending    int   `json:"pending"`
		Status     string
	}
	json.Unmarshal(raw, &c)
	for c.Status != "done" {
		time.Sleep(100 * time.Millisecond)
		get(fmt.Sprintf("%s/api/v1/invitations/%d", base, c.ID), *token, &c)
		if time.Since(t0) > 10*time.Minute {
			log.Fatalf("not done after 10 min: %+v", c)
		}
	}
	total := time.Since(t0)
	peak := vmHWM(cmd.Process.Pid)
	n, first, last := sink.stats()
	span := last.Sub(first).Seconds()
	fmt.Printf("%-10s recipients=%d sent=%d failed=%d sink=%d build=%.2fs send=%.2fs mails/s=%.0f end-to-end/s=%.0f VmHWM before=%.1fMB peak=%.1fMB\n",
		*label, c.Recipients, c.Sent, c.Failed, n, created.Seconds(), span, float64(n)/span, float64(c.Sent)/total.Seconds(),
		float64(rssBefore)/1024, float64(peak)/1024)
	if strings.Contains(logs.String(), `"level":"ERROR"`) {
		fmt.Fprintf(os.Stderr, "server errors:\n%s", logs.String())
	}
}

func get(url, token string, out any) {
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		log.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		log.Fatal(err)
	}
}

// vmHWM returns the peak resident set of a process, in kB.
func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:")), "%d", &kb)
			return kb
		}
	}
	return 0
}

// sink is a minimal SMTP server: it accepts everything and counts messages.
type sink struct {
	addr        string
	n           atomic.Int64
	mu          sync.Mutex
	first, last time.Time
}

func startSink() *sink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	s := &sink{addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *sink) stats() (int64, time.Time, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n.Load(), s.first, s.last
}

func (s *sink) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReaderSize(c, 64<<10)
	w := bufio.NewWriter(c)
	reply := func(line string) {
		w.WriteString(line + "\r\n")
		// Answer at once unless the client has pipelined more commands.
		if r.Buffered() == 0 {
			w.Flush()
		}
	}
	reply("220 sink ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			w.WriteString("250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n")
			w.Flush()
		case strings.HasPrefix(cmd, "HELO"), strings.HasPrefix(cmd, "MAIL"), strings.HasPrefix(cmd, "RCPT"),
			strings.HasPrefix(cmd, "RSET"), strings.HasPrefix(cmd, "NOOP"):
			reply("250 ok")
		case cmd == "DATA":
			w.WriteString("354 go on\r\n")
			w.Flush()
			for {
				l, err := r.ReadSlice('\n')
				if err != nil && err != bufio.ErrBufferFull {
					return
				}
				if bytes.Equal(l, []byte(".\r\n")) {
					break
				}
			}
			now := time.Now()
			s.mu.Lock()
			if s.n.Add(1) == 1 {
				s.first = now
			}
			s.last = now
			s.mu.Unlock()
			reply("250 queued")
		case cmd == "QUIT":
			reply("221 bye")
			w.Flush()
			return
		default:
			reply("502 not implemented")
		}
	}
}
