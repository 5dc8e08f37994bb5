package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/invite"
	"vitrine/internal/sessions"
)

// InvitationStore keeps invitation campaigns, their recipients and the
// suppression list. The recipients table is the campaign's outbox: a sender
// claims pending rows of sending campaigns under a lease (SKIP LOCKED on
// PostgreSQL, one writer on SQLite), composes each mail as it leaves, and
// marks the row sent as soon as the SMTP server accepted it. UNIQUE
// (campaign_id, contact_id) means one invitation per person per campaign,
// whatever restarts or double clicks happen.
type InvitationStore struct {
	db       *DB
	communes *CommuneStore
}

var (
	ErrCampaignNotFound  = apperr.New(apperr.NotFound, "invitation_not_found", "error.invitation.not_found")
	ErrRecipientNotFound = apperr.New(apperr.NotFound, "unsubscribe_not_found", "error.invitation.token_unknown")
)

// Recipient is one invitation about to leave (or shown as a sample).
type Recipient struct {
	ID         int64
	CampaignID int64
	ContactID  int64
	Email      string
	FirstName  string
	LastName   string
	ShopName   string
	Lang       string // the language of the contact's commune ("fr", "de")
	Token      string // unsubscribe token
	Attempts   int    // including the current one
	Suppressed bool   // opted out or on the suppression list since the campaign was built
}

// tokenExpr draws a new unsubscribe token in SQL: 32 lower-case hex digits.
func (db *DB) tokenExpr() string {
	if db.Engine == Postgres {
		return "replace(gen_random_uuid()::text, '-', '')"
	}
	return "lower(hex(randomblob(16)))"
}

// DraftLifetime is how long a campaign previewed but never sent is kept:
// the next campaign created after it removes it.
const DraftLifetime = 24 * time.Hour

// Create builds a draft campaign: it checks the criteria, finds the
// recipients (contacts in the chosen communes, or within radius_km of a
// chosen session's commune; minus opted-out and suppressed addresses, those
// registered to a chosen session, and those a live campaign already invites
// to one of them) and writes one recipient row each, all in one
// transaction.
func (s *InvitationStore) Create(ctx context.Context, c invite.Criteria, by Actor, now time.Time) (invite.Campaign, error) {
	c = c.Normalize()
	if err := c.Validate(); err != nil {
		return invite.Campaign{}, err
	}
	var v apperr.Validation
	var venues []invite.Point
	for _, id := range c.SessionIDs {
		var lat, lon float64
		var status string
		err := s.db.r.QueryRowContext(ctx, `SELECT c.latitude, c.longitude, s.status FROM info_sessions s JOIN communes c ON c.nis_code = s.commune_nis WHERE s.id = $1`, id).Scan(&lat, &lon, &status)
		if errors.Is(err, sql.ErrNoRows) || status == string(sessions.Cancelled) {
			v.Add("session_ids", "error.invitation.session_unknown", map[string]any{"ID": id})
			continue
		}
		if err != nil {
			return invite.Campaign{}, fmt.Errorf("campaign session %d: %w", id, err)
		}
		venues = append(venues, invite.Point{Lat: lat, Lon: lon})
	}
	nis := c.Communes
	if len(nis) > 0 || c.RadiusKm > 0 {
		all, err := s.communes.List(ctx)
		if err != nil {
			return invite.Campaign{}, err
		}
		known := map[string]bool{}
		for _, cm := range all {
			known[cm.NIS] = true
		}
		for _, n := range nis {
			if !known[n] {
				v.Add("communes", "error.invitation.commune", map[string]any{"Value": n})
				break
			}
		}
		if c.RadiusKm > 0 {
			nis = invite.Within(venues, all, c.RadiusKm)
		}
	}
	if err := v.Err(); err != nil {
		return invite.Campaign{}, err
	}
	var id int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		// Previews never sent are drafts left behind: those older than a
		// day go, with their recipients.
		if _, err := tx.ExecContext(ctx, "DELETE FROM invitation_campaigns WHERE status = 'draft' AND created_at < $1",
			utc(now.Add(-DraftLifetime))); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `
INSERT INTO invitation_campaigns (status, communes, radius_km, created_by, created_at, updated_at)
VALUES ('draft', $1, $2, $3, $4, $4) RETURNING id`, strings.Join(c.Communes, ","), c.RadiusKm, nullInt(by.UserID), utc(now)).Scan(&id); err != nil {
			return err
		}
		for _, sid := range c.SessionIDs {
			if _, err := tx.ExecContext(ctx, "INSERT INTO invitation_sessions (campaign_id, session_id) VALUES ($1, $2)", id, sid); err != nil {
				return err
			}
		}
		if len(nis) == 0 {
			return nil
		}
		args := []any{id, utc(now)}
		ph := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
		var communes, sess []string
		for _, n := range nis {
			communes = append(communes, ph(n))
		}
		for _, sid := range c.SessionIDs {
			sess = append(sess, ph(sid))
		}
		inSess := strings.Join(sess, ", ")
		res, err := tx.ExecContext(ctx, `
INSERT INTO invitation_recipients (campaign_id, contact_id, email_key, token, send_after)
SELECT $1, c.id, c.email_key, `+s.db.tokenExpr()+`, $2
FROM contacts c
WHERE c.commune_nis IN (`+strings.Join(communes, ", ")+`)
  AND c.opted_out_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM mail_suppressions m WHERE m.email_key = c.email_key)
  AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.email_key = c.email_key AND r.status <> 'cancelled' AND r.session_id IN (`+inSess+`))
  AND NOT EXISTS (
    SELECT 1 FROM invitation_recipients o
    JOIN invitation_campaigns oc ON oc.id = o.campaign_id
    JOIN invitation_sessions os ON os.campaign_id = o.campaign_id
    WHERE o.contact_id = c.id AND oc.status IN ('sending', 'paused', 'done')
      AND o.status IN ('pending', 'sending', 'sent') AND os.session_id IN (`+inSess+`))
ORDER BY c.id`, args...)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		_, err = tx.ExecContext(ctx, "UPDATE invitation_campaigns SET recipients = $1 WHERE id = $2", n, id)
		return err
	})
	if err != nil {
		return invite.Campaign{}, fmt.Errorf("create campaign: %w", err)
	}
	return s.Get(ctx, id)
}

