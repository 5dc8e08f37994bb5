package outreach

import (
	"slices"
	"strings"
	"testing"
	"time"

	"vitrine/internal/apperr"
)

// fieldOf returns the first field an error names, "" for none.
func fieldOf(err error) string {
	e, ok := apperr.As(err)
	if !ok || len(e.Fields) == 0 {
		return ""
	}
	return e.Fields[0].Field
}

func TestParseStage(t *testing.T) {
	tests := []struct {
		in   string
		want Stage
		ok   bool
	}{
		{"not_contacted", NotContacted, true},
		{"session_planned", SessionPlanned, true},
		{" met ", Met, true},
		{"declined", Declined, true},
		{"", "", false},
		{"Met", "", false},
		{"signed", "", false},
		{"session planned", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseStage(tt.in)
			if tt.ok != (err == nil) || got != tt.want {
				t.Fatalf("ParseStage(%q) = %q, %v", tt.in, got, err)
			}
			if !tt.ok && (apperr.KindOf(err) != apperr.Invalid || fieldOf(err) != "stage") {
				t.Errorf("error %v: want an invalid stage field", err)
			}
		})
	}
	if len(Stages) != 9 || Stages[0] != NotContacted || Stages[8] != Declined {
		t.Errorf("stages = %v", Stages)
	}
}

func TestAtLeastContacted(t *testing.T) {
	tests := map[Stage]Stage{
		NotContacted:   Contacted,
		LetterSent:     Contacted,
		Contacted:      Contacted,
		MeetingPlanned: MeetingPlanned,
		Interested:     Interested,
		SessionHeld:    SessionHeld,
		Declined:       Contacted,
	}
	for in, want := range tests {
		if got := in.AtLeastContacted(); got != want {
			t.Errorf("%s.AtLeastContacted() = %s, want %s", in, got, want)
		}
	}
}

