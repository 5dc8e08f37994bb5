package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"vitrine/internal/aid"
	"vitrine/internal/apperr"
	"vitrine/internal/campaign"
	"vitrine/internal/funding"
	"vitrine/internal/mail"
	"vitrine/internal/store"
	"vitrine/internal/storetest"
	"vitrine/internal/training"
)

var brussels, _ = time.LoadLocation("Europe/Brussels")

// fixture is a provider with one site and a 7-hour, €210 module.
type fixture struct {
	provider training.Provider
	module   training.Module
}

func newFixture(t *testing.T, st *store.Store, slug string) fixture {
	t.Helper()
	ctx := context.Background()
	p, err := st.Providers.Ensure(ctx, training.Provider{Slug: slug, Name: "Centre " + slug, Kind: training.CompetenceCentre,
		Sites: []training.Site{{Slug: slug + "-ciney", Name: "Ciney", CommuneNIS: "91030", Latitude: 50.2945, Longitude: 5.1001}}}, now)
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.Trainings.CreateModule(ctx, training.Module{ProviderID: p.ID, Title: "Créer la page de son commerce",
		Skills: []string{"social-page", "community"}, Format: training.InPerson, Minutes: 420, LevelMin: 0, LevelMax: 3,
		VoucherEligible: true, Price: funding.Euros(210)}, 0, now)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{provider: p, module: m}
}

// oneDay is a 7-hour day, days after now.
func oneDay(days int) []training.Day {
	d := now.In(brussels).AddDate(0, 0, days)
	return []training.Day{{Start: time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, brussels), End: time.Date(d.Year(), d.Month(), d.Day(), 16, 0, 0, 0, brussels)}}
}

