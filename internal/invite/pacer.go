package invite

import "time"

// Pacer decides how many invitations may leave now. It spreads them at Rate
// a second (a token bucket holding at most one second's worth), keeps to
// HourlyCap in any hour, and backs off while the SMTP server answers with
// temporary failures (4xx): each failing round doubles the pause (from
// MinBackoff up to MaxBackoff) and halves the pace; a round that succeeds
// ends the pause, and the pace comes back step by step.
// A Pacer is used by one sending loop; it is not safe for concurrent use.
type Pacer struct {
	Rate      float64 // mails a second; 0: no limit
	HourlyCap int     // mails an hour at most; 0: no cap

	MinBackoff, MaxBackoff time.Duration

	tokens  float64
	last    time.Time
	backoff time.Duration
	until   time.Time // no mail before this (backing off)
	slow    float64   // 1 = full pace; halves on each failing round
}

// NewPacer returns a pacer for rate mails a second and cap an hour.
func NewPacer(rate float64, hourlyCap int) *Pacer {
	return &Pacer{Rate: rate, HourlyCap: hourlyCap, MinBackoff: time.Second, MaxBackoff: 5 * time.Minute, slow: 1}
}

// Take returns how many mails (at most want) may leave now, given how many
// left in the last hour; when none may, wait says when to ask again.
// The mails granted are counted as spent.
func (p *Pacer) Take(now time.Time, want, sentLastHour int) (n int, wait time.Duration) {
	if want <= 0 {
		return 0, 0
	}
	if now.Before(p.until) {
		return 0, p.until.Sub(now)
	}
	if p.HourlyCap > 0 {
		left := p.HourlyCap - sentLastHour
		if left <= 0 {
			return 0, time.Minute
		}
		want = min(want, left)
	}
	if p.slow == 0 {
		p.slow = 1
	}
	rate := p.Rate * p.slow
	if p.Rate <= 0 {
		if p.slow >= 1 {
			return want, 0
		}
		// No limit, but recovering from failures: a modest pace.
		rate = 100 * p.slow
	}
	burst := max(1, rate)
	if p.last.IsZero() {
		p.tokens = burst
	} else if el := now.Sub(p.last).Seconds(); el > 0 {
		p.tokens = min(burst, p.tokens+el*rate)
	}
	p.last = now
	if p.tokens < 1 {
		return 0, time.Duration((1 - p.tokens) / rate * float64(time.Second))
	}
	n = min(want, int(p.tokens))
	p.tokens -= float64(n)
	return n, 0
}

// Failed records a round in which the server refused everything for the
// time being (4xx, or no connection): the pacer pauses and slows down.
func (p *Pacer) Failed(now time.Time) {
	if p.slow == 0 {
		p.slow = 1
	}
	p.backoff = min(max(2*p.backoff, p.MinBackoff), p.MaxBackoff)
	p.until = now.Add(p.backoff)
	p.slow = max(p.slow/2, 1.0/64)
}

// Succeeded records a round in which mails were accepted: the pause ends
// and the pace doubles back towards full.
func (p *Pacer) Succeeded() {
	p.backoff = 0
	p.until = time.Time{}
	p.slow = min(1, max(p.slow, 1.0/64)*2)
}

// Backoff is the current pause after temporary failures (0: none).
func (p *Pacer) Backoff() time.Duration { return p.backoff }
