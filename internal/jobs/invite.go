package jobs

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"vitrine/internal/invite"
	"vitrine/internal/mail"
	"vitrine/internal/sessions"
	"vitrine/internal/store"
)

// Inviter sends the mails of invitation campaigns. Each round claims a
// batch of pending recipients of sending campaigns under a lease, composes
// each mail as it leaves, sends the batch over one SMTP connection and marks
// each recipient sent as soon as the server accepted it (in small group
// commits): a crash re-sends at most the few mails in flight, with the same
// Message-ID. When the rate is unlimited, several rounds run in parallel,
// each on its own connection. Pausing a campaign stops its claims at once.
type Inviter struct {
	st       *store.Store
	sender   mail.Sender
	composer *mail.Composer
	log      *slog.Logger
	now      func() time.Time

	// Rate is the most invitations a second this instance sends (0: no limit).
	Rate float64
	// HourlyCap is the most invitations sent in any hour, by all instances (0: none).
	HourlyCap int
	// Lease is how long a claimed recipient stays reserved for this instance.
	Lease time.Duration
	// Poll is how often the queue is looked at when nothing is sending.
	Poll time.Duration
	// Batch is the most mails sent over one connection in one round.
	Batch int
	// Parallel is how many rounds run at once when the rate is unlimited.
	Parallel int
	// MaxAttempts is how many times a temporarily refused mail is tried.
	MaxAttempts int

	mu    sync.Mutex
	pacer *invite.Pacer
	after int64 // where the last claim ended (see store.ClaimAfter)
	kick  chan struct{}

	sent, failed, suppressed prometheus.Counter
}

// NewInviter makes an inviter; sender must not be nil.
func NewInviter(st *store.Store, sender mail.Sender, composer *mail.Composer, log *slog.Logger) *Inviter {
	return &Inviter{
		st: st, sender: sender, composer: composer, log: log, now: time.Now,
		Rate: 10, Lease: 2 * time.Minute, Poll: time.Second, Batch: 250, Parallel: 4, MaxAttempts: 6,
		kick:       make(chan struct{}, 1),
		sent:       prometheus.NewCounter(prometheus.CounterOpts{Name: "vitrine_invitations_sent_total", Help: "Invitations accepted by the SMTP server."}),
		failed:     prometheus.NewCounter(prometheus.CounterOpts{Name: "vitrine_invitation_failures_total", Help: "Failed invitation delivery attempts."}),
		suppressed: prometheus.NewCounter(prometheus.CounterOpts{Name: "vitrine_invitations_suppressed_total", Help: "Invitations not sent: the address unsubscribed or bounced meanwhile."}),
	}
}

// Collectors returns the inviter's metrics.
func (v *Inviter) Collectors() []prometheus.Collector {
	return []prometheus.Collector{v.sent, v.failed, v.suppressed}
}

// SetClock replaces the clock (tests).
func (v *Inviter) SetClock(now func() time.Time) { v.now = now }

// Kick wakes the inviter at once (a campaign started or resumed).
func (v *Inviter) Kick() {
	select {
	case v.kick <- struct{}{}:
	default:
	}
}

func (v *Inviter) pace() *invite.Pacer {
	if v.pacer == nil {
		v.pacer = invite.NewPacer(v.Rate, v.HourlyCap)
	}
	return v.pacer
}

