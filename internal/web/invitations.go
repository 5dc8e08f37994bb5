package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/commune"
	"vitrine/internal/invite"
	"vitrine/internal/mail"
	"vitrine/internal/sessions"
	"vitrine/internal/store"
)

// Invitation campaigns (issue 6): a partner chooses sessions and contacts
// (by commune or within a radius of the venue), sees how many will be
// invited and one personalised mail, sends, and follows the progress; the
// sender (jobs.Inviter) paces the mails. Each mail's unsubscribe link leads
// to /u/{token}, which also takes the one-click POST of mail clients.

// CampaignStatus is a campaign's status in the page's language.
func (p Page) CampaignStatus(st invite.Status) string { return p.T("invitations.status." + string(st)) }

type invitationForm struct {
	SessionIDs map[int64]bool
	Communes   map[string]bool
	Radius     string
}

type invitationsView struct {
	Page
	Campaigns []invite.Campaign
	Sessions  []sessions.Session
	Communes  []commune.Commune
	Form      invitationForm
	Errors    map[string]string
}

func (s *Server) invitationsView(r *http.Request, f invitationForm) (invitationsView, error) {
	v := invitationsView{Page: s.page(r, ""), Form: f}
	v.Title = v.T("invitations.title")
	var err error
	if v.Campaigns, err = s.st.Invitations.List(r.Context(), 50); err != nil {
		return v, err
	}
	if v.Sessions, err = s.st.Sessions.List(r.Context(), store.SessionFilter{From: s.now(), WithStatus: sessions.Scheduled}); err != nil {
		return v, err
	}
	if v.Communes, err = s.st.Communes.List(r.Context()); err != nil {
		return v, err
	}
	return v, nil
}

func (s *Server) invitationsPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.invitationsView(r, invitationForm{})
	if err != nil {
		return err
	}
	return s.render(w, r, "staff_invitations", v)
}

// criteriaFromForm reads the form; a radius that is not a number is a
// field error.
func criteriaFromForm(r *http.Request) (invite.Criteria, invitationForm, error) {
	r.ParseForm()
	f := invitationForm{SessionIDs: map[int64]bool{}, Communes: map[string]bool{}, Radius: strings.TrimSpace(r.PostForm.Get("radius_km"))}
	var c invite.Criteria
	for _, v := range r.PostForm["session_ids"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			c.SessionIDs = append(c.SessionIDs, id)
			f.SessionIDs[id] = true
		}
	}
	for _, n := range r.PostForm["communes"] {
		c.Communes = append(c.Communes, n)
		f.Communes[n] = true
	}
	if f.Radius != "" {
		km, err := strconv.ParseFloat(strings.Replace(f.Radius, ",", ".", 1), 64)
		if err != nil || km <= 0 {
			var v apperr.Validation
			v.Add("radius_km", "error.invitation.radius", map[string]any{"Max": invite.MaxRadiusKm})
			return c, f, v.Err()
		}
		c.RadiusKm = km
	}
	return c, f, nil
}

// invitationsCreate builds a draft campaign and shows its preview.
func (s *Server) invitationsCreate(w http.ResponseWriter, r *http.Request) error {
	c, f, err := criteriaFromForm(r)
	var camp invite.Campaign
	if err == nil {
		camp, err = s.st.Invitations.Create(r.Context(), c, actor(r), s.now())
	}
	if err != nil {
		errs, ok := fieldErrors(s.localizer(r), err)
		if !ok {
			return err
		}
		v, verr := s.invitationsView(r, f)
		if verr != nil {
			return verr
		}
		v.Errors = errs
		return s.renderStatus(w, r, http.StatusUnprocessableEntity, "staff_invitations", v)
	}
	http.Redirect(w, r, "/staff/invitations/"+strconv.FormatInt(camp.ID, 10), http.StatusSeeOther)
	return nil
}

type campaignView struct {
	Page
	Campaign     invite.Campaign
	Sessions     []sessions.Session
	CommuneNames string
	Sample       *mail.Message
	Refresh      bool
	MailOff      bool // no SMTP server: the campaign waits
}

func (s *Server) invitationPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return store.ErrCampaignNotFound
	}
	c, err := s.st.Invitations.Get(r.Context(), id)
	if err != nil {
		return err
	}
	v := campaignView{Page: s.page(r, ""), Campaign: c, Refresh: c.Status == invite.Sending && !s.cfg.MailOff,
		MailOff: s.cfg.MailOff && c.Progress.Pending > 0}
	v.Title = v.T("invitations.campaign_title", "ID", c.ID)
	if v.Sessions, err = s.st.Invitations.Sessions(r.Context(), id); err != nil {
		return err
	}
	if len(c.Criteria.Communes) > 0 {
		dir, err := s.st.Communes.Directory(r.Context())
		if err != nil {
			return err
		}
		var names []string
		for _, nis := range c.Criteria.Communes {
			if cm, ok := dir.ByNIS(nis); ok {
				names = append(names, cm.LocalName(v.Lang))
			}
		}
		v.CommuneNames = v.L.Join(names)
	}
	if c.Status == invite.Draft && c.Progress.Recipients > 0 {
		rc, err := s.st.Invitations.Sample(r.Context(), id)
		if err != nil {
			return err
		}
		m, err := s.mailer.Composer.Invitation(invitee(rc), v.Sessions)
		if err != nil {
			return err
		}
		v.Sample = &m
	}
	return s.render(w, r, "staff_invitation", v)
}