func (f fixture) session(t *testing.T, st *store.Store, capacity int) training.Session {
	t.Helper()
	s, err := st.Trainings.CreateSession(context.Background(), f.module.ID,
		training.Session{SiteID: f.provider.Sites[0].ID, Capacity: capacity, Days: oneDay(30)}, 0, brussels, now)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// budget adds a campaign line for the year of the fixture's sessions.
func budget(t *testing.T, st *store.Store, amount funding.Cents) funding.BudgetLine {
	t.Helper()
	l, err := st.Budget.CreateLine(context.Background(), funding.BudgetLine{Name: fmt.Sprintf("Ligne %d", amount), Year: oneDay(30)[0].Start.Year(), Amount: amount}, now)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func worker(i int, shop string) training.Enrolment {
	return training.Enrolment{FirstName: "Zoé", LastName: fmt.Sprintf("Lœuvre %d", i), Email: fmt.Sprintf("zoe%d@example.be", i),
		ShopName: shop, CommuneNIS: "52012", FTE: funding.Headcount(3), UseVouchers: true, Lang: "fr"}
}

// testMail composes a plain mail, so the outbox can be checked.
func testMail(kind string, e training.Enrolment, s training.Session, m training.Module) (mail.Message, error) {
	return mail.Message{Kind: kind, MessageID: training.NewToken() + "@test", To: e.Email, Subject: kind + " " + m.Title, Text: e.Token}, nil
}

// checkBudget verifies that a line's committed amount is exactly the sum of
// its active commitments and never above its amount.
func checkBudget(t *testing.T, st *store.Store, id int64) funding.BudgetLine {
	t.Helper()
	l, err := st.Budget.Line(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	total, err := st.Budget.ActiveTotal(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if l.Committed != total || l.Committed > l.Amount || l.Committed < 0 {
		t.Fatalf("line %d: committed %s, active commitments %s, amount %s", id, l.Committed, total, l.Amount)
	}
	return l
}

// checkSeats verifies a session's counters against its enrolments.
func checkSeats(t *testing.T, st *store.Store, id int64) training.Session {
	t.Helper()
	s, _, err := st.Trainings.Session(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	list, err := st.Enrolments.BySession(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	confirmed, waitlisted := 0, 0
	for _, e := range list {
		switch e.Status {
		case training.Confirmed:
			confirmed++
		case training.Waitlisted:
			waitlisted++
			if e.WaitlistPos != waitlisted {
				t.Errorf("waitlisted enrolment %d at position %d, want %d", e.ID, e.WaitlistPos, waitlisted)
			}
		}
	}
	if s.Confirmed != confirmed || s.Waitlisted != waitlisted || s.Confirmed > s.Capacity {
		t.Fatalf("session %d: counters %d/%d (capacity %d), rows %d/%d", id, s.Confirmed, s.Waitlisted, s.Capacity, confirmed, waitlisted)
	}
	return s
}

func TestAidTableSeededWithTheDefault(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		table, version, err := st.Aid.Table(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if version != 1 || !reflect.DeepEqual(table, funding.DefaultAidTable()) {
			t.Fatalf("seeded table v%d = %+v, want funding.DefaultAidTable()", version, table)
		}
	})
}

func TestDemoCatalogueLoads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		d, err := campaign.NewDemo(now, brussels)
		if err != nil {
			t.Fatal(err)
		}
		if loaded, err := st.LoadDemo(ctx, d, now); err != nil || !loaded {
			t.Fatalf("load demo: %v %v", loaded, err)
		}
		offers, err := st.Trainings.Catalogue(ctx, store.CatalogueFilter{Level: -1, From: now})
		if err != nil {
			t.Fatal(err)
		}
		if len(offers) != len(d.Modules) {
			t.Fatalf("%d offers, want %d", len(offers), len(d.Modules))
		}
		private := 0
		for _, o := range offers {
			if len(o.Sessions) == 0 || len(o.Module.Skills) == 0 {
				t.Errorf("%s: %d sessions, skills %v", o.Module.Title, len(o.Sessions), o.Module.Skills)
			}
			if o.Module.Private() {
				private++
			}
			for _, s := range o.Sessions {
				if s.Online() != (o.Module.Format == training.Online) || !s.Online() && s.Town == "" {
					t.Errorf("%s: session %+v", o.Module.Title, s.Session)
				}
			}
		}
		if private != 7 {
			t.Errorf("%d private modules, want Google's 7", private)
		}
		social, _ := st.Trainings.Catalogue(ctx, store.CatalogueFilter{Skill: "social-page", Level: 1, From: now})
		for _, o := range social {
			if !o.Module.Teaches("social-page") || !o.Module.Suits(1) {
				t.Errorf("filter let %s through", o.Module.Title)
			}
		}
		if len(social) < 2 {
			t.Errorf("%d modules teach social-page at level 1", len(social))
		}
		lines, _ := st.Budget.Lines(ctx)
		if len(lines) != 3 {
			t.Fatalf("%d budget lines", len(lines))
		}
		if loaded, _ := st.LoadDemo(ctx, d, now); loaded {
			t.Error("the demo loaded twice")
		}
	})
}

func TestModulesSessionsAndScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		a := newFixture(t, st, "centre-a")
		b := newFixture(t, st, "centre-b")
		if a.module.Code != "creer-la-page-de-son-commerce" || len(a.module.Skills) != 2 || a.module.ProviderSlug != "centre-a" {
			t.Fatalf("module = %+v", a.module)
		}
		// The same title again gets its own code.
		twin := a.module
		twin.Code = ""
		again, err := st.Trainings.CreateModule(ctx, twin, a.provider.ID, now)
		if err != nil || again.Code != "creer-la-page-de-son-commerce-2" {
			t.Fatalf("second module: %+v %v", again.Code, err)
		}
		// A provider reaches its own catalogue only.
		m := a.module
		m.Title = "Nouveau titre"
		if _, err := st.Trainings.UpdateModule(ctx, a.module.ID, m, b.provider.ID, now); !errors.Is(err, store.ErrModuleNotFound) {
			t.Errorf("B updates A's module: %v", err)
		}
		if _, err := st.Trainings.CreateModule(ctx, training.Module{ProviderID: a.provider.ID, Title: "x", Skills: []string{"figures"},
			Format: training.Online, Minutes: 60, LevelMax: 5}, b.provider.ID, now); !errors.Is(err, store.ErrOtherProvider) {
			t.Errorf("B adds to A's catalogue: %v", err)
		}
		if got, err := st.Trainings.UpdateModule(ctx, a.module.ID, m, a.provider.ID, now); err != nil || got.Title != "Nouveau titre" {
			t.Errorf("A updates its module: %+v %v", got.Title, err)
		}
		// Sessions: B's site is not A's; the days must last the module's 7 hours.
		_, err = st.Trainings.CreateSession(ctx, a.module.ID, training.Session{SiteID: b.provider.Sites[0].ID, Capacity: 10, Days: oneDay(30)}, 0, brussels, now)
		if e, _ := apperr.As(err); e == nil || e.Kind != apperr.Invalid || e.Fields[0].Field != "site" {
			t.Errorf("session at another provider's site: %v", err)
		}
		short := oneDay(30)
		short[0].End = short[0].End.Add(-time.Hour)
		if _, err := st.Trainings.CreateSession(ctx, a.module.ID, training.Session{SiteID: a.provider.Sites[0].ID, Capacity: 10, Days: short}, 0, brussels, now); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("6 hours for a 7-hour module: %v", err)
		}
		if _, err := st.Trainings.CreateSession(ctx, a.module.ID, training.Session{SiteID: a.provider.Sites[0].ID, Capacity: 10, Days: oneDay(30)}, b.provider.ID, brussels, now); !errors.Is(err, store.ErrModuleNotFound) {
			t.Errorf("B adds a session to A's module: %v", err)
		}
		s := a.session(t, st, 2)
		if s.Town != "Ciney" || s.Minutes() != 420 || len(s.Days) != 1 || !s.StartsAt().Equal(oneDay(30)[0].Start) {
			t.Fatalf("session = %+v", s)
		}
		if _, _, err := st.Trainings.SessionIn(ctx, s.ID, b.provider.ID); !errors.Is(err, store.ErrTrainingNotFound) {
			t.Errorf("B reads A's session: %v", err)
		}
		// The module's length is fixed once it has sessions.
		m.Minutes = 480
		if _, err := st.Trainings.UpdateModule(ctx, a.module.ID, m, 0, now); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("length of a module with sessions changed: %v", err)
		}
		// Capacity never goes below the seats taken.
		for i := range 2 {
			w := worker(i, "Chez Zoé")
			w.UseVouchers = false
			if _, err := st.Enrolments.Enrol(ctx, s.ID, w, nil, now); err != nil {
				t.Fatal(err)
			}
		}
		s.Capacity = 1
		if _, err := st.Trainings.UpdateSession(ctx, s.ID, s, 0, brussels, nil, now); !errors.Is(err, store.ErrTrainingCapacity) {
			t.Errorf("capacity below confirmed: %v", err)
		}
		moved := s
		moved.Capacity, moved.Days = 5, oneDay(40)
		if _, err := st.Trainings.UpdateSession(ctx, s.ID, moved, 0, brussels, nil, now); !errors.Is(err, store.ErrTrainingHasPeople) {
			t.Errorf("days moved under enrolled people: %v", err)
		}
	})
}