// Run sends until ctx ends.
func (v *Inviter) Run(ctx context.Context) {
	parallel := 1
	if v.Rate <= 0 && v.HourlyCap <= 0 {
		parallel = max(1, v.Parallel)
	}
	var wg sync.WaitGroup
	wake := make([]chan struct{}, parallel)
	for i := range parallel {
		wake[i] = make(chan struct{}, 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			v.loop(ctx, wake[i])
		}()
	}
	// Housekeeping and wake-ups: leases that ran out, campaigns that are
	// over; a kick wakes every sending loop.
	t := time.NewTicker(v.Poll)
	defer t.Stop()
	for ctx.Err() == nil {
		if err := v.Housekeep(ctx); err != nil && ctx.Err() == nil {
			v.log.Warn("invitations housekeeping", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-v.kick:
			for _, w := range wake {
				select {
				case w <- struct{}{}:
				default:
				}
			}
		}
	}
	wg.Wait()
}

func (v *Inviter) loop(ctx context.Context, wake <-chan struct{}) {
	for ctx.Err() == nil {
		n, wait, err := v.SendOnce(ctx)
		if err != nil && ctx.Err() == nil {
			v.log.Warn("invitations", "err", err)
		}
		if n > 0 && wait == 0 {
			continue
		}
		if wait == 0 || wait > v.Poll {
			wait = v.Poll
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// Housekeep makes pending again the recipients whose lease ran out and
// marks done the campaigns with nothing left to send.
func (v *Inviter) Housekeep(ctx context.Context) error {
	if _, err := v.st.Invitations.ReleaseExpired(ctx, v.now()); err != nil {
		return err
	}
	_, err := v.st.Invitations.FinishDone(ctx, v.now())
	return err
}

// SendOnce runs one round: it returns how many recipients it handled, and
// how long to wait before the next round when the pace (or a back-off)
// says so.
func (v *Inviter) SendOnce(ctx context.Context) (int, time.Duration, error) {
	now := v.now()
	sentLastHour := 0
	if v.HourlyCap > 0 {
		var err error
		if sentLastHour, err = v.st.Invitations.SentSince(ctx, now.Add(-time.Hour)); err != nil {
			return 0, 0, err
		}
	}
	v.mu.Lock()
	want, wait := v.pace().Take(now, max(1, v.Batch), sentLastHour)
	v.mu.Unlock()
	if want == 0 {
		return 0, wait, nil
	}
	v.mu.Lock()
	after := v.after
	v.mu.Unlock()
	claimed, err := v.st.Invitations.ClaimAfter(ctx, want, v.Lease, now, after)
	if err != nil {
		return 0, 0, err
	}
	v.mu.Lock()
	if len(claimed) < want {
		v.after = 0 // look from the start next time: retries, new campaigns
	} else if last := claimed[len(claimed)-1].ID; last > v.after {
		v.after = last
	}
	v.mu.Unlock()
	if len(claimed) == 0 {
		if after > 0 {
			return v.SendOnce(ctx) // the rest may lie before the cursor
		}
		return 0, 0, nil
	}
	bg := context.WithoutCancel(ctx)
	var skip []int64
	var batch []store.Recipient
	var msgs []mail.Message
	// Each campaign's mail is rendered once per language and round, then
	// personalised for each recipient.
	type key struct {
		campaign int64
		lang     string
	}
	templates := map[key]*mail.InvitationTemplate{}
	sessionsOf := map[int64][]sessions.Session{}
	for _, r := range claimed {
		if r.Suppressed {
			skip = append(skip, r.ID)
			continue
		}
		t, ok := templates[key{r.CampaignID, r.Lang}]
		if !ok {
			ss, ok := sessionsOf[r.CampaignID]
			if !ok {
				if ss, err = v.st.Invitations.Sessions(ctx, r.CampaignID); err != nil {
					v.st.Invitations.Release(bg, ids(claimed))
					return 0, 0, err
				}
				sessionsOf[r.CampaignID] = ss
			}
			if t, err = v.composer.InvitationTemplate(r.Lang, ss); err != nil {
				v.st.Invitations.Release(bg, ids(claimed))
				return 0, 0, err
			}
			templates[key{r.CampaignID, r.Lang}] = t
		}
		m := t.For(mail.Invitee{Email: r.Email, FirstName: r.FirstName, ShopName: r.ShopName, Lang: r.Lang,
			Token: r.Token, MessageID: "inv-" + strconv.FormatInt(r.ID, 10) + "-" + r.Token[:8]})
		m.RefType, m.RefID, m.BatchID = "invitation", r.ID, r.CampaignID
		batch = append(batch, r)
		msgs = append(msgs, m)
	}
	if len(skip) > 0 {
		if err := v.st.Invitations.MarkSuppressed(bg, skip, now); err != nil {
			return len(claimed), 0, err
		}
		v.suppressed.Add(float64(len(skip)))
	}
	if len(msgs) == 0 {
		return len(claimed), 0, nil
	}
	// Stop well before the lease runs out: past it, another sender may
	// take these recipients again. What is left goes back to the queue.
	sendCtx, cancel := context.WithTimeout(ctx, v.Lease*3/4)
	defer cancel()
	marker := newMarker(bg, v.st.Invitations.MarkSent, v.now, inFlight)
	errs := v.sender.Send(sendCtx, msgs, func(i int, err error) {
		if err == nil {
			marker.add(batch[i].ID)
		}
	})
	sent, markErr := marker.close()
	temporary := 0
	var stopped []int64
	for i, r := range batch {
		if errs[i] == nil {
			continue
		}
		if sendCtx.Err() != nil && !errors.Is(errs[i], mail.ErrPermanent) {
			stopped = append(stopped, r.ID) // shutting down or out of lease: not a failure
			continue
		}
		v.failed.Inc()
		retry, bounce := time.Time{}, false
		switch {
		case errors.Is(errs[i], mail.ErrPermanent):
			bounce = true
		case r.Attempts < v.MaxAttempts:
			temporary++
			retry = v.now().Add(retryDelay(r.Attempts))
		}
		if err := v.st.Invitations.MarkFailed(bg, r, errs[i].Error(), retry, bounce, v.now()); err != nil {
			return len(claimed), 0, err
		}
	}
	if len(stopped) > 0 {
		if err := v.st.Invitations.Release(bg, stopped); err != nil {
			return len(claimed), 0, err
		}
	}
	v.sent.Add(float64(sent))
	v.mu.Lock()
	if sent == 0 && temporary > 0 {
		v.pace().Failed(v.now())
	} else if sent > 0 {
		v.pace().Succeeded()
	}
	v.mu.Unlock()
	if markErr != nil {
		return len(claimed), 0, markErr
	}
	if len(claimed) < want {
		// The queue ran dry: a campaign may be over.
		if _, err := v.st.Invitations.FinishDone(bg, v.now()); err != nil {
			return len(claimed), 0, err
		}
	}
	return len(claimed), 0, nil
}

// inFlight bounds the invitations a sending loop may have accepted by the
// SMTP server but not yet recorded as sent: a crash sends at most about
// twice that many again (per loop), under the same Message-IDs.
const inFlight = 32

func ids(rs []store.Recipient) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}