func invitee(r store.Recipient) mail.Invitee {
	return mail.Invitee{Email: r.Email, FirstName: r.FirstName, ShopName: r.ShopName, Lang: r.Lang, Token: r.Token}
}

var campaignActions = map[string]invite.Action{
	"send": invite.Send, "pause": invite.Pause, "resume": invite.Resume, "cancel": invite.Cancel,
}

// invitationAction sends, pauses, resumes or cancels a campaign. A second
// click on "send" finds the campaign already sending: it is shown as it is.
func (s *Server) invitationAction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return store.ErrCampaignNotFound
	}
	a, ok := campaignActions[r.PathValue("action")]
	if !ok {
		return errNotFound
	}
	if _, err := s.transition(r, id, a); err != nil && apperr.KindOf(err) != apperr.Conflict {
		return err
	}
	http.Redirect(w, r, "/staff/invitations/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) transition(r *http.Request, id int64, a invite.Action) (invite.Campaign, error) {
	c, err := s.st.Invitations.Transition(r.Context(), id, a, s.now())
	if err == nil && c.Status == invite.Sending && s.mailer.KickInvitations != nil {
		s.mailer.KickInvitations()
	}
	return c, err
}

// apiInvitation is a campaign in the API.
type apiInvitation struct {
	ID         int64     `json:"id"`
	Status     string    `json:"status"`
	SessionIDs []int64   `json:"session_ids"`
	Communes   []string  `json:"communes,omitempty"`
	RadiusKm   float64   `json:"radius_km,omitempty"`
	Recipients int       `json:"recipients"`
	Sent       int       `json:"sent"`
	Failed     int       `json:"failed"`
	Pending    int       `json:"pending"`
	Suppressed int       `json:"suppressed"`
	Cancelled  int       `json:"cancelled"`
	CreatedAt  time.Time `json:"created_at"`
}

func toAPIInvitation(c invite.Campaign) apiInvitation {
	return apiInvitation{ID: c.ID, Status: string(c.Status), SessionIDs: c.Criteria.SessionIDs, Communes: c.Criteria.Communes,
		RadiusKm: c.Criteria.RadiusKm, Recipients: c.Progress.Recipients, Sent: c.Progress.Sent, Failed: c.Progress.Failed,
		Pending: c.Progress.Pending, Suppressed: c.Progress.Suppressed, Cancelled: c.Progress.Cancelled, CreatedAt: c.CreatedAt}
}

// apiInvitationCreate builds a campaign and starts sending it at once.
func (s *Server) apiInvitationCreate(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		SessionIDs []int64  `json:"session_ids"`
		Communes   []string `json:"communes"`
		RadiusKm   float64  `json:"radius_km"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.st.Invitations.Create(r.Context(), invite.Criteria{SessionIDs: in.SessionIDs, Communes: in.Communes, RadiusKm: in.RadiusKm}, actor(r), s.now())
	if err != nil {
		return err
	}
	if c, err = s.transition(r, c.ID, invite.Send); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toAPIInvitation(c))
}

func (s *Server) apiInvitation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return store.ErrCampaignNotFound
	}
	c, err := s.st.Invitations.Get(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toAPIInvitation(c))
}

func (s *Server) apiInvitationAction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return store.ErrCampaignNotFound
	}
	a, ok := campaignActions[r.PathValue("action")]
	if !ok || a == invite.Send {
		return errNotFound
	}
	c, err := s.transition(r, id, a)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toAPIInvitation(c))
}

type unsubscribeView struct {
	Page
	Token string
	Email string
	Done  bool
}

// unsubscribePage asks for a confirmation (a link scanner that follows GET
// links unsubscribes nobody).
func (s *Server) unsubscribePage(w http.ResponseWriter, r *http.Request) error {
	return s.unsubscribe(w, r, false)
}

// unsubscribePost unsubscribes at once: the confirmation button, or a mail
// client's one-click POST (RFC 8058), which comes from no page of ours and
// so is exempt from the cross-origin check.
func (s *Server) unsubscribePost(w http.ResponseWriter, r *http.Request) error {
	return s.unsubscribe(w, r, true)
}

func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request, do bool) error {
	token, ok := invite.ParseToken(r.PathValue("token"))
	if !ok {
		return store.ErrRecipientNotFound
	}
	rc, err := s.st.Invitations.ByToken(r.Context(), token)
	if err != nil {
		return err
	}
	if do {
		if err := s.st.Invitations.Unsubscribe(r.Context(), token, s.now()); err != nil {
			return err
		}
	}
	v := unsubscribeView{Page: s.page(r, ""), Token: token, Email: rc.Email, Done: do}
	v.NoIndex = true
	v.Title = v.T("unsubscribe.title")
	return s.render(w, r, "unsubscribe", v)
}
