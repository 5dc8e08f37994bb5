package store

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"vitrine/internal/commune"
	"vitrine/internal/funding"
	"vitrine/internal/plan"
	"vitrine/internal/training"
)

// referenceCandidates is the plan's candidates computed from the offers
// for each plan, as TrainingCandidates did before the catalogue was
// prepared once per read: what the prepared catalogue must give.
func referenceCandidates(offers []training.Offer, skills []string, dist func(lat, lon float64) float64, now time.Time) []plan.Session {
	var out []plan.Session
	for _, o := range offers {
		m := o.Module
		if !slices.ContainsFunc(m.Skills, func(id string) bool { return slices.Contains(skills, id) }) {
			continue
		}
		for _, ss := range o.Sessions {
			if !ss.Open(now.Add(24*time.Hour)) || ss.SeatsLeft() == 0 {
				continue
			}
			c := plan.Session{ModuleID: strconv.FormatInt(m.ID, 10), SessionID: strconv.FormatInt(ss.ID, 10),
				Title: m.Title, Provider: m.ProviderName, ProviderPrivate: m.ProviderKind.Private(), Skills: m.Skills,
				Hours: m.Hours(), Format: string(m.Format), Start: ss.StartsAt(), SeatsLeft: ss.SeatsLeft(),
				VoucherEligible: m.VoucherEligible, PriceCents: int64(m.Price), VoucherCostCents: int64(m.Price)}
			if dist != nil {
				c.DistanceKm = ss.DistanceKm(dist)
			}
			if m.VoucherEligible {
				q, err := funding.QuoteVouchers(funding.VoucherInput{Training: ss.VoucherTraining(m, campaignZone),
					Shop: funding.Shop{FTE: funding.Headcount(1)}, UseVouchers: true})
				if err == nil {
					c.VoucherCostCents = int64(q.ShopPays)
				}
			}
			out = append(out, c)
		}
	}
	return out
}

// randomOffers makes a catalogue of n modules teaching skills among
// nSkills, with sessions of every kind: cancelled, full, started, online,
// on several days, some with no day at all.
func randomOffers(rng *rand.Rand, n, nSkills int, now time.Time) []training.Offer {
	kinds := []training.ProviderKind{training.CompetenceCentre, training.PrivateCompany, training.LocalTrainer}
	var offers []training.Offer
	id := int64(0)
	for i := range n {
		m := training.Module{ID: int64(i + 1), Title: "Module " + strconv.Itoa(i), ProviderName: "P" + strconv.Itoa(i%5),
			ProviderKind: kinds[rng.IntN(len(kinds))], Format: training.InPerson, Minutes: 30 + rng.IntN(40*60),
			VoucherEligible: rng.IntN(3) > 0, Price: funding.Cents(rng.IntN(5)) * funding.Cents(rng.IntN(40000))}
		if rng.IntN(3) == 0 {
			m.Format = training.Online
		}
		for range rng.IntN(4) {
			m.Skills = append(m.Skills, "skill-"+strconv.Itoa(rng.IntN(nSkills)))
		}
		o := training.Offer{Module: m}
		for range rng.IntN(5) {
			id++
			ss := training.Session{ID: id, ModuleID: m.ID, Status: training.Scheduled, Capacity: rng.IntN(12), Confirmed: rng.IntN(12)}
			if rng.IntN(8) == 0 {
				ss.Status = training.Cancelled
			}
			if m.Format == training.InPerson && rng.IntN(6) > 0 {
				ss.SiteID, ss.Latitude, ss.Longitude = int64(1+rng.IntN(9)), 49.5+rng.Float64()*2, 2.5+rng.Float64()*4
			}
			start := now.Add(time.Duration(rng.IntN(24*90)-24*5) * time.Hour).Add(time.Duration(rng.IntN(60)) * time.Minute)
			for d := range rng.IntN(4) {
				day := start.AddDate(0, 0, d)
				ss.Days = append(ss.Days, training.Day{Start: day, End: day.Add(time.Duration(30+rng.IntN(9*60)) * time.Minute)})
			}
			o.Sessions = append(o.Sessions, training.Placed{Session: ss})
		}
		offers = append(offers, o)
	}
	return offers
}

// The catalogue prepared once per read gives each plan the candidates
// computed from the offers for that plan: same sessions, same order, same
// fields, the distances from the memo equal to the ones computed, the
// first time a place asks and the next; with few skills (one word of
// mask), many (two) and very many (a mask on the heap).
func TestCandidateCatalogueAsComputed(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for _, nSkills := range []int{5, 40, 100, 300} {
		offers := randomOffers(rng, 80, nSkills, now)
		cat := newCandidateCatalogue(offers)
		places := []*place{nil, {50.41, 4.44}, {49.68, 5.82}, {50.85, 4.35}, {math.NaN(), 4}}
		found := 0
		for round := range 300 {
			var skills []string
			for range rng.IntN(10) {
				skills = append(skills, "skill-"+strconv.Itoa(rng.IntN(nSkills+3)))
			}
			p := places[rng.IntN(len(places))]
			at := now.Add(time.Duration(rng.IntN(24*40)) * time.Hour)
			if round%7 == 0 { // where a session starts, exactly a day later
				if o := offers[rng.IntN(len(offers))]; len(o.Sessions) > 0 {
					at = o.Sessions[0].StartsAt().Add(-24 * time.Hour)
				}
			}
			var dist func(lat, lon float64) float64
			if p != nil {
				dist = func(lat, lon float64) float64 { return commune.DistanceKm(p.lat, p.lon, lat, lon) }
			}
			want := referenceCandidates(offers, skills, dist, at)
			got := cat.candidates(skills, p, at)
			if !reflect.DeepEqual(got, want) && !(p != nil && math.IsNaN(p.lat) && sameButNaN(got, want)) {
				t.Fatalf("%d skills, round %d, %v from %v at %v:\ngot  %+v\nwant %+v", nSkills, round, skills, p, at, got, want)
			}
			if len(want) > 0 {
				found++
			}
		}
		if found < 30 {
			t.Errorf("%d skills: candidates in %d rounds only", nSkills, found)
		}
		if len(cat.dists) != len(places)-1 {
			t.Errorf("%d places memoized, want %d", len(cat.dists), len(places)-1)
		}
	}
}

// sameButNaN compares candidates whose distances may be NaN (a place
// without coordinates): NaN is equal to nothing, not even itself.
func sameButNaN(a, b []plan.Session) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if math.IsNaN(x.DistanceKm) && math.IsNaN(y.DistanceKm) {
			x.DistanceKm, y.DistanceKm = 0, 0
		}
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

// Distances are kept for a bounded number of places; beyond, they are
// computed for each plan and are the same. Plans run at once share the
// catalogue safely.
func TestCandidateCatalogueBoundedAndShared(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	offers := randomOffers(rng, 40, 20, now)
	cat := newCandidateCatalogue(offers)
	skills := []string{"skill-1", "skill-2", "skill-3", "skill-5", "skill-8", "skill-13"}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range maxCandidatePlaces/2 + 50 {
				p := place{49.5 + float64(g*maxCandidatePlaces+i)/10000, 4.4}
				got := cat.candidates(skills, &p, now)
				want := referenceCandidates(offers, skills, func(lat, lon float64) float64 { return commune.DistanceKm(p.lat, p.lon, lat, lon) }, now)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("from %v:\ngot  %+v\nwant %+v", p, got, want)
					return
				}
			}
		})
	}
	wg.Wait()
	if len(cat.dists) != maxCandidatePlaces {
		t.Errorf("%d places memoized", len(cat.dists))
	}
}
