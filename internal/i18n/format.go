package i18n

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the binary carries Europe/Brussels even where the system has no zone files
)

// Brussels is the campaign's time zone: every date shown is local time there.
var Brussels = mustZone("Europe/Brussels")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

var weekdays = map[string][7]string{
	"fr": {"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
	"de": {"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"},
	"nl": {"zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"},
	"en": {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
}

var months = map[string][12]string{
	"fr": {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	"de": {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
	"nl": {"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
}

// Date formats a day in full: "mardi 17 mars 2027".
func (l *Localizer) Date(t time.Time) string {
	t = t.In(Brussels)
	wd, mo := weekdays[l.Lang][t.Weekday()], months[l.Lang][t.Month()-1]
	switch l.Lang {
	case "de":
		return fmt.Sprintf("%s, %d. %s %d", wd, t.Day(), mo, t.Year())
	case "en":
		return fmt.Sprintf("%s %d %s %d", wd, t.Day(), mo, t.Year())
	}
	return fmt.Sprintf("%s %d %s %d", wd, t.Day(), mo, t.Year())
}

// ShortDate formats a day briefly: "17 mars 2027".
func (l *Localizer) ShortDate(t time.Time) string {
	t = t.In(Brussels)
	mo := months[l.Lang][t.Month()-1]
	if l.Lang == "de" {
		return fmt.Sprintf("%d. %s %d", t.Day(), mo, t.Year())
	}
	return fmt.Sprintf("%d %s %d", t.Day(), mo, t.Year())
}

// Time formats a time of day on the 24-hour clock: "18:30" ("18 h 30" in French).
func (l *Localizer) Time(t time.Time) string {
	t = t.In(Brussels)
	if l.Lang == "fr" {
		return fmt.Sprintf("%d h %02d", t.Hour(), t.Minute())
	}
	return t.Format("15:04")
}

// DateTime formats a day and a time: "mardi 17 mars 2027 à 18 h 30".
func (l *Localizer) DateTime(t time.Time) string {
	return l.T("common.date_at_time", "Date", l.Date(t), "Time", l.Time(t))
}

// Number formats an integer with the language's thousands separator.
func (l *Localizer) Number(n int64) string {
	sep := "\u202f" // narrow no-break space, French and German style in Belgium
	switch l.Lang {
	case "nl", "de":
		sep = "."
	case "en":
		sep = ","
	}
	s := strconv.FormatInt(abs(n), 10)
	var b strings.Builder
	if n < 0 {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Money formats cents as euros: "1 234,50 €" (fr), "€1,234.50" (en).
func (l *Localizer) Money(cents int64) string {
	whole := l.Number(cents / 100)
	if cents < 0 && cents/100 == 0 {
		whole = "-0"
	}
	frac := abs(cents % 100)
	switch l.Lang {
	case "en":
		return fmt.Sprintf("€%s.%02d", whole, frac)
	case "nl":
		return fmt.Sprintf("€ %s,%02d", whole, frac)
	}
	return fmt.Sprintf("%s,%02d\u00a0€", whole, frac)
}

// Decimal formats a score with one decimal at most, the local way:
// "24,3" (fr, de, nl), "24.3" (en), and "30" rather than "30,0".
func (l *Localizer) Decimal(f float64) string {
	s := strconv.FormatFloat(f, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		s = "0"
	}
	if l.Lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Km formats a distance: "12 km", "3,4 km".
func (l *Localizer) Km(km float64) string {
	if km >= 10 {
		return fmt.Sprintf("%s\u00a0km", l.Number(int64(km+0.5)))
	}
	s := strconv.FormatFloat(km, 'f', 1, 64)
	if l.Lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + "\u00a0km"
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
