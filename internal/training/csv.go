package training

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"vitrine/internal/apperr"
	"vitrine/internal/csvin"
	"vitrine/internal/funding"
)

// CatalogueColumns are the columns of a provider's trainings file, with the
// names they may carry (English or French; case, accents and spaces do not
// matter). One file describes one provider's modules and/or sessions:
//
//   - a row with a title describes a module (module, title, description,
//     skills, format, hours, level_min, level_max, voucher_eligible, price);
//   - a row with a date adds a day to a session of a module (module,
//     session, date, start, end, site, capacity). Rows with the same module
//     and session code are the days of one session; without a session code
//     each row is a session of one day.
//
// A row may do both. The module of a session may be described in the same
// file or exist already.
var CatalogueColumns = map[string][]string{
	"provider":         {"organisme", "operateur", "prestataire"},
	"module":           {"module_code", "code_module", "code", "reference"},
	"title":            {"titre", "intitule"},
	"description":      nil,
	"skills":           {"competences"},
	"format":           {"modalite"},
	"hours":            {"heures", "duree"},
	"level_min":        {"niveau_min"},
	"level_max":        {"niveau_max"},
	"voucher_eligible": {"cheques_formation", "cheque_formation", "vouchers"},
	"price":            {"prix", "price_eur", "prix_eur"},
	"session":          {"session_code", "code_session"},
	"date":             {"jour"},
	"start":            {"debut", "heure_debut", "start_time"},
	"end":              {"fin", "heure_fin", "end_time"},
	"site":             {"lieu", "site_code"},
	"capacity":         {"capacite", "places"},
}

// ModuleRow is a module described by a file.
type ModuleRow struct {
	Line   int
	Module Module
}

// SessionRow is a session described by one or more rows of a file.
type SessionRow struct {
	Line       int // the first row
	ModuleCode string
	Code       string
	SiteSlug   string // "" online
	Capacity   int
	Days       []Day
}

// Catalogue is what a trainings file holds, checked line by line. What
// needs the database (the provider, its sites, existing modules, sessions
// as long as their module) is checked when it is stored.
type Catalogue struct {
	ProviderSlug string
	Modules      []ModuleRow
	Sessions     []SessionRow
}

// MaxCatalogueRows bounds a file.
const MaxCatalogueRows = 5000

