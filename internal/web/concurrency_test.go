package web

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"vitrine/internal/sessions"
	"vitrine/internal/store"
	"vitrine/internal/storetest"
)

// registerMany sends n registrations at once, spread over the servers' URLs,
// with dup extra requests for address 0. It returns every answer.
func registerMany(t *testing.T, urls []string, sessionID int64, n, dup int) []regOut {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: time.Minute}
	defer client.CloseIdleConnections()
	type answer struct {
		status int
		reg    regOut
		err    error
	}
	out := make([]answer, n+dup)
	var start, wg sync.WaitGroup
	start.Add(1)
	for i := range n + dup {
		wg.Add(1)
		go func() {
			defer wg.Done()
			who := i
			if i >= n {
				who = 0
			}
			b := fmt.Sprintf(`{"first_name":"Léa","last_name":"Nom %d","email":"lea%d@example.be","shop_name":"Boutique","sector":"food","commune_nis":"52012"}`, who, who)
			start.Wait()
			resp, err := client.Post(fmt.Sprintf("%s/api/v1/sessions/%d/registrations", urls[i%len(urls)], sessionID), "application/json", strings.NewReader(b))
			if err != nil {
				out[i].err = err
				return
			}
			defer resp.Body.Close()
			out[i].status = resp.StatusCode
			if resp.StatusCode < 300 {
				out[i].err = decodeInto(resp, &out[i].reg)
			}
		}()
	}
	start.Done()
	wg.Wait()
	var regs []regOut
	for i, a := range out {
		if a.err != nil || a.status != 201 && a.status != 200 {
			t.Fatalf("request %d: status %d, %v", i, a.status, a.err)
		}
		regs = append(regs, a.reg)
	}
	return regs
}

// checkRace checks the outcome of a burst on a session of capacity seats:
// exactly capacity confirmed, the rest waiting in commit order with
// positions 1..n without gaps, one registration per address.
func checkRace(t *testing.T, st *store.Store, sessionID int64, capacity, people int, answers []regOut) {
	t.Helper()
	list, ss := checkInvariants(t, st, sessionID)
	if len(list) != people {
		t.Fatalf("%d registrations for %d addresses", len(list), people)
	}
	if ss.Confirmed != capacity || ss.Waitlisted != people-capacity {
		t.Errorf("%d confirmed, %d waiting; want %d, %d", ss.Confirmed, ss.Waitlisted, capacity, people-capacity)
	}
	byID := map[int64]sessions.Registration{}
	for _, r := range list {
		byID[r.ID] = r
	}
	// Each answer agrees with the stored row. A waiting position given when
	// the registration committed is its rank among the waiting at that
	// moment; with nobody leaving, it is its final rank.
	positions := map[int]bool{}
	for _, a := range answers {
		r, ok := byID[a.ID]
		if !ok {
			t.Fatalf("answer for registration %d, which is not stored", a.ID)
		}
		if string(r.Status) != a.Status || r.WaitlistPos != a.WaitlistPos {
			t.Errorf("registration %d: answered %s/%d, stored %s/%d", a.ID, a.Status, a.WaitlistPos, r.Status, r.WaitlistPos)
		}
		if a.Status == "waitlisted" {
			positions[a.WaitlistPos] = true
		}
	}
	for p := 1; p <= people-capacity; p++ {
		if !positions[p] {
			t.Errorf("waiting position %d never handed out", p)
		}
	}
	// Arrival is commit order: the confirmed committed before anyone waiting.
	var confirmedIDs, waitingIDs []int64
	for _, r := range list {
		if r.Status == sessions.Confirmed {
			confirmedIDs = append(confirmedIDs, r.ID)
		} else {
			waitingIDs = append(waitingIDs, r.ID)
		}
	}
	sort.Slice(confirmedIDs, func(i, j int) bool { return confirmedIDs[i] < confirmedIDs[j] })
	if len(waitingIDs) > 0 && len(confirmedIDs) > 0 && st.DB.Engine == store.SQLite && waitingIDs[0] < confirmedIDs[len(confirmedIDs)-1] {
		t.Errorf("someone waits (id %d) who registered before the last confirmed (id %d)", waitingIDs[0], confirmedIDs[len(confirmedIDs)-1])
	}
	// One confirmation or waiting-list mail per registration.
	mails, err := st.Outbox.List(context.Background(), store.OutboxFilter{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	perReg := map[int64]int{}
	for _, m := range mails {
		if m.Message.RefType != store.RefRegistration {
			continue
		}
		perReg[m.Message.RefID]++
	}
	for _, r := range list {
		if perReg[r.ID] != 1 {
			t.Errorf("registration %d has %d mails", r.ID, perReg[r.ID])
		}
	}
}

// Hundreds of people register at once for a small session: never overbooked,
// the rest wait in order, the same address twice is one registration.
func TestConcurrentRegistrations(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		const capacity, people, dup = 10, 300, 20
		ss := newSession(t, e, "52012", capacity, testStart.Add(10*24*time.Hour))
		answers := registerMany(t, []string{e.ts.URL}, ss.ID, people, dup)
		checkRace(t, e.st, ss.ID, capacity, people, answers)
		first := answers[0].ID
		for _, a := range answers[people:] {
			if a.ID != first {
				t.Errorf("the same address got registrations %d and %d", first, a.ID)
			}
		}
	})
}

// The same with two instances (two servers over two database handles) on
// one database.
func TestConcurrentRegistrationsTwoInstances(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			dsn := storetest.DSN(t, engine)
			var envs []*testEnv
			for range 2 {
				db, err := store.Open(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				envs = append(envs, newEnv(t, store.New(db)))
			}
			const capacity, people = 12, 240
			ss := newSession(t, envs[0], "52012", capacity, testStart.Add(10*24*time.Hour))
			answers := registerMany(t, []string{envs[0].ts.URL, envs[1].ts.URL}, ss.ID, people, 10)
			checkRace(t, envs[1].st, ss.ID, capacity, people, answers)
		})
	}
}

// Cancellations and registrations at the same time keep the invariants: the
// freed seats go to the waiting list, in order, never beyond capacity.
func TestConcurrentCancelAndRegister(t *testing.T) {
	each(t, func(t *testing.T, e *testEnv) {
		const capacity = 5
		ss := newSession(t, e, "52012", capacity, testStart.Add(10*24*time.Hour))
		first := registerMany(t, []string{e.ts.URL}, ss.ID, 40, 0)
		rand.Shuffle(len(first), func(i, j int) { first[i], first[j] = first[j], first[i] })
		var wg sync.WaitGroup
		for _, a := range first[:20] {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("DELETE", e.ts.URL+"/api/v1/registrations/"+a.token(), nil)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 204 {
					t.Errorf("cancel: %d", resp.StatusCode)
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{}
			for i := 100; i < 140; i++ {
				b := fmt.Sprintf(`{"first_name":"Paul","last_name":"Nom","email":"paul%d@example.be","shop_name":"B","sector":"food","commune_nis":"52012"}`, i)
				resp, err := client.Post(fmt.Sprintf("%s/api/v1/sessions/%d/registrations", e.ts.URL, ss.ID), "application/json", strings.NewReader(b))
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
			}
		}()
		wg.Wait()
		list, s := checkInvariants(t, e.st, ss.ID)
		active := 0
		for _, r := range list {
			if r.Active() {
				active++
			}
		}
		if active != 60 || s.Confirmed != capacity || s.Waitlisted != 60-capacity {
			t.Errorf("%d active, %d confirmed, %d waiting", active, s.Confirmed, s.Waitlisted)
		}
	})
}