func TestEnrolWaitlistAndPromotion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		st.Enrolments.SetLocation(brussels)
		f := newFixture(t, st, "centre")
		line := budget(t, st, funding.Euros(10_000))
		s := f.session(t, st, 2)
		var tokens []string
		for i := range 4 {
			res, err := st.Enrolments.Enrol(ctx, s.ID, worker(i, fmt.Sprintf("Boutique %d", i)), testMail, now)
			if err != nil {
				t.Fatal(err)
			}
			want, pos := training.Confirmed, 0
			if i >= 2 {
				want, pos = training.Waitlisted, i-1
			}
			if !res.Created || res.Enrolment.Status != want || res.Enrolment.WaitlistPos != pos {
				t.Fatalf("enrolment %d: %+v", i, res)
			}
			// 7 hours at €30: 7 vouchers, the Region pays €105, the shop €105.
			if res.Quote.VoucherHours != 7 || res.Quote.RegionPays != funding.Euros(105) || res.Quote.ShopPays != funding.Euros(105) {
				t.Fatalf("quote %+v", res.Quote)
			}
			tokens = append(tokens, res.Enrolment.Token)
		}
		// The same address again: the same enrolment, nothing new.
		again, err := st.Enrolments.Enrol(ctx, s.ID, worker(0, "Boutique 0"), testMail, now)
		if err != nil || again.Created || again.Enrolment.Token != tokens[0] {
			t.Fatalf("second enrolment of the same address: %+v %v", again, err)
		}
		checkSeats(t, st, s.ID)
		if l := checkBudget(t, st, line.ID); l.Committed != funding.Euros(4*105) {
			t.Errorf("committed %s, want 4 × €105 (the waiting list reserves too)", l.Committed)
		}
		// Cancelling a seat gives it to the first in line, who is told.
		if _, err := st.Enrolments.Cancel(ctx, tokens[1], testMail, now); err != nil {
			t.Fatal(err)
		}
		promoted, _ := st.Enrolments.ByToken(ctx, tokens[2])
		third, _ := st.Enrolments.ByToken(ctx, tokens[3])
		if promoted.Status != training.Confirmed || third.Status != training.Waitlisted || third.WaitlistPos != 1 {
			t.Errorf("after cancel: %s, %s at %d", promoted.Status, third.Status, third.WaitlistPos)
		}
		checkSeats(t, st, s.ID)
		if l := checkBudget(t, st, line.ID); l.Committed != funding.Euros(3*105) {
			t.Errorf("committed after a cancel %s, want €315", l.Committed)
		}
		mails, _ := st.Outbox.List(ctx, store.OutboxFilter{})
		kinds := map[string]int{}
		for _, m := range mails {
			kinds[m.Message.Kind]++
		}
		if kinds[store.MailEnrolConfirmed] != 2 || kinds[store.MailEnrolWaitlisted] != 2 || kinds[store.MailEnrolPromoted] != 1 {
			t.Errorf("mails %v", kinds)
		}
		// Cancelling twice changes nothing; after the start nothing can be cancelled.
		if e, err := st.Enrolments.Cancel(ctx, tokens[1], testMail, now); err != nil || e.Status != training.Withdrawn {
			t.Errorf("cancel twice: %v %v", e.Status, err)
		}
		if _, err := st.Enrolments.Cancel(ctx, tokens[0], testMail, s.StartsAt().Add(time.Minute)); !errors.Is(err, store.ErrTrainingStarted) {
			t.Errorf("cancel after the start: %v", err)
		}
		// The address that cancelled may enrol again, at the end of the line.
		back, err := st.Enrolments.Enrol(ctx, s.ID, worker(1, "Boutique 1"), testMail, now)
		if err != nil || !back.Created || back.Enrolment.Status != training.Waitlisted || back.Enrolment.WaitlistPos != 2 {
			t.Errorf("enrol again after cancelling: %+v %v", back.Enrolment, err)
		}
		checkSeats(t, st, s.ID)
		// No enrolment once the session has started.
		if _, err := st.Enrolments.Enrol(ctx, s.ID, worker(9, "Tard"), testMail, s.StartsAt()); !errors.Is(err, store.ErrTrainingClosed) {
			t.Errorf("enrol after the start: %v", err)
		}
		// A larger capacity gives the new seats to the line, in order.
		s.Capacity = 4
		if _, err := st.Trainings.UpdateSession(ctx, s.ID, s, 0, brussels, st.Enrolments.Promoter(testMail, now), now); err != nil {
			t.Fatal(err)
		}
		if got := checkSeats(t, st, s.ID); got.Confirmed != 4 || got.Waitlisted != 0 {
			t.Errorf("after growing: %d confirmed, %d waiting", got.Confirmed, got.Waitlisted)
		}
	})
}