const campaignCols = `id, status, communes, radius_km, recipients, COALESCE(created_by, 0), created_at, started_at, finished_at`

func scanCampaign(row interface{ Scan(...any) error }) (invite.Campaign, error) {
	var c invite.Campaign
	var communes string
	var started, finished sql.NullTime
	if err := row.Scan(&c.ID, &c.Status, &communes, &c.Criteria.RadiusKm, &c.Progress.Recipients, &c.CreatedBy, &c.CreatedAt, &started, &finished); err != nil {
		return c, err
	}
	if communes != "" {
		c.Criteria.Communes = strings.Split(communes, ",")
	}
	c.StartedAt, c.FinishedAt = started.Time, finished.Time
	return c, nil
}

// Get returns a campaign with its progress.
func (s *InvitationStore) Get(ctx context.Context, id int64) (invite.Campaign, error) {
	c, err := scanCampaign(s.db.r.QueryRowContext(ctx, "SELECT "+campaignCols+" FROM invitation_campaigns WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrCampaignNotFound
	}
	if err != nil {
		return c, fmt.Errorf("get campaign %d: %w", id, err)
	}
	if err := s.fill(ctx, &c); err != nil {
		return c, err
	}
	return c, nil
}

func (s *InvitationStore) fill(ctx context.Context, c *invite.Campaign) error {
	rows, err := s.db.r.QueryContext(ctx, "SELECT session_id FROM invitation_sessions WHERE campaign_id = $1 ORDER BY session_id", c.ID)
	if err != nil {
		return fmt.Errorf("campaign sessions: %w", err)
	}
	c.Criteria.SessionIDs = nil
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		c.Criteria.SessionIDs = append(c.Criteria.SessionIDs, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = s.db.r.QueryContext(ctx, "SELECT status, COUNT(*) FROM invitation_recipients WHERE campaign_id = $1 GROUP BY status", c.ID)
	if err != nil {
		return fmt.Errorf("campaign progress: %w", err)
	}
	defer rows.Close()
	p := invite.Progress{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return err
		}
		p.Recipients += n
		switch st {
		case invite.RecipientSent:
			p.Sent += n
		case invite.RecipientFailed:
			p.Failed += n
		case invite.RecipientSuppressed:
			p.Suppressed += n
		default:
			p.Pending += n
		}
	}
	if c.Status == invite.Cancelled {
		p.Cancelled, p.Pending = p.Pending, 0
	}
	c.Progress = p
	return rows.Err()
}

// List returns the latest campaigns, newest first.
func (s *InvitationStore) List(ctx context.Context, limit int) ([]invite.Campaign, error) {
	rows, err := s.db.r.QueryContext(ctx, "SELECT "+campaignCols+" FROM invitation_campaigns ORDER BY id DESC LIMIT $1", limit)
	if err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	var out []invite.Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if err := s.fill(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Sessions returns the sessions a campaign invites to, by start time.
func (s *InvitationStore) Sessions(ctx context.Context, id int64) ([]sessions.Session, error) {
	rows, err := s.db.r.QueryContext(ctx, "SELECT "+sessionCols+` FROM invitation_sessions i
JOIN info_sessions s ON s.id = i.session_id JOIN communes c ON c.nis_code = s.commune_nis
WHERE i.campaign_id = $1 ORDER BY s.starts_at, s.id`, id)
	if err != nil {
		return nil, fmt.Errorf("campaign sessions: %w", err)
	}
	defer rows.Close()
	var out []sessions.Session
	for rows.Next() {
		ss, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ss)
	}
	return out, rows.Err()
}

// Transition applies a staff action (send, pause, resume, cancel) as one
// conditional statement; a campaign in the wrong state is a conflict.
func (s *InvitationStore) Transition(ctx context.Context, id int64, a invite.Action, now time.Time) (invite.Campaign, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return c, err
	}
	to, err := invite.Next(c.Status, a)
	if err != nil {
		return c, err
	}
	args := []any{string(to), utc(now), id}
	var from []string
	for _, st := range invite.From(a) {
		args = append(args, string(st))
		from = append(from, fmt.Sprintf("$%d", len(args)))
	}
	set := "status = $1, updated_at = $2"
	switch to {
	case invite.Sending:
		set += ", started_at = COALESCE(started_at, $2)"
	case invite.Cancelled, invite.Done:
		set += ", finished_at = $2"
	}
	res, err := s.db.w.ExecContext(ctx, "UPDATE invitation_campaigns SET "+set+" WHERE id = $3 AND status IN ("+strings.Join(from, ", ")+")", args...)
	if err != nil {
		return c, fmt.Errorf("campaign %s: %w", a, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return c, invite.ErrTransition // someone else changed it meanwhile
	}
	return s.Get(ctx, id)
}

const recipientCols = `r.id, r.campaign_id, r.contact_id, c.email, c.first_name, c.last_name, c.shop_name,
COALESCE(m.language_area, 'fr'), r.token, r.attempts,
(c.opted_out_at IS NOT NULL OR EXISTS (SELECT 1 FROM mail_suppressions x WHERE x.email_key = c.email_key))`

const recipientFrom = ` FROM invitation_recipients r JOIN contacts c ON c.id = r.contact_id LEFT JOIN communes m ON m.nis_code = c.commune_nis`

func scanRecipient(row interface{ Scan(...any) error }) (Recipient, error) {
	var r Recipient
	err := row.Scan(&r.ID, &r.CampaignID, &r.ContactID, &r.Email, &r.FirstName, &r.LastName, &r.ShopName, &r.Lang, &r.Token, &r.Attempts, &r.Suppressed)
	return r, err
}

// Sample returns a campaign's first recipient, for the preview.
func (s *InvitationStore) Sample(ctx context.Context, id int64) (Recipient, error) {
	r, err := scanRecipient(s.db.r.QueryRowContext(ctx, "SELECT "+recipientCols+recipientFrom+" WHERE r.campaign_id = $1 ORDER BY r.id LIMIT 1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrRecipientNotFound
	}
	return r, err
}

// ByToken returns the invitation an unsubscribe token names.
func (s *InvitationStore) ByToken(ctx context.Context, token string) (Recipient, error) {
	r, err := scanRecipient(s.db.r.QueryRowContext(ctx, "SELECT "+recipientCols+recipientFrom+" WHERE r.token = $1", token))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrRecipientNotFound
	}
	if err != nil {
		return r, fmt.Errorf("recipient by token: %w", err)
	}
	return r, nil
}

// Claim takes up to limit pending recipients of sending campaigns and
// leases them until now+lease: no other sender (or instance) takes them
// meanwhile. Recipients whose lease ran out (their sender died) are pending
// again (see ReleaseExpired).
func (s *InvitationStore) Claim(ctx context.Context, limit int, lease time.Duration, now time.Time) ([]Recipient, error) {
	return s.ClaimAfter(ctx, limit, lease, now, 0)
}

// ClaimAfter is Claim looking only at recipients with an id above after: a
// sender that remembers where its last claim ended skips the rows it has
// already sent (on PostgreSQL their old index entries linger until a
// vacuum, and a scan from the start would visit them all). When it finds
// fewer than limit, the sender starts again from 0, so no pending
// recipient is left behind.
func (s *InvitationStore) ClaimAfter(ctx context.Context, limit int, lease time.Duration, now time.Time, after int64) ([]Recipient, error) {
	var out []Recipient
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, `
UPDATE invitation_recipients SET status = 'sending', locked_until = $2, attempts = attempts + 1
WHERE id IN (
  SELECT r.id FROM invitation_recipients r
  WHERE r.campaign_id IN (SELECT id FROM invitation_campaigns WHERE status = 'sending')
    AND r.status = 'pending' AND r.id > $4 AND r.send_after <= $1
  ORDER BY r.campaign_id, r.status, r.id
  LIMIT $3`+s.db.skipLocked()+`)
RETURNING id`, utc(now), utc(now.Add(lease)), limit, after)
		if err != nil {
			return err
		}
		var ids []any
		var ph []string
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
			ph = append(ph, fmt.Sprintf("$%d", len(ids)))
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		rows, err = tx.QueryContext(ctx, "SELECT "+recipientCols+recipientFrom+" WHERE r.id IN ("+strings.Join(ph, ", ")+") ORDER BY r.id", ids...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRecipient(rows)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("claim invitations: %w", err)
	}
	return out, nil
}

// setStatus moves claimed recipients to status, in groups of ids.
func (s *InvitationStore) setStatus(ctx context.Context, ids []int64, set string, now time.Time) error {
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := []any{utc(now)}
		ph := make([]string, n)
		for i, id := range ids[:n] {
			args = append(args, id)
			ph[i] = fmt.Sprintf("$%d", i+2)
		}
		if _, err := s.db.w.ExecContext(ctx, "UPDATE invitation_recipients SET "+set+" WHERE status = 'sending' AND id IN ("+strings.Join(ph, ", ")+")", args...); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// MarkSent records invitations the SMTP server accepted.
func (s *InvitationStore) MarkSent(ctx context.Context, ids []int64, now time.Time) error {
	if err := s.setStatus(ctx, ids, "status = 'sent', sent_at = $1, locked_until = NULL, last_error = ''", now); err != nil {
		return fmt.Errorf("mark invitations sent: %w", err)
	}
	return nil
}

// MarkSuppressed records claimed invitations not sent because the address
// opted out or was suppressed after the campaign was built.
func (s *InvitationStore) MarkSuppressed(ctx context.Context, ids []int64, now time.Time) error {
	if err := s.setStatus(ctx, ids, "status = 'suppressed', locked_until = NULL, last_error = ''", now); err != nil {
		return fmt.Errorf("mark invitations suppressed: %w", err)
	}
	return nil
}

// Release puts claimed but unsent invitations back (on shutdown).
func (s *InvitationStore) Release(ctx context.Context, ids []int64) error {
	if err := s.setStatus(ctx, ids, "status = 'pending', locked_until = NULL, attempts = attempts - 1, send_after = $1", time.Time{}); err != nil {
		return fmt.Errorf("release invitations: %w", err)
	}
	return nil
}

// MarkFailed records a refused invitation. A temporary failure makes it
// pending again from retryAt on; a zero retryAt gives it up. A hard bounce
// also puts the address on the suppression list, and every pending
// invitation to it in any campaign is suppressed.
func (s *InvitationStore) MarkFailed(ctx context.Context, r Recipient, reason string, retryAt time.Time, bounce bool, now time.Time) error {
	if len(reason) > 500 {
		reason = reason[:500]
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if !retryAt.IsZero() {
			_, err := tx.ExecContext(ctx, "UPDATE invitation_recipients SET status = 'pending', locked_until = NULL, last_error = $1, send_after = $2 WHERE id = $3 AND status = 'sending'", reason, utc(retryAt), r.ID)
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE invitation_recipients SET status = 'failed', locked_until = NULL, last_error = $1 WHERE id = $2 AND status = 'sending'", reason, r.ID); err != nil {
			return err
		}
		if !bounce {
			return nil
		}
		return suppress(ctx, tx, r.ID, "bounced", now)
	})
	if err != nil {
		return fmt.Errorf("mark invitation failed: %w", err)
	}
	return nil
}

// suppress puts the address of recipient id on the suppression list and
// suppresses its pending invitations.
func suppress(ctx context.Context, tx *sql.Tx, id int64, reason string, now time.Time) error {
	var key string
	if err := tx.QueryRowContext(ctx, "SELECT email_key FROM invitation_recipients WHERE id = $1", id).Scan(&key); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO mail_suppressions (email_key, reason, created_at) VALUES ($1, $2, $3) ON CONFLICT (email_key) DO NOTHING", key, reason, utc(now)); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "UPDATE invitation_recipients SET status = 'suppressed' WHERE email_key = $1 AND status = 'pending'", key)
	return err
}

// Unsubscribe honours an unsubscribe token at once: the address goes on the
// suppression list, the contact is marked opted out, and no pending
// invitation to it leaves. A second use changes nothing.
func (s *InvitationStore) Unsubscribe(ctx context.Context, token string, now time.Time) error {
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		var id, contactID int64
		err := tx.QueryRowContext(ctx, "SELECT id, contact_id FROM invitation_recipients WHERE token = $1", token).Scan(&id, &contactID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrRecipientNotFound
		}
		if err != nil {
			return err
		}
		if err := suppress(ctx, tx, id, "unsubscribed", now); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE contacts SET opted_out_at = COALESCE(opted_out_at, $1), updated_at = $1 WHERE id = $2", utc(now), contactID)
		return err
	})
	if err != nil && !errors.Is(err, ErrRecipientNotFound) {
		return fmt.Errorf("unsubscribe: %w", err)
	}
	return err
}