// ParseCatalogue reads a provider's trainings file. provider is the slug
// given on the command line ("" when the file names it in a provider
// column). Lines that cannot be used come back with their reason; an error
// means the file as a whole cannot be read.
func ParseCatalogue(data []byte, provider string, loc *time.Location) (Catalogue, []csvin.LineError, error) {
	rd, err := csvin.NewReader(data, CatalogueColumns)
	if err != nil {
		return Catalogue{}, nil, err
	}
	if miss := rd.Missing("module"); len(miss) > 0 {
		return Catalogue{}, nil, fmt.Errorf("the file has no %q column", "module")
	}
	if !rd.Has("title") && !rd.Has("date") {
		return Catalogue{}, nil, errors.New(`the file has neither a "title" column (modules) nor a "date" column (sessions)`)
	}
	if provider == "" && !rd.Has("provider") {
		return Catalogue{}, nil, errors.New(`name the provider with --provider SLUG or a "provider" column`)
	}
	c := Catalogue{ProviderSlug: provider}
	var bad []csvin.LineError
	fail := func(line int, field, key string, args map[string]any) {
		bad = append(bad, csvin.LineError{Line: line, Field: field, Key: key, Args: args})
	}
	modules := map[string]int{}  // code → index in c.Modules
	sessions := map[string]int{} // module/code → index in c.Sessions
	providerLine := 0
	rows := 0
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			line := 0
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			fail(line, "", "import.line.malformed", nil)
			if line == 0 {
				break // the reader cannot go on
			}
			continue
		}
		if rec.Blank() {
			continue
		}
		if rows++; rows > MaxCatalogueRows {
			fail(rec.Line, "", "training.import.too_many_rows", map[string]any{"Max": MaxCatalogueRows})
			break
		}
		if p := strings.ToLower(rec.Get("provider")); p != "" {
			switch {
			case c.ProviderSlug == "":
				c.ProviderSlug, providerLine = p, rec.Line
			case p != c.ProviderSlug:
				first := "--provider"
				if providerLine > 0 {
					first = strconv.Itoa(providerLine)
				}
				fail(rec.Line, "provider", "training.import.other_provider", map[string]any{"Value": p, "First": first})
				continue
			}
		} else if c.ProviderSlug == "" {
			fail(rec.Line, "provider", "import.line.required", nil)
			continue
		}
		code := strings.ToLower(rec.Get("module"))
		if code == "" {
			fail(rec.Line, "module", "import.line.required", nil)
			continue
		}
		if !validCode(code) {
			fail(rec.Line, "module", "training.import.code_invalid", map[string]any{"Value": code})
			continue
		}
		title, date := rec.Get("title"), rec.Get("date")
		if title == "" && date == "" {
			fail(rec.Line, "", "training.import.empty_row", nil)
			continue
		}
		if title != "" {
			m, lerr := moduleFrom(rec, code)
			if lerr != nil {
				bad = append(bad, *lerr)
				continue
			}
			if i, dup := modules[code]; dup {
				if !c.Modules[i].Module.SameAs(m) {
					fail(rec.Line, "module", "training.import.module_differs", map[string]any{"Value": code, "First": c.Modules[i].Line})
					continue
				}
			} else {
				modules[code] = len(c.Modules)
				c.Modules = append(c.Modules, ModuleRow{Line: rec.Line, Module: m})
			}
		}
		if date == "" {
			continue
		}
		day, lerr := dayFrom(rec, loc)
		if lerr != nil {
			bad = append(bad, *lerr)
			continue
		}
		site := strings.ToLower(rec.Get("site"))
		switch csvin.FoldHeader(site) {
		case "online", "enligne", "distanciel", "web", "":
			site = ""
		}
		capText := rec.Get("capacity")
		capacity := 0
		if capText != "" {
			n, err := strconv.Atoi(capText)
			if err != nil || n < 1 || n > MaxCapacity {
				fail(rec.Line, "capacity", "training.import.capacity_invalid", map[string]any{"Value": capText, "Max": MaxCapacity})
				continue
			}
			capacity = n
		}
		scode := strings.ToLower(rec.Get("session"))
		if scode != "" && !validCode(scode) {
			fail(rec.Line, "session", "training.import.code_invalid", map[string]any{"Value": scode})
			continue
		}
		if scode == "" {
			scode = day.Start.In(loc).Format("2006-01-02t15-04")
		}
		key := code + "/" + scode
		i, seen := sessions[key]
		if !seen {
			if capacity == 0 {
				fail(rec.Line, "capacity", "import.line.required", nil)
				continue
			}
			sessions[key] = len(c.Sessions)
			c.Sessions = append(c.Sessions, SessionRow{Line: rec.Line, ModuleCode: code, Code: scode, SiteSlug: site, Capacity: capacity, Days: []Day{day}})
			continue
		}
		s := &c.Sessions[i]
		switch {
		case site != s.SiteSlug:
			fail(rec.Line, "site", "training.import.session_differs", map[string]any{"Value": scode, "First": s.Line})
		case capacity != 0 && capacity != s.Capacity:
			fail(rec.Line, "capacity", "training.import.session_differs", map[string]any{"Value": scode, "First": s.Line})
		default:
			s.Days = append(s.Days, day)
		}
	}
	for i := range c.Sessions {
		days := c.Sessions[i].Days
		sort.SliceStable(days, func(a, b int) bool { return days[a].Start.Before(days[b].Start) })
	}
	return c, bad, nil
}