func TestVouchersAllowanceAndBudget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		st.Enrolments.SetLocation(brussels)
		f := newFixture(t, st, "centre")
		s := f.session(t, st, 50)
		// No campaign line for the year: enrolling with vouchers is refused
		// and nothing changes; without vouchers it works.
		if _, err := st.Enrolments.Enrol(ctx, s.ID, worker(1, "Chez Zoé"), testMail, now); !errors.Is(err, store.ErrVoucherBudgetExhausted) {
			t.Fatalf("no budget line: %v", err)
		}
		if got := checkSeats(t, st, s.ID); got.Confirmed != 0 {
			t.Fatalf("a refused enrolment took a seat")
		}
		// A line with €200 pays the Region's share of one enrolment (€105), not two.
		line := budget(t, st, funding.Euros(200))
		if _, err := st.Enrolments.Enrol(ctx, s.ID, worker(1, "Chez Zoé"), testMail, now); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Enrolments.Enrol(ctx, s.ID, worker(2, "Autre boutique"), testMail, now); !errors.Is(err, store.ErrVoucherBudgetExhausted) {
			t.Fatalf("line exhausted: %v", err)
		}
		paying := worker(2, "Autre boutique")
		paying.UseVouchers = false
		res, err := st.Enrolments.Enrol(ctx, s.ID, paying, testMail, now)
		if err != nil || res.Quote.ShopPays != funding.Euros(210) || res.Quote.RegionPays != 0 || res.Quote.Reasons[0].Code != funding.ReasonNotWanted {
			t.Fatalf("without vouchers: %+v %v", res.Quote, err)
		}
		checkBudget(t, st, line.ID)
		checkSeats(t, st, s.ID)
		// A one-person shop has 100 vouchers a year: the preview sees what is
		// already reserved for its other workers.
		small := worker(3, "Chez Zoé")
		small.FTE = funding.Headcount(1)
		q, err := st.Enrolments.Quote(ctx, s, f.module, small)
		if err != nil || q.RemainingAllowance != 100-7-7 || q.VoucherHours != 7 {
			t.Errorf("preview for the same shop: %+v %v", q, err)
		}
		big := worker(4, "Usine")
		big.FTE = funding.Headcount(300)
		if q, _ := st.Enrolments.Quote(ctx, s, f.module, big); q.VoucherHours != 0 || q.Reasons[0].Code != funding.ReasonFirmTooLarge {
			t.Errorf("a firm of 300: %+v", q)
		}
		var used int
		st.DB.Reader().QueryRow("SELECT vouchers FROM voucher_use").Scan(&used)
		if used != 7 {
			t.Errorf("vouchers used %d, want 7", used)
		}
	})
}

