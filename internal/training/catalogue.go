package training

import (
	"math"
	"sort"
)

// Offer is a module with its upcoming sessions, as the catalogue shows it.
type Offer struct {
	Module   Module
	Sessions []Placed
}

// Placed is a session with its distance from the shop, when a place is known.
type Placed struct {
	Session
	Km    float64 // road-free distance in km; 0 online
	Known bool    // a place was given and Km is meaningful
}

// Nearest returns the offer's first session once sorted (nearest, then
// soonest), and false when it has none.
func (o Offer) Nearest() (Placed, bool) {
	if len(o.Sessions) == 0 {
		return Placed{}, false
	}
	return o.Sessions[0], true
}

// SortByDate orders each offer's sessions by start, and the offers by their
// first session, then by title; offers without sessions come last.
func SortByDate(offers []Offer) {
	for i := range offers {
		s := offers[i].Sessions
		sort.SliceStable(s, func(a, b int) bool { return s[a].StartsAt().Before(s[b].StartsAt()) })
	}
	sort.SliceStable(offers, func(a, b int) bool {
		sa, oka := offers[a].Nearest()
		sb, okb := offers[b].Nearest()
		switch {
		case oka != okb:
			return oka
		case oka && !sa.StartsAt().Equal(sb.StartsAt()):
			return sa.StartsAt().Before(sb.StartsAt())
		}
		return offers[a].Module.Title < offers[b].Module.Title
	})
}

// SortNear sets each session's distance from a place with dist(lat, lon)
// (online sessions are 0 km away), orders sessions by distance then date,
// and the offers by their nearest session, then its date; offers without
// sessions come last, by title. Distances are compared to the metre, so
// sessions at one site sort by date.
func SortNear(offers []Offer, dist func(lat, lon float64) float64) {
	for i := range offers {
		s := offers[i].Sessions
		for j := range s {
			s[j].Km, s[j].Known = s[j].DistanceKm(dist), true
		}
		sort.SliceStable(s, func(a, b int) bool { return placedLess(s[a], s[b]) })
	}
	sort.SliceStable(offers, func(a, b int) bool {
		sa, oka := offers[a].Nearest()
		sb, okb := offers[b].Nearest()
		switch {
		case oka != okb:
			return oka
		case oka && (placedLess(sa, sb) || placedLess(sb, sa)):
			return placedLess(sa, sb)
		}
		return offers[a].Module.Title < offers[b].Module.Title
	})
}

func placedLess(a, b Placed) bool {
	ma, mb := math.Round(a.Km*1000), math.Round(b.Km*1000)
	if ma != mb {
		return ma < mb
	}
	return a.StartsAt().Before(b.StartsAt())
}
