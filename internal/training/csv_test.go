package training

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"vitrine/internal/csvin"
	"vitrine/internal/funding"
)

const catalogueFile = `module;titre;compétences;format;heures;niveau min;niveau max;chèques-formation;prix;session;date;début;fin;lieu;places
page-fb;Créer la page de son commerce;social-page community;présentiel;7;0;2;oui;210,00;avril;12/04/2027;9:00;12:30;technobel-ciney;12
page-fb;;;;;;;;;avril;19/04/2027;13h00;16h30;technobel-ciney;
page-fb;;;;;;;;;;03/05/2027;9:00;16:00;technobel-ciney;10
webinaire-avis;Répondre aux avis;online-reviews;en ligne;1,5;1;3;non;0;;;;;;
`

func TestParseCatalogue(t *testing.T) {
	c, bad, err := ParseCatalogue([]byte(catalogueFile), "technobel", brussels)
	if err != nil || len(bad) > 0 {
		t.Fatalf("err %v, bad %+v", err, bad)
	}
	if c.ProviderSlug != "technobel" || len(c.Modules) != 2 || len(c.Sessions) != 2 {
		t.Fatalf("catalogue = %+v", c)
	}
	m := c.Modules[0]
	if m.Line != 2 || m.Module.Code != "page-fb" || m.Module.Minutes != 420 || !m.Module.VoucherEligible ||
		m.Module.Price != funding.Euros(210) || len(m.Module.Skills) != 2 || m.Module.LevelMax != 2 {
		t.Errorf("module = %+v", m)
	}
	if w := c.Modules[1].Module; w.Format != Online || w.Minutes != 90 || w.Price != 0 {
		t.Errorf("webinar = %+v", w)
	}
	s := c.Sessions[0]
	if s.Code != "avril" || len(s.Days) != 2 || s.Capacity != 12 || s.SiteSlug != "technobel-ciney" || s.Line != 2 {
		t.Fatalf("session = %+v", s)
	}
	if got := s.Days[1].Start; !got.Equal(time.Date(2027, 4, 19, 13, 0, 0, 0, brussels)) {
		t.Errorf("second day starts %v", got)
	}
	if s2 := c.Sessions[1]; s2.Code != "2027-05-03t09-00" || len(s2.Days) != 1 || s2.Capacity != 10 {
		t.Errorf("one-day session = %+v", s2)
	}
	// The module and its two sessions fit together.
	for _, s := range c.Sessions {
		sess := Session{SiteID: 1, Capacity: s.Capacity, Days: s.Days}
		if err := sess.ValidateFor(m.Module, now, brussels, true); err != nil {
			t.Errorf("session %s: %v", s.Code, err)
		}
	}
}

func TestParseCatalogueRejects(t *testing.T) {
	head := "module,title,skills,hours,price,date,start,end,site,capacity,provider\n"
	tests := []struct {
		name, row, field, key string
	}{
		{"no module", ",Titre,social-page,3,0,,,,,,", "module", "import.line.required"},
		{"bad code", "Page FB,Titre,social-page,3,0,,,,,,", "module", "training.import.code_invalid"},
		{"nothing to do", "page,,,,,,,,,,", "", "training.import.empty_row"},
		{"unknown skill", "page,Titre,facebook,3,0,,,,,,", "skills", "training.module.skill_unknown"},
		{"bad hours", "page,Titre,social-page,trois,0,,,,,,", "hours", "training.import.hours_invalid"},
		{"bad price", "page,Titre,social-page,3,1.234,,,,,,", "price", "training.import.price_invalid"},
		{"bad date", "page,,,,,31/04/2027,9:00,12:00,site,10,", "date", "training.import.date_invalid"},
		{"bad time", "page,,,,,30/04/2027,9,12:00,site,10,", "start", "training.import.time_invalid"},
		{"end before start", "page,,,,,30/04/2027,12:00,9:00,site,10,", "end", "training.session.day_invalid"},
		{"no capacity", "page,,,,,30/04/2027,9:00,12:00,site,,", "capacity", "import.line.required"},
		{"bad capacity", "page,,,,,30/04/2027,9:00,12:00,site,0,", "capacity", "training.import.capacity_invalid"},
		{"another provider", "page,Titre,social-page,3,0,,,,,,technofutur-tic", "provider", "training.import.other_provider"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, bad, err := ParseCatalogue([]byte(head+tt.row+"\n"), "technobel", brussels)
			if err != nil {
				t.Fatal(err)
			}
			if len(bad) != 1 || bad[0].Line != 2 || bad[0].Field != tt.field || bad[0].Key != tt.key {
				t.Fatalf("bad = %+v, want line 2 %s %s", bad, tt.field, tt.key)
			}
		})
	}
	// A module described twice differently, a session whose site changes.
	file := head + "page,Titre,social-page,3,0,,,,,,\npage,Autre titre,social-page,3,0,,,,,,\n" +
		"page,,,,,30/04/2027,9:00,10:30,a,10,\npage,,,,,30/04/2027,9:00,10:30,b,10,\n"
	_, bad, _ := ParseCatalogue([]byte(file), "technobel", brussels)
	if len(bad) != 2 || bad[0].Key != "training.import.module_differs" || bad[0].Args["First"] != 2 || bad[1].Key != "training.import.session_differs" {
		t.Errorf("bad = %+v", bad)
	}
	// Without a provider anywhere, the file cannot be read.
	if _, _, err := ParseCatalogue([]byte("module,title\npage,Titre\n"), "", brussels); err == nil {
		t.Error("no provider: no error")
	}
	if _, _, err := ParseCatalogue([]byte("title\nTitre\n"), "x", brussels); err == nil {
		t.Error("no module column: no error")
	}
}

// FuzzParseCatalogue feeds arbitrary files to the trainings parser: it must
// never panic, every rejected line names a line of the file, and every
// module it accepts passes Validate.
func FuzzParseCatalogue(f *testing.F) {
	f.Add([]byte(catalogueFile))
	f.Add([]byte("module,title,hours,skills\np,T,3,social-page\n"))
	f.Add([]byte("module;date;début;fin;places\np;12/04/2027;9h;12h;10\np;12/04/2027;13h;12h;10\n"))
	f.Add([]byte("module,title,date\n\"p,\"x\n"))
	f.Add([]byte{0xff, 0xfe, 'm', 'o', 'd', 'u', 'l', 'e'})
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := strings.Count(string(csvin.Decode(data)), "\n") + strings.Count(string(data), "\r") + 1
		c, bad, err := ParseCatalogue(data, "technobel", brussels)
		if err != nil {
			return
		}
		for _, b := range bad {
			if b.Line < 0 || b.Line > lines+1 || b.Key == "" {
				t.Fatalf("rejected line %+v out of a file of %d lines", b, lines)
			}
		}
		for _, m := range c.Modules {
			if err := m.Module.Validate(); err != nil {
				t.Fatalf("accepted module %+v does not validate: %v", m.Module, err)
			}
		}
		for _, s := range c.Sessions {
			if len(s.Days) == 0 || s.Capacity < 1 || s.Capacity > MaxCapacity {
				t.Fatalf("accepted session %+v", s)
			}
			for i, d := range s.Days {
				if !d.End.After(d.Start) || i > 0 && d.Start.Before(s.Days[i-1].Start) {
					t.Fatalf("accepted session %s has day %d %v", s.Code, i, fmt.Sprint(d))
				}
			}
		}
	})
}