// Many workers enrol at once in a session with few seats: exactly capacity
// get a seat, the others wait in a line without gaps, and the counters match
// the rows — on both engines.
func TestConcurrentEnrolmentsNeverOverbook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		st.Enrolments.SetLocation(brussels)
		f := newFixture(t, st, "centre")
		budget(t, st, funding.Euros(100_000))
		s := f.session(t, st, 7)
		const n = 40
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e := worker(i, fmt.Sprintf("Boutique %d", i))
				e.UseVouchers = i%2 == 0
				if _, err := st.Enrolments.Enrol(ctx, s.ID, e, testMail, now); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		got := checkSeats(t, st, s.ID)
		if got.Confirmed != 7 || got.Waitlisted != n-7 {
			t.Fatalf("%d confirmed, %d waiting; want 7 and %d", got.Confirmed, got.Waitlisted, n-7)
		}
	})
}

// Many approvals at once against a small budget line: the line is never
// overspent, each refused approval changed nothing, and the committed total
// is the sum of the approved aid to the cent.
func TestConcurrentApprovalsNeverOverspend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		line := budget(t, st, funding.Euros(1_000))
		const n = 30
		ids := make([]int64, n)
		for i := range n {
			a, err := st.Aid.Apply(ctx, aid.Application{FirstName: "Zoé", LastName: "L", Email: fmt.Sprintf("z%d@example.be", i),
				ShopName: "Boutique", CommuneNIS: "52012", Employees: 2, Turnover: funding.Euros(50_000), Item: "Caisse",
				Supplier: "Fournisseur", Cost: 111_11, Lang: "fr"}, nil, now)
			if err != nil {
				t.Fatal(err)
			}
			ids[i] = a.ID // 60 % of €111.11 = €66.67
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		approved, exhausted := 0, 0
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := st.Aid.Approve(ctx, id, line.ID, 0, nil, now)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					approved++
				case errors.Is(err, funding.ErrBudgetExhausted):
					exhausted++
				default:
					t.Errorf("approve %d: %v", id, err)
				}
			}()
		}
		wg.Wait()
		l := checkBudget(t, st, line.ID)
		if approved != 14 || exhausted != n-14 || l.Committed != 14*66_67 {
			t.Fatalf("%d approved, %d refused, committed %s; want 14, %d, €933.38", approved, exhausted, l.Committed, n-14)
		}
		pending, _ := st.Aid.List(ctx, aid.Submitted, 0)
		if len(pending) != n-14 {
			t.Errorf("%d still pending, want %d", len(pending), n-14)
		}
		for _, a := range pending {
			if a.BudgetLineID != 0 || !a.DecidedAt.IsZero() {
				t.Errorf("a refused approval left a trace: %+v", a)
			}
		}
	})
}

