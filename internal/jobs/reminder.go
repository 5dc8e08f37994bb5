package jobs

import (
	"context"
	"encoding/json"
	"fmt"

	"vitrine/internal/store"
)

// KindReminder is the job that mails a session's confirmed people two days
// before it starts.
const KindReminder = "reminder"

// RegisterHandlers registers the handlers of Vitrine's job kinds.
func (r *Runner) RegisterHandlers() {
	r.Handle(KindReminder, func(ctx context.Context, job store.Job) error {
		var p store.ReminderPayload
		if err := json.Unmarshal([]byte(job.Payload), &p); err != nil || p.SessionID == 0 {
			return fmt.Errorf("reminder: bad payload %q", job.Payload)
		}
		n, err := r.st.Registrations.SendReminders(ctx, p.SessionID, r.now())
		if err != nil {
			return err
		}
		if n > 0 {
			r.Kick()
		}
		return nil
	})
}