// validCode accepts the provider's references: lower-case letters, digits
// and single hyphens, as skill IDs.
func validCode(s string) bool {
	if s == "" || len(s) > MaxCode || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func moduleFrom(rec csvin.Record, code string) (Module, *csvin.LineError) {
	fail := func(field, key, value string) (Module, *csvin.LineError) {
		return Module{}, &csvin.LineError{Line: rec.Line, Field: field, Key: key, Args: map[string]any{"Value": value}}
	}
	m := Module{Code: code, Title: rec.Get("title"), Description: rec.Get("description"),
		LevelMin: MinLevel, LevelMax: MaxLevel, Format: InPerson}
	m.Skills = strings.FieldsFunc(rec.Get("skills"), func(r rune) bool { return r == ';' || r == ',' || r == '|' || r == ' ' })
	switch f := csvin.FoldHeader(rec.Get("format")); f {
	case "", "inperson", "presentiel", "surplace":
	case "online", "enligne", "distanciel":
		m.Format = Online
	default:
		return fail("format", "training.import.format_invalid", rec.Get("format"))
	}
	mins, ok := ParseHours(rec.Get("hours"))
	if !ok {
		return fail("hours", "training.import.hours_invalid", rec.Get("hours"))
	}
	m.Minutes = mins
	for _, l := range []struct {
		col string
		to  *int
	}{{"level_min", &m.LevelMin}, {"level_max", &m.LevelMax}} {
		if v := rec.Get(l.col); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fail(l.col, "import.line.number_invalid", v)
			}
			*l.to = n
		}
	}
	switch strings.ToLower(rec.Get("voucher_eligible")) {
	case "1", "true", "yes", "oui", "ja":
		m.VoucherEligible = true
	case "", "0", "false", "no", "non", "nee", "nein":
	default:
		return fail("voucher_eligible", "import.line.flag_invalid", rec.Get("voucher_eligible"))
	}
	if p := rec.Get("price"); p != "" {
		c, err := funding.ParseCents(p)
		if err != nil {
			return fail("price", "training.import.price_invalid", p)
		}
		m.Price = c
	}
	m.Normalize()
	if err := m.Validate(); err != nil {
		if e, ok := apperr.As(err); ok && len(e.Fields) > 0 {
			f := e.Fields[0]
			return Module{}, &csvin.LineError{Line: rec.Line, Field: f.Field, Key: f.Key, Args: f.Args}
		}
		return Module{}, &csvin.LineError{Line: rec.Line, Key: "import.line.malformed"}
	}
	return m, nil
}

// dayFrom reads the date, start and end of a row as local times of loc.
func dayFrom(rec csvin.Record, loc *time.Location) (Day, *csvin.LineError) {
	fail := func(field, key, value string) (Day, *csvin.LineError) {
		return Day{}, &csvin.LineError{Line: rec.Line, Field: field, Key: key, Args: map[string]any{"Value": value}}
	}
	y, mo, d, ok := ParseDate(rec.Get("date"))
	if !ok {
		return fail("date", "training.import.date_invalid", rec.Get("date"))
	}
	sh, sm, ok := ParseClock(rec.Get("start"))
	if !ok {
		return fail("start", "training.import.time_invalid", rec.Get("start"))
	}
	eh, em, ok := ParseClock(rec.Get("end"))
	if !ok {
		return fail("end", "training.import.time_invalid", rec.Get("end"))
	}
	day := Day{Start: time.Date(y, time.Month(mo), d, sh, sm, 0, 0, loc), End: time.Date(y, time.Month(mo), d, eh, em, 0, 0, loc)}
	if !day.End.After(day.Start) || day.End.Sub(day.Start) > MaxDayLen {
		return fail("end", "training.session.day_invalid", rec.Get("end"))
	}
	return day, nil
}

// ParseDate reads 2027-04-12, 12/04/2027, 12-04-2027 or 12.04.2027.
func ParseDate(s string) (year, month, day int, ok bool) {
	s = strings.TrimSpace(s)
	var parts []string
	for _, sep := range []string{"-", "/", "."} {
		if p := strings.Split(s, sep); len(p) == 3 {
			parts = p
			break
		}
	}
	if parts == nil {
		return 0, 0, 0, false
	}
	if len(parts[0]) != 4 { // day first
		parts[0], parts[2] = parts[2], parts[0]
	}
	if len(parts[0]) != 4 || len(parts[1]) < 1 || len(parts[1]) > 2 || len(parts[2]) < 1 || len(parts[2]) > 2 {
		return 0, 0, 0, false
	}
	y, ok1 := digits(parts[0])
	m, ok2 := digits(parts[1])
	d, ok3 := digits(parts[2])
	if !ok1 || !ok2 || !ok3 || y < 2000 || y > 2100 || m < 1 || m > 12 || d < 1 {
		return 0, 0, 0, false
	}
	if t := time.Date(y, time.Month(m), d, 12, 0, 0, 0, time.UTC); t.Day() != d {
		return 0, 0, 0, false // 31 April
	}
	return y, m, d, true
}

// ParseClock reads a time of day: 9:00, 09:30, 9h, 9h30, 9 h 30.
func ParseClock(s string) (hour, minute int, ok bool) {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	h, m, found := strings.Cut(s, ":")
	if !found {
		h, m, found = strings.Cut(s, "h")
	}
	if !found {
		return 0, 0, false
	}
	hh, ok1 := digits(h)
	mm := 0
	ok2 := true
	if m != "" || !strings.Contains(s, "h") {
		mm, ok2 = digits(m)
		ok2 = ok2 && len(m) == 2
	}
	if !ok1 || !ok2 || len(h) > 2 || hh > 23 || mm > 59 {
		return 0, 0, false
	}
	return hh, mm, true
}
