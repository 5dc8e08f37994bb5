package web

import (
	"bytes"
	"fmt"
	"net/http"
	"time"

	ics "github.com/arran4/golang-ical"
	qrcode "github.com/skip2/go-qrcode"

	"vitrine/internal/i18n"
	"vitrine/internal/sessions"
)

// The calendar file and the QR code of a registration.

const icsLocal = "20060102T150405"

// calendar builds the iCalendar file of a session for one registration: times
// in Europe/Brussels (with its VTIMEZONE), a UID stable across downloads.
func (s *Server) calendar(l *i18n.Localizer, reg sessions.Registration, ss sessions.Session, now time.Time) string {
	cal := ics.NewCalendar()
	cal.SetMethod(ics.MethodPublish)
	cal.SetProductId("-//Vitrine//Commerce connecte//FR")
	tz := cal.AddTimezone("Europe/Brussels")
	std := tz.AddStandard()
	std.SetProperty(ics.ComponentProperty(ics.PropertyTzname), "CET")
	std.SetProperty(ics.ComponentPropertyDtStart, "19701025T030000")
	std.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), "+0200")
	std.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), "+0100")
	std.SetProperty(ics.ComponentPropertyRrule, "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU")
	dl := &ics.Daylight{ComponentBase: ics.NewComponent("")}
	dl.Properties = nil
	dl.SetProperty(ics.ComponentProperty(ics.PropertyTzname), "CEST")
	dl.SetProperty(ics.ComponentPropertyDtStart, "19700329T020000")
	dl.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), "+0100")
	dl.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), "+0200")
	dl.SetProperty(ics.ComponentPropertyRrule, "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU")
	tz.Components = append(tz.Components, dl)

	ev := cal.AddEvent(fmt.Sprintf("registration-%d@%s", reg.ID, hostOf(s.cfg.BaseURL)))
	ev.SetDtStampTime(now)
	ev.SetProperty(ics.ComponentPropertyDtStart, ss.StartsAt.In(i18n.Brussels).Format(icsLocal), ics.WithTZID("Europe/Brussels"))
	ev.SetProperty(ics.ComponentPropertyDtEnd, ss.EndsAt.In(i18n.Brussels).Format(icsLocal), ics.WithTZID("Europe/Brussels"))
	ev.SetSummary(ss.Title)
	loc := ss.Venue
	if ss.Address != "" {
		loc += ", " + ss.Address
	}
	ev.SetLocation(loc)
	ev.SetDescription(l.T("ics.description", "URL", s.manageURL(reg)))
	ev.SetURL(s.manageURL(reg))
	ev.SetGeo(ss.Latitude, ss.Longitude)
	if reg.Status == sessions.Confirmed {
		ev.SetStatus(ics.ObjectStatusConfirmed)
	} else {
		ev.SetStatus(ics.ObjectStatusTentative)
	}
	return cal.Serialize()
}

func hostOf(base string) string {
	u := base
	if i := bytes.Index([]byte(u), []byte("://")); i >= 0 {
		u = u[i+3:]
	}
	for i, c := range u {
		if c == ':' || c == '/' {
			return u[:i]
		}
	}
	if u == "" {
		return "vitrine.invalid"
	}
	return u
}

func (s *Server) calendarICS(w http.ResponseWriter, r *http.Request) error {
	reg, err := s.st.Registrations.ByToken(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	if !reg.Active() {
		return errGoneRegistration
	}
	ss, err := s.st.Sessions.Get(r.Context(), reg.SessionID)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="atelier-vitrine.ics"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	_, err = w.Write([]byte(s.calendar(s.localizer(r), reg, ss, s.now())))
	return err
}

// checkinURL is the staff address in a registration's QR code.
func (s *Server) checkinURL(reg sessions.Registration) string {
	return s.absURL("/staff/check-in/" + reg.CheckinCode)
}

func (s *Server) qrPNG(w http.ResponseWriter, r *http.Request) error {
	reg, err := s.st.Registrations.ByToken(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	if reg.Status != sessions.Confirmed {
		return errGoneRegistration
	}
	png, err := qrcode.Encode(s.checkinURL(reg), qrcode.Medium, 256)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, max-age=86400")
	w.Header().Set("Referrer-Policy", "no-referrer")
	_, err = w.Write(png)
	return err
}