func TestAidDecisionsAndTable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		line := budget(t, st, funding.Euros(5_000))
		aidMail := func(kind string, a aid.Application) (mail.Message, error) {
			return mail.Message{Kind: kind, MessageID: a.Token + kind + "@t", To: a.Email, Subject: kind, Text: a.Token}, nil
		}
		apply := func(employees int, cost funding.Cents) aid.Application {
			a, err := st.Aid.Apply(ctx, aid.Application{FirstName: "Zoé", LastName: "L", Email: "z@example.be", ShopName: "B",
				CommuneNIS: "52012", Employees: employees, Turnover: funding.Euros(50_000), Item: "Site", Supplier: "S", Cost: cost, Lang: "fr"},
				aidMail, now)
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		a := apply(2, funding.Euros(2_000))
		if a.Status != aid.Submitted || a.Quote.RateBasisPoints != 6000 || a.Quote.Aid != funding.Euros(1_200) || a.TableVersion != 1 {
			t.Fatalf("application %+v", a)
		}
		if _, err := st.Aid.Cancel(ctx, a.ID, now); !errors.Is(err, store.ErrAidNotApproved) {
			t.Errorf("cancel a pending application: %v", err)
		}
		got, err := st.Aid.Approve(ctx, a.ID, line.ID, 0, aidMail, now)
		if err != nil || got.Status != aid.Approved || got.BudgetLineID != line.ID {
			t.Fatalf("approve: %+v %v", got, err)
		}
		if _, err := st.Aid.Approve(ctx, a.ID, line.ID, 0, nil, now); !errors.Is(err, store.ErrAidNotPending) {
			t.Errorf("approve twice: %v", err)
		}
		if l := checkBudget(t, st, line.ID); l.Committed != funding.Euros(1_200) {
			t.Errorf("committed %s", l.Committed)
		}
		if got, err := st.Aid.Cancel(ctx, a.ID, now); err != nil || got.Status != aid.Cancelled {
			t.Fatalf("cancel: %+v %v", got, err)
		}
		if l := checkBudget(t, st, line.ID); l.Committed != 0 {
			t.Errorf("committed after cancel %s", l.Committed)
		}
		r := apply(5, funding.Euros(1_000))
		if got, err := st.Aid.Refuse(ctx, r.ID, 0, nil, now); err != nil || got.Status != aid.Refused {
			t.Errorf("refuse: %v %v", got.Status, err)
		}
		if _, err := st.Aid.Approve(ctx, r.ID, line.ID, 0, nil, now); !errors.Is(err, store.ErrAidNotPending) {
			t.Errorf("approve a refused one: %v", err)
		}
		if none := apply(200, funding.Euros(1_000)); none.Status != aid.Ineligible || none.Quote.Aid != 0 {
			t.Errorf("a firm of 200: %+v", none)
		}
		// Aid is not paid from the partnerships.
		partners, _ := st.Budget.CreateLine(ctx, funding.BudgetLine{Name: "Partenariats", Year: 2027, Kind: funding.BudgetPartnerships, Amount: funding.Euros(50_000)}, now)
		if _, err := st.Aid.Approve(ctx, apply(2, 100_00).ID, partners.ID, 0, nil, now); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("aid from the partnerships line: %v", err)
		}
		// A new table version quotes new applications; a stale editor is refused.
		table := funding.DefaultAidTable()
		table.Rows[0].Rate = 7000
		v, err := st.Aid.SetTable(ctx, table, 1, 0, now)
		if err != nil || v != 2 {
			t.Fatalf("set table: %d %v", v, err)
		}
		if _, err := st.Aid.SetTable(ctx, table, 1, 0, now); !errors.Is(err, store.ErrAidTableChanged) {
			t.Errorf("stale edit: %v", err)
		}
		bad := table
		bad.Rows = append([]funding.AidRow{}, table.Rows...)
		bad.Rows[1].Rate = 9000
		if _, err := st.Aid.SetTable(ctx, bad, 2, 0, now); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("unfair table: %v", err)
		}
		if n := apply(2, funding.Euros(1_000)); n.TableVersion != 2 || n.Quote.Aid != funding.Euros(700) {
			t.Errorf("quoted with the new table: %+v", n)
		}
		mails, _ := st.Outbox.List(ctx, store.OutboxFilter{RefType: store.RefAid, RefID: a.ID})
		if len(mails) != 2 {
			t.Errorf("%d mails about the application, want received and approved", len(mails))
		}
	})
}