// Suppressed reports whether an address (by its key) is on the suppression
// list, and why.
func (s *InvitationStore) Suppressed(ctx context.Context, emailKey string) (string, bool, error) {
	var reason string
	err := s.db.r.QueryRowContext(ctx, "SELECT reason FROM mail_suppressions WHERE email_key = $1", emailKey).Scan(&reason)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return reason, err == nil, err
}

// ReleaseExpired makes pending again the invitations whose sender's lease
// ran out (it died mid-batch): at most those few are sent twice.
func (s *InvitationStore) ReleaseExpired(ctx context.Context, now time.Time) (int, error) {
	res, err := s.db.w.ExecContext(ctx, "UPDATE invitation_recipients SET status = 'pending', locked_until = NULL WHERE status = 'sending' AND locked_until < $1", utc(now))
	if err != nil {
		return 0, fmt.Errorf("release expired invitations: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// FinishDone marks done the sending campaigns with nothing left to send.
func (s *InvitationStore) FinishDone(ctx context.Context, now time.Time) (int, error) {
	res, err := s.db.w.ExecContext(ctx, `
UPDATE invitation_campaigns SET status = 'done', finished_at = $1, updated_at = $1
WHERE status = 'sending' AND NOT EXISTS (
  SELECT 1 FROM invitation_recipients r WHERE r.campaign_id = invitation_campaigns.id AND r.status IN ('pending', 'sending'))`, utc(now))
	if err != nil {
		return 0, fmt.Errorf("finish campaigns: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// SentSince counts the invitations sent since t (for the hourly cap).
func (s *InvitationStore) SentSince(ctx context.Context, t time.Time) (int, error) {
	var n int
	if err := s.db.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM invitation_recipients WHERE sent_at > $1", utc(t)).Scan(&n); err != nil {
		return 0, fmt.Errorf("invitations sent since: %w", err)
	}
	return n, nil
}