func TestNormalizeTags(t *testing.T) {
	tests := []struct {
		name  string
		in    []string
		want  []string
		field string
	}{
		{"known tags", []string{"tourism", "parking"}, []string{"tourism", "parking"}, ""},
		{"typed words", []string{"Centre-ville  vide", " Retail parks "}, []string{"centre-ville-vide", "retail-parks"}, ""},
		{"commas in one field", []string{"tourisme, marché ; étudiants"}, []string{"tourisme", "marché", "étudiants"}, ""},
		{"repeats dropped", []string{"tourism", "Tourism", "TOURISM"}, []string{"tourism"}, ""},
		{"punctuation dropped", []string{"parking!!", "l’Escaut"}, []string{"parking", "l-escaut"}, ""},
		{"empty ones dropped", []string{"", " , ;", "--"}, nil, ""},
		{"too long", []string{strings.Repeat("a", MaxTag+1)}, nil, "issues"},
		{"too many", strings.Split("a,b,c,d,e,f,g,h,i,j,k,l,m", ","), nil, "issues"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizeTags(tt.in)
			if tt.field != "" {
				if fieldOf(err) != tt.field {
					t.Fatalf("NormalizeTags(%q) = %v, %v; want an error on %s", tt.in, got, err, tt.field)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("NormalizeTags(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestChangeValidate(t *testing.T) {
	stage := func(s string) *Stage { st := Stage(s); return &st }
	str := func(s string) *string { return &s }
	day := time.Date(2027, 1, 15, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		c     Change
		field string
	}{
		{"stage", Change{Stage: stage("met")}, ""},
		{"unknown stage", Change{Stage: stage("signed")}, "stage"},
		{"next action", Change{NextActionAt: &day, NextAction: str("Call the alderman")}, ""},
		{"clear the next action", Change{NextActionAt: &time.Time{}}, ""},
		{"absurd date", Change{NextActionAt: new(time.Date(3027, 1, 1, 0, 0, 0, 0, time.UTC))}, "next_action_at"},
		{"long next action", Change{NextAction: str(strings.Repeat("x", MaxNextAction+1))}, "next_action"},
		{"long note", Change{Note: strings.Repeat("x", MaxNote+1)}, "note"},
		{"long notes", Change{Notes: str(strings.Repeat("x", MaxNotes+1))}, "notes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.c.Normalize(); err != nil {
				t.Fatal(err)
			}
			err := tt.c.Validate()
			if tt.field == "" && err != nil || tt.field != "" && fieldOf(err) != tt.field {
				t.Errorf("Validate() = %v, want field %q", err, tt.field)
			}
		})
	}
	if !(Change{}).Empty() || (Change{Note: "x"}).Empty() || (Change{SetIssues: true}).Empty() {
		t.Error("Empty() is wrong")
	}
	c := Change{SetIssues: true}
	if err := c.Normalize(); err != nil || c.Issues == nil || len(c.Issues) != 0 {
		t.Errorf("clearing the tags: %v %v", c.Issues, err)
	}
}

func TestParseDate(t *testing.T) {
	brussels, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"", time.Time{}, true},
		{"2027-01-15", time.Date(2027, 1, 15, 9, 0, 0, 0, brussels), true},
		{"2027-07-01", time.Date(2027, 7, 1, 9, 0, 0, 0, brussels), true},
		{"2027-01-15T14:30:00+01:00", time.Date(2027, 1, 15, 13, 30, 0, 0, time.UTC), true},
		{"15/01/2027", time.Time{}, false},
		{"tomorrow", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in, brussels)
		if tt.ok != (err == nil) || !got.Equal(tt.want) {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if !tt.ok && fieldOf(err) != "next_action_at" {
			t.Errorf("ParseDate(%q): error %v names no field", tt.in, err)
		}
	}
}

func TestDueBy(t *testing.T) {
	end := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		at   time.Time
		want bool
	}{
		{time.Time{}, false},
		{end.Add(-time.Hour), true},
		{end.AddDate(0, 0, -30), true},
		{end, false},
		{end.Add(time.Hour), false},
	}
	for _, tt := range tests {
		if got := (Outreach{NextActionAt: tt.at}).DueBy(end); got != tt.want {
			t.Errorf("DueBy with next action %v = %v", tt.at, got)
		}
	}
}

func TestCommuneContactAndRequest(t *testing.T) {
	contacts := []struct {
		name  string
		c     CommuneContact
		field string
	}{
		{"full", CommuneContact{Name: " Anne  Dupont ", Role: AldermanCommerce, Email: "anne@Chatelet.BE", Phone: "071 24 32 11"}, ""},
		{"name only", CommuneContact{Name: "ADL de Thuin", Role: LocalDevelopmentAgency}, ""},
		{"no name", CommuneContact{Name: " ", Role: OtherRole}, "name"},
		{"unknown role", CommuneContact{Name: "Anne", Role: "mayor"}, "role"},
		{"bad email", CommuneContact{Name: "Anne", Role: OtherRole, Email: "anne@"}, "email"},
		{"bad phone", CommuneContact{Name: "Anne", Role: OtherRole, Phone: "call me"}, "phone"},
	}
	for _, tt := range contacts {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.Normalize()
			err := tt.c.Validate()
			if tt.field == "" && err != nil || tt.field != "" && fieldOf(err) != tt.field {
				t.Errorf("Validate() = %v, want field %q", err, tt.field)
			}
		})
	}
	c := CommuneContact{Name: " Anne ", Email: "anne@Chatelet.BE", Phone: "071 24 32 11"}
	c.Normalize()
	if c.Name != "Anne" || c.Email != "anne@chatelet.be" || c.Phone != "+3271243211" {
		t.Errorf("normalized %+v", c)
	}

	requests := []struct {
		name  string
		r     Request
		field string
	}{
		{"good", Request{NIS: "56078", Name: "Marie Lambert", Role: AldermanCommerce, Email: "m.lambert@thuin.be", Message: "Nous voulons participer."}, ""},
		{"no commune", Request{Name: "Marie", Role: OtherRole, Email: "m@thuin.be"}, "commune_nis"},
		{"no name", Request{NIS: "56078", Role: OtherRole, Email: "m@thuin.be"}, "name"},
		{"no role", Request{NIS: "56078", Name: "Marie", Email: "m@thuin.be"}, "role"},
		{"no email", Request{NIS: "56078", Name: "Marie", Role: OtherRole}, "email"},
		{"bad email", Request{NIS: "56078", Name: "Marie", Role: OtherRole, Email: "thuin.be"}, "email"},
		{"long message", Request{NIS: "56078", Name: "Marie", Role: OtherRole, Email: "m@thuin.be", Message: strings.Repeat("x", MaxMessage+1)}, "message"},
	}
	for _, tt := range requests {
		t.Run(tt.name, func(t *testing.T) {
			tt.r.Normalize()
			err := tt.r.Validate()
			if tt.field == "" && err != nil || tt.field != "" && fieldOf(err) != tt.field {
				t.Errorf("Validate() = %v, want field %q", err, tt.field)
			}
		})
	}
	if _, err := ParseContactRole("mayor", "role"); fieldOf(err) != "role" {
		t.Errorf("unknown role: %v", err)
	}
}

func TestQuestions(t *testing.T) {
	tests := []struct {
		name  string
		q     Question
		field string
	}{
		{"anonymous", Question{Text: "Faut-il un site pour être sur Google Maps ?", Source: FromWeb}, ""},
		{"signed", Question{Text: "Combien coûte une boutique en ligne ?", Name: "Luc", Email: "luc@example.org", Source: FromSocialMedia}, ""},
		{"empty", Question{Text: "  \n ", Source: FromWeb}, "text"},
		{"too long", Question{Text: strings.Repeat("x", MaxQuestion+1), Source: FromWeb}, "text"},
		{"bad email", Question{Text: "?", Email: "luc@", Source: FromWeb}, "email"},
		{"unknown source", Question{Text: "?", Source: "fax"}, "source"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.Normalize()
			err := tt.q.Validate()
			if tt.field == "" && err != nil || tt.field != "" && fieldOf(err) != tt.field {
				t.Errorf("Validate() = %v, want field %q", err, tt.field)
			}
		})
	}
	start := time.Date(2027, 3, 17, 17, 30, 0, 0, time.UTC)
	if PublicSource(start, start.Add(-time.Hour)) != FromWeb || PublicSource(start, start.Add(time.Hour)) != FromAfter {
		t.Error("PublicSource is wrong")
	}
	if _, err := ParseSource("social_media"); err != nil {
		t.Error(err)
	}
	if _, err := ParseSource("pigeon"); fieldOf(err) != "source" {
		t.Errorf("unknown source: %v", err)
	}
	a := Answer{Text: "  "}
	a.Normalize()
	if fieldOf(a.Validate()) != "text" {
		t.Error("an empty answer passes")
	}
}
