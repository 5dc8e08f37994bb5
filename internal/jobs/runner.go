// Package jobs runs Vitrine's background work: it delivers the outbox's mails
// and runs scheduled jobs (reminders…). Work is rows in the database, so a
// crash loses none of it, and several instances can share one PostgreSQL:
// each row is claimed by one worker under a lease.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"vitrine/internal/mail"
	"vitrine/internal/store"
)

// Handler runs one job. An error makes the job retry later.
type Handler func(ctx context.Context, job store.Job) error

// Runner delivers mail and runs jobs until its context ends.
type Runner struct {
	st       *store.Store
	sender   mail.Sender // nil: mails stay in the outbox for staff to read
	log      *slog.Logger
	handlers map[string]Handler
	now      func() time.Time

	// MailRate is the most mails a second this instance sends (0: no limit).
	MailRate float64
	// Poll is how often the queues are looked at when nothing wakes the runner.
	Poll time.Duration
	// MaxAttempts is how many times a mail or a job is tried.
	MaxAttempts int
	// Lease is how long a claimed row stays reserved for this instance.
	Lease time.Duration
	// BatchFilter, when set, tells whether mails of a batch may be sent now
	// (an invitation campaign can be paused).
	BatchFilter func(batchID int64) bool

	mailKick chan struct{}
	jobKick  chan struct{}
	mu       sync.Mutex
	backoff  time.Duration // grows on temporary SMTP failures

	sent, failed prometheus.Counter
}

// New makes a runner. sender may be nil.
func New(st *store.Store, sender mail.Sender, log *slog.Logger) *Runner {
	return &Runner{
		st: st, sender: sender, log: log, handlers: map[string]Handler{}, now: time.Now,
		Poll: time.Second, MaxAttempts: 8, Lease: 2 * time.Minute,
		mailKick: make(chan struct{}, 1), jobKick: make(chan struct{}, 1),
		sent:   prometheus.NewCounter(prometheus.CounterOpts{Name: "vitrine_mails_sent_total", Help: "Mails accepted by the SMTP server."}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{Name: "vitrine_mail_failures_total", Help: "Failed mail delivery attempts."}),
	}
}

// Collectors returns the runner's metrics.
func (r *Runner) Collectors() []prometheus.Collector { return []prometheus.Collector{r.sent, r.failed} }

// SetClock replaces the clock (tests).
func (r *Runner) SetClock(now func() time.Time) { r.now = now }

// Handle registers the handler of a job kind.
func (r *Runner) Handle(kind string, h Handler) { r.handlers[kind] = h }

// Kick wakes the mail loop at once (after a mail was enqueued here).
func (r *Runner) Kick() {
	select {
	case r.mailKick <- struct{}{}:
	default:
	}
}

// KickJobs wakes the job loop at once.
func (r *Runner) KickJobs() {
	select {
	case r.jobKick <- struct{}{}:
	default:
	}
}

// Run works until ctx ends.
func (r *Runner) Run(ctx context.Context) {
	var wg sync.WaitGroup
	if r.sender != nil {
		wg.Add(1)
		go func() { defer wg.Done(); r.mailLoop(ctx) }()
	}
	wg.Add(1)
	go func() { defer wg.Done(); r.jobLoop(ctx) }()
	wg.Wait()
}

func (r *Runner) wait(ctx context.Context, kick <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-kick:
		return true
	case <-t.C:
		return true
	}
}

// mailLoop claims due mails in batches and sends each batch over one SMTP
// connection, pacing itself to MailRate.
func (r *Runner) mailLoop(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := r.DeliverOnce(ctx)
		if err != nil && ctx.Err() == nil {
			r.log.Warn("mail delivery", "err", err)
		}
		r.mu.Lock()
		pause := r.backoff
		r.mu.Unlock()
		if n == 0 || pause > 0 {
			if pause == 0 {
				pause = r.Poll
			}
			if !r.wait(ctx, r.mailKick, pause) {
				return
			}
		}
	}
}

