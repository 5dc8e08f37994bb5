package jobs

import (
	"context"
	"sync"
	"time"
)

// marker records accepted mails (outbox rows or invitations) as sent as
// soon as it can: while one commit runs, newly accepted mails wait, and the
// next commit takes them all. A
// quiet sender thus marks each mail alone, right after the SMTP server
// accepted it; a busy one marks them in groups without slowing down.
type marker struct {
	ctx  context.Context
	mark func(ctx context.Context, ids []int64, now time.Time) error
	now  func() time.Time
	in   chan int64
	done chan struct{}

	mu    sync.Mutex
	count int
	err   error
}

// newMarker starts a marker. window bounds how many accepted mails may wait
// for their commit: when commits lag, add blocks, so the sender cannot run
// far ahead of what is recorded (at most about 2×window mails are accepted
// but not yet marked, the ones a crash would send again).
func newMarker(ctx context.Context, mark func(ctx context.Context, ids []int64, now time.Time) error, now func() time.Time, window int) *marker {
	m := &marker{ctx: ctx, mark: mark, now: now, in: make(chan int64, window), done: make(chan struct{})}
	go m.run()
	return m
}

func (m *marker) add(id int64) { m.in <- id }

func (m *marker) run() {
	defer close(m.done)
	var batch []int64
	for id := range m.in {
		batch = append(batch[:0], id)
	more:
		for {
			select {
			case next, ok := <-m.in:
				if !ok {
					break more
				}
				batch = append(batch, next)
			default:
				break more
			}
		}
		err := m.mark(m.ctx, batch, m.now())
		m.mu.Lock()
		if err != nil && m.err == nil {
			m.err = err
		}
		if err == nil {
			m.count += len(batch)
		}
		m.mu.Unlock()
	}
}

// close waits for the last commit and returns how many mails were marked.
func (m *marker) close() (int, error) {
	close(m.in)
	<-m.done
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.count, m.err
}
