package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"vitrine/internal/diagnostic"
	"vitrine/internal/i18n"
	"vitrine/internal/maturity"
	"vitrine/internal/sessions"
	"vitrine/internal/store"
)

// Workshop mode: each information session has a short link and a QR code
// that open the diagnostic tied to the session, and a projector page where
// the facilitator shows the room's results, anonymous, once at least
// diagnostic.MinRoomAnswers people have answered. The page refreshes its
// results every few seconds (static/workshop.js), or the whole page
// without JavaScript.

// workshopSessions lists the sessions a facilitator may run a workshop for:
// from a week ago on.
func (s *Server) workshopList(w http.ResponseWriter, r *http.Request) error {
	list, err := s.st.Sessions.List(r.Context(), store.SessionFilter{From: s.now().Add(-7 * 24 * time.Hour), Limit: 200})
	if err != nil {
		return err
	}
	p := s.page(r, "")
	p.Title = p.T("workshop.list.title")
	return s.render(w, r, "workshop_list", struct {
		Page
		Sessions []sessions.Session
	}{p, list})
}

type workshopView struct {
	Page
	Session   sessions.Session
	ShortLink string
	QR        qrCode
	Room      roomView
	LiveURL   string
}

type roomView struct {
	diagnostic.Room
	L     *i18n.Localizer
	Chart barChart
}

// sessionOf reads the session ID of the path.
func (s *Server) sessionOf(r *http.Request) (sessions.Session, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return sessions.Session{}, store.ErrSessionNotFound
	}
	return s.st.Sessions.Get(r.Context(), id)
}

func (s *Server) workshopPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ss, err := s.sessionOf(r)
	if err != nil {
		return err
	}
	code, err := s.st.Diagnostics.WorkshopCode(ctx, ss.ID, s.now())
	if err != nil {
		return err
	}
	room, err := s.room(ctx, s.localizer(r), ss.ID)
	if err != nil {
		return err
	}
	link := s.absURL("/d/" + code)
	qr, err := newQRCode(link)
	if err != nil {
		return err
	}
	p := s.page(r, ss.Title)
	p.NoIndex = true
	return s.render(w, r, "workshop", workshopView{Page: p, Session: ss, ShortLink: link, QR: qr, Room: room,
		LiveURL: "/staff/workshop/" + strconv.FormatInt(ss.ID, 10) + "/room"})
}

// workshopRoom serves the room's results alone, for the page to refresh
// them.
func (s *Server) workshopRoom(w http.ResponseWriter, r *http.Request) error {
	ss, err := s.sessionOf(r)
	if err != nil {
		return err
	}
	room, err := s.room(r.Context(), s.localizer(r), ss.ID)
	if err != nil {
		return err
	}
	return s.renderFragment(w, "workshop", "room", room)
}

// workshopQR serves the QR code as a PNG, for slides and printed posters.
func (s *Server) workshopQR(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ss, err := s.sessionOf(r)
	if err != nil {
		return err
	}
	code, err := s.st.Diagnostics.WorkshopCode(ctx, ss.ID, s.now())
	if err != nil {
		return err
	}
	b, err := qrPNG(s.absURL("/d/"+code), 512)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Write(b)
	return nil
}

// room counts a session's diagnostics and summarises them in l's language.
func (s *Server) room(ctx context.Context, l *i18n.Localizer, sessionID int64) (roomView, error) {
	t, err := s.st.Diagnostics.RoomTally(ctx, sessionID)
	if err != nil {
		return roomView{}, err
	}
	v := roomView{Room: diagnostic.NewRoom(t, maturity.Current(), l.Lang), L: l}
	if v.Shown {
		items := make([]barItem, len(v.Levels))
		for i, lc := range v.Levels {
			items[i] = barItem{Label: l.T("workshop.level_label", "Level", lc.Level, "Name", lc.Name), Value: float64(lc.Count),
				Text: l.T("workshop.level_count", "Count", lc.Count, "Pct", lc.Pct)}
		}
		v.Chart = newBarChart("levels", l.T("workshop.chart_title"), l.T("workshop.chart_desc"), items, float64(v.Answered))
	}
	return v, nil
}

// apiRoom is a room's results over the staff API.
type apiRoom struct {
	SessionID  int64             `json:"session_id"`
	Answered   int               `json:"answered"`
	Shown      bool              `json:"shown"`
	MinAnswers int               `json:"min_answers"`
	Levels     []apiLevelCount   `json:"levels,omitempty"`
	Dimensions []apiDimensionAvg `json:"dimensions,omitempty"`
	Weakest    []string          `json:"weakest,omitempty"`
}

type apiLevelCount struct {
	Level int    `json:"level"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

type apiDimensionAvg struct {
	ID      string  `json:"id"`
	Name    string  `json:"name"`
	Average float64 `json:"average"`
}

func (s *Server) apiWorkshop(w http.ResponseWriter, r *http.Request) error {
	ss, err := s.sessionOf(r)
	if err != nil {
		return err
	}
	room, err := s.room(r.Context(), s.localizer(r), ss.ID)
	if err != nil {
		return err
	}
	out := apiRoom{SessionID: ss.ID, Answered: room.Answered, Shown: room.Shown, MinAnswers: diagnostic.MinRoomAnswers}
	for _, lc := range room.Levels {
		out.Levels = append(out.Levels, apiLevelCount{Level: lc.Level, Name: lc.Name, Count: lc.Count})
	}
	for _, d := range room.Dimensions {
		out.Dimensions = append(out.Dimensions, apiDimensionAvg{ID: d.ID, Name: d.Name, Average: d.Average})
	}
	for _, d := range room.Weakest {
		out.Weakest = append(out.Weakest, d.ID)
	}
	return writeJSON(w, http.StatusOK, out)
}