// DeliverOnce claims and sends one batch of due mails; it returns how many it
// handled.
func (r *Runner) DeliverOnce(ctx context.Context) (int, error) {
	if r.sender == nil {
		return 0, errors.New("no mail sender configured")
	}
	batch := 200
	if r.MailRate > 0 {
		batch = max(1, min(200, int(r.MailRate)))
	}
	start := r.now()
	mails, err := r.st.Outbox.Claim(ctx, batch, r.Lease, start, r.BatchFilter)
	if err != nil || len(mails) == 0 {
		return 0, err
	}
	msgs := make([]mail.Message, len(mails))
	for i, m := range mails {
		msgs[i] = m.Message
	}
	// Each accepted mail is marked sent at once, by a marker that commits
	// whatever has been accepted meanwhile: if the process dies, at most the
	// mails accepted since the last commit are sent again (with the same
	// Message-ID), not the whole batch.
	marker := newMarker(context.WithoutCancel(ctx), r.st.Outbox.MarkSent, r.now, 1024)
	errs := r.sender.Send(ctx, msgs, func(i int, err error) {
		if err == nil {
			marker.add(mails[i].ID)
		}
	})
	sent, markErr := marker.close()
	temporary := 0
	for i, m := range mails {
		if errs[i] == nil {
			continue
		}
		r.failed.Inc()
		retry := time.Time{}
		if errors.Is(errs[i], mail.ErrTemporary) && m.Attempts+1 < r.MaxAttempts {
			temporary++
			retry = r.now().Add(retryDelay(m.Attempts + 1))
		}
		if err := r.st.Outbox.MarkFailed(context.WithoutCancel(ctx), m.ID, errs[i].Error(), retry); err != nil {
			return len(mails), err
		}
	}
	if markErr != nil {
		return len(mails), fmt.Errorf("mark sent: %w", markErr)
	}
	r.sent.Add(float64(sent))
	r.adjustBackoff(temporary > 0 && sent == 0)
	if r.MailRate > 0 {
		// Pace: len(mails) mails may take len/rate seconds.
		due := start.Add(time.Duration(float64(len(mails)) / r.MailRate * float64(time.Second)))
		if d := due.Sub(r.now()); d > 0 {
			r.wait(ctx, nil, d)
		}
	}
	return len(mails), nil
}

// adjustBackoff slows the loop down while the SMTP server refuses everything
// for the time being, and resets once it accepts again.
func (r *Runner) adjustBackoff(failing bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !failing {
		r.backoff = 0
		return
	}
	r.backoff = min(max(2*r.backoff, time.Second), 5*time.Minute)
}

// retryDelay is the wait before attempt n+1: 30 s, 1 min, 2 min… up to 1 h.
func retryDelay(attempt int) time.Duration {
	d := 30 * time.Second << min(attempt-1, 7)
	return min(d, time.Hour)
}

func (r *Runner) jobLoop(ctx context.Context) {
	for ctx.Err() == nil {
		ran, err := r.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			r.log.Warn("job", "err", err)
		}
		if !ran {
			if !r.wait(ctx, r.jobKick, r.Poll) {
				return
			}
		}
	}
}

// RunOnce claims and runs one due job; it reports whether there was one.
func (r *Runner) RunOnce(ctx context.Context) (bool, error) {
	job, ok, err := r.st.Jobs.Claim(ctx, r.Lease, r.now())
	if err != nil || !ok {
		return false, err
	}
	h, known := r.handlers[job.Kind]
	if !known {
		return true, r.st.Jobs.Failed(ctx, job.ID, "no handler for "+job.Kind, time.Time{})
	}
	jctx, cancel := context.WithTimeout(ctx, r.Lease/2)
	err = h(jctx, job)
	cancel()
	if err != nil {
		retry := time.Time{}
		if job.Attempts+1 < r.MaxAttempts {
			retry = r.now().Add(retryDelay(job.Attempts + 1))
		}
		r.log.Warn("job failed", "kind", job.Kind, "id", job.ID, "err", err)
		return true, r.st.Jobs.Failed(context.WithoutCancel(ctx), job.ID, err.Error(), retry)
	}
	return true, r.st.Jobs.Done(context.WithoutCancel(ctx), job.ID, r.now())
}
