package store

import (
	"context"
	"database/sql"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"vitrine/internal/apperr"
	"vitrine/internal/mail"
	"vitrine/internal/sessions"
)

// Group commit for registrations. Each registration is its own small
// transaction, and a durable commit costs a disk flush (SQLite with
// synchronous=FULL, PostgreSQL with fsync): one flush per registration caps
// the rate at what the disk flushes a second, and on PostgreSQL every
// registration for one session also queues on that session's row lock until
// the previous commit's flush is done. So concurrent registrations are
// gathered by a writer goroutine and run in one transaction, each answered
// only after that transaction commits. A registration that fails in a way
// that may have left the transaction unusable makes the batch roll back, and
// each of its registrations then runs again in a transaction of its own.

// maxBatch bounds how many registrations share a transaction.
const maxBatch = 128

// regJob is one registration waiting for its batch.
type regJob struct {
	ctx       context.Context
	sessionID int64
	in        sessions.Registration
	now       time.Time
	sess      sessions.Session // as the mails show it
	mail      mail.Message     // the confirmation, composed beforehand

	res  RegisterResult
	err  error
	done chan struct{}
}

// regBatcher runs registrations in batches, with one writer goroutine per
// connection it may use (one on SQLite, a few on PostgreSQL).
type regBatcher struct {
	s    *RegistrationStore
	in   chan *regJob
	stop <-chan struct{}
}

// batchMetrics tells how large the batches are and how long one takes from
// its start to its last answer (the commit's flush included).
type batchMetrics struct {
	size     prometheus.Histogram
	duration prometheus.Histogram
}

// newBatchMetrics makes the metrics of the batches of what (registration,
// diagnostic).
func newBatchMetrics(what string) *batchMetrics {
	return &batchMetrics{
		size: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "vitrine_" + what + "_batch_size", Help: "Rows written per group-commit transaction (" + what + "s).",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128},
		}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "vitrine_" + what + "_batch_duration_seconds", Help: "Time to write and commit one batch of " + what + "s.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}),
	}
}

// Collectors returns the registration batches' metrics, for /metrics.
func (s *RegistrationStore) Collectors() []prometheus.Collector {
	return []prometheus.Collector{s.metrics.size, s.metrics.duration}
}

func (s *RegistrationStore) batcher() *regBatcher {
	s.once.Do(func() {
		s.db.prepareAll(context.Background(), sqlFindEmail, sqlTakeSeat, sqlJoinWaitlist, sqlInsertRegistration, outboxInsert)
		b := &regBatcher{s: s, in: make(chan *regJob, 4*maxBatch), stop: s.db.done}
		workers := 1
		if s.db.Engine == Postgres {
			workers = 2
		}
		for range workers {
			go b.loop()
		}
		s.batch = b
	})
	return s.batch
}

func (b *regBatcher) submit(ctx context.Context, j *regJob) error {
	select {
	case b.in <- j:
		return nil
	case <-b.stop:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

var errClosed = apperr.Errorf(apperr.Internal, "closed", "error.internal", nil)

func (b *regBatcher) loop() {
	for {
		var first *regJob
		select {
		case first = <-b.in:
		case <-b.stop:
			b.drain()
			return
		}
		jobs := []*regJob{first}
	more:
		for len(jobs) < maxBatch {
			select {
			case j := <-b.in:
				jobs = append(jobs, j)
			default:
				break more
			}
		}
		b.run(jobs)
	}
}

// drain answers the jobs still queued when the database closes.
func (b *regBatcher) drain() {
	for {
		select {
		case j := <-b.in:
			j.err = errClosed
			close(j.done)
		default:
			return
		}
	}
}

func (b *regBatcher) run(jobs []*regJob) {
	// Skip the people who gave up waiting before their turn.
	live := jobs[:0]
	for _, j := range jobs {
		if err := j.ctx.Err(); err != nil {
			j.err = err
			close(j.done)
			continue
		}
		live = append(live, j)
	}
	jobs = live
	if len(jobs) == 0 {
		return
	}
	b.s.metrics.size.Observe(float64(len(jobs)))
	defer func(t0 time.Time) { b.s.metrics.duration.Observe(time.Since(t0).Seconds()) }(time.Now())
	// Take the sessions' rows in one order in every batch, so two batches
	// (two writers, or two instances) never wait on each other in a circle.
	// The sort is stable: each session keeps its arrival order.
	sort.SliceStable(jobs, func(i, k int) bool { return jobs[i].sessionID < jobs[k].sessionID })
	ctx, cancel := b.s.db.batchContext(time.Minute)
	defer cancel()
	if b.s.db.pool != nil {
		// PostgreSQL: the whole batch in four round trips and a few
		// statements (pgbatch.go). The jobs it leaves (an address
		// registered already, a closed session) wrote nothing and go one
		// at a time below; on an error nothing was written and all of
		// them do.
		if rest, err := b.s.runPipelined(ctx, jobs); err == nil {
			jobs = rest
		}
	} else if len(jobs) > 1 {
		err := b.s.db.Tx(ctx, func(tx *sql.Tx) error {
			for _, j := range jobs {
				j.res, j.err = b.s.register(ctx, tx, j)
				if j.err != nil {
					if _, domain := apperr.As(j.err); !domain {
						return j.err
					}
				}
			}
			return nil
		})
		if err == nil {
			for _, j := range jobs {
				close(j.done)
			}
			return
		}
	}
	// One at a time, each in its own transaction.
	for _, j := range jobs {
		j.err = b.s.db.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			j.res, err = b.s.register(ctx, tx, j)
			return err
		})
		close(j.done)
	}
}