func TestBudgetLinesAndPartnerships(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		l, err := st.Budget.CreateLine(ctx, funding.BudgetLine{Name: "Partenariats", Year: 2027, Kind: funding.BudgetPartnerships, Amount: funding.Euros(50_000)}, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Budget.CreateLine(ctx, funding.BudgetLine{Name: "Partenariats", Year: 2027, Amount: funding.Euros(1)}, now); !errors.Is(err, store.ErrBudgetLineExists) {
			t.Errorf("same name and year: %v", err)
		}
		if _, err := st.Budget.CreateLine(ctx, funding.BudgetLine{Name: "", Year: 2027, Amount: 0}, now); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("empty line: %v", err)
		}
		c, err := st.Budget.Commit(ctx, l.ID, funding.Euros(30_000), "Convention Technobel", 0, now)
		if err != nil {
			t.Fatal(err)
		}
		_, err = st.Budget.Commit(ctx, l.ID, funding.Euros(20_000)+1, "Trop", 0, now)
		if e, _ := apperr.As(err); !errors.Is(err, funding.ErrBudgetExhausted) || e.Args["remaining"] != funding.Euros(20_000) {
			t.Errorf("overspend: %v", err)
		}
		if _, err := st.Budget.Commit(ctx, l.ID, funding.Euros(20_000), "Le reste", 0, now); err != nil {
			t.Errorf("the exact remainder: %v", err)
		}
		if got := checkBudget(t, st, l.ID); got.Remaining() != 0 {
			t.Errorf("remaining %s", got.Remaining())
		}
		if err := st.Budget.Release(ctx, c.ID, now); err != nil {
			t.Fatal(err)
		}
		if err := st.Budget.Release(ctx, c.ID, now); !errors.Is(err, store.ErrCommitmentReleased) {
			t.Errorf("release twice: %v", err)
		}
		if got := checkBudget(t, st, l.ID); got.Committed != funding.Euros(20_000) {
			t.Errorf("committed %s", got.Committed)
		}
		list, _ := st.Budget.Commitments(ctx, l.ID)
		if len(list) != 2 || list[1].Active || list[1].ReleasedAt == nil {
			t.Errorf("commitments %+v", list)
		}
	})
}

