package store

import (
	"context"
	"sort"
	"time"

	"vitrine/internal/sessions"
)

// SetKeyChunk makes lookups of known contacts smaller, so a test with a
// small file still reads them in several steps. It returns the undo.
func SetKeyChunk(n int) func() {
	old := keyChunk
	keyChunk = n
	return func() { keyChunk = old }
}

// RegisterBatch runs registrations as one batch of the group commit, at
// once, on the calling goroutine, as the writer would gather them. It
// returns each one's result and error, and on PostgreSQL how many the
// pipelined transaction left to run alone (-1 when it failed as a whole).
func RegisterBatch(s *RegistrationStore, sessionIDs []int64, in []sessions.Registration, now time.Time) ([]RegisterResult, []error, int) {
	ctx := context.Background()
	s.batcher()
	var jobs []*regJob
	for i, r := range in {
		if r.Token == "" {
			r.Token = sessions.NewToken(sessions.ManagePrefix)
		}
		if r.CheckinCode == "" {
			r.CheckinCode = sessions.NewToken(sessions.CheckinPrefix)
		}
		if r.Lang == "" {
			r.Lang = "fr"
		}
		j := &regJob{ctx: ctx, sessionID: sessionIDs[i], in: r, now: now, done: make(chan struct{})}
		var err error
		if j.sess, err = s.sessionForMail(ctx, j.sessionID); err == nil {
			pre := r
			pre.Status = sessions.Confirmed
			j.mail, err = s.mailer.RegistrationMail(MailConfirmed, pre, j.sess)
		}
		if err != nil {
			panic(err)
		}
		jobs = append(jobs, j)
	}
	left := 0
	if s.db.pool != nil {
		// The same jobs, sorted as run sorts them, through the pipelined
		// transaction alone; then the ones it left, one at a time.
		sorted := append([]*regJob(nil), jobs...)
		sort.SliceStable(sorted, func(i, k int) bool { return sorted[i].sessionID < sorted[k].sessionID })
		rest, err := s.runPipelined(ctx, sorted)
		if err != nil {
			left, rest = -1, sorted
		} else {
			left = len(rest)
		}
		(&regBatcher{s: s}).run(rest)
	} else {
		(&regBatcher{s: s}).run(append([]*regJob(nil), jobs...)) // run sorts them
	}
	res := make([]RegisterResult, len(jobs))
	errs := make([]error, len(jobs))
	for i, j := range jobs {
		<-j.done
		res[i], errs[i] = j.res, j.err
	}
	return res, errs, left
}