func TestImportCatalogue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, "technobel")
		file := `module;titre;compétences;heures;chèques-formation;prix;session;date;début;fin;lieu;places
page-fb;Créer la page de son commerce;social-page;7;oui;210;avril;12/04/2027;9:00;12:30;technobel-ciney;12
page-fb;;;;;;avril;19/04/2027;13:00;16:30;technobel-ciney;
webinaire;Répondre aux avis;online-reviews;1,5;non;0;;;;;;
`
		file = strings.ReplaceAll(file, "\n", "\r\n")
		cat, bad, err := training.ParseCatalogue([]byte(file), "technobel", brussels)
		if err != nil || len(bad) > 0 {
			t.Fatalf("parse: %v %v", err, bad)
		}
		res, bad, err := st.Trainings.ImportCatalogue(ctx, cat, brussels, now)
		if err != nil || len(bad) > 0 {
			t.Fatalf("import: %v %v", err, bad)
		}
		if res.ModulesAdded != 2 || res.SessionsAdded != 1 {
			t.Errorf("result %+v", res)
		}
		// The same file again changes nothing.
		res, _, _ = st.Trainings.ImportCatalogue(ctx, cat, brussels, now)
		if res.ModulesUnchanged != 2 || res.SessionsUnchanged != 1 || res.ModulesAdded+res.SessionsAdded+res.ModulesUpdated+res.SessionsUpdated != 0 {
			t.Errorf("second import %+v", res)
		}
		mods, _ := st.Trainings.Modules(ctx, store.ModuleFilter{ProviderID: f.provider.ID, Level: -1})
		if len(mods) != 3 {
			t.Errorf("%d modules", len(mods))
		}
		// A file with one bad line changes nothing at all.
		bad1 := file + "webinaire;;;;;;;03/05/2027;19:00;20:30;nulle-part;30\r\nnouveau;Nouveau module;figures;2;non;0;;;;;;\r\n"
		cat, _, _ = training.ParseCatalogue([]byte(bad1), "technobel", brussels)
		_, bad, err = st.Trainings.ImportCatalogue(ctx, cat, brussels, now)
		if err != nil || len(bad) != 1 || bad[0].Line != 5 || bad[0].Key != "training.import.site_unknown" {
			t.Fatalf("bad lines %+v %v", bad, err)
		}
		if mods, _ := st.Trainings.Modules(ctx, store.ModuleFilter{ProviderID: f.provider.ID, Level: -1}); len(mods) != 3 {
			t.Errorf("a rejected file added modules: %d", len(mods))
		}
		// An online webinar needs no site, and its length must match.
		ok := file + "webinaire;;;;;;;03/05/2027;19:00;20:30;en ligne;30\r\nwebinaire;;;;;;;10/05/2027;19:00;21:00;;30\r\n"
		cat, _, _ = training.ParseCatalogue([]byte(ok), "technobel", brussels)
		_, bad, _ = st.Trainings.ImportCatalogue(ctx, cat, brussels, now)
		if len(bad) != 2 || bad[0].Key != "training.session.site_required" || bad[1].Line != 6 {
			t.Errorf("bad %+v", bad)
		}
		cat.ProviderSlug = "nobody"
		if _, _, err := st.Trainings.ImportCatalogue(ctx, cat, brussels, now); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("unknown provider: %v", err)
		}
	})
}

func TestAttendance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st, "centre")
		other := newFixture(t, st, "autre")
		s := f.session(t, st, 1)
		w := worker(1, "Chez Zoé")
		w.UseVouchers = false
		in, _ := st.Enrolments.Enrol(ctx, s.ID, w, nil, now)
		w2 := worker(2, "Ailleurs")
		w2.UseVouchers = false
		waiting, _ := st.Enrolments.Enrol(ctx, s.ID, w2, nil, now)
		id := in.Enrolment.ID
		if _, err := st.Enrolments.Attendance(ctx, id, true, true, f.provider.ID, now); !errors.Is(err, store.ErrTrainingNotStarted) {
			t.Errorf("before the start: %v", err)
		}
		later := s.EndsAt()
		if _, err := st.Enrolments.Attendance(ctx, id, true, true, other.provider.ID, later); !errors.Is(err, store.ErrEnrolmentNotFound) {
			t.Errorf("another provider: %v", err)
		}
		if _, err := st.Enrolments.Attendance(ctx, waiting.Enrolment.ID, true, false, 0, later); !errors.Is(err, store.ErrEnrolmentNotConfirmed) {
			t.Errorf("someone on the waiting list: %v", err)
		}
		e, err := st.Enrolments.Attendance(ctx, id, true, true, f.provider.ID, later)
		if err != nil || !e.AttendedAt.Equal(later) || e.CompletedAt.IsZero() || !e.Certified() {
			t.Fatalf("attendance: %+v %v", e, err)
		}
		// Recording again keeps the first time; "absent" clears both.
		e, _ = st.Enrolments.Attendance(ctx, id, true, false, 0, later.Add(time.Hour))
		if !e.AttendedAt.Equal(later) || !e.CompletedAt.IsZero() {
			t.Errorf("again: %+v", e)
		}
		e, _ = st.Enrolments.Attendance(ctx, id, false, true, 0, later)
		if !e.AttendedAt.IsZero() || !e.CompletedAt.IsZero() || e.Certified() {
			t.Errorf("absent: %+v", e)
		}
	})
}
