package commune

import (
	"math"
	"strings"
	"testing"
)

func TestEmbedded(t *testing.T) {
	communes, locs := Embedded()
	if len(communes) != 261 {
		t.Fatalf("communes = %d, want 261", len(communes))
	}
	if len(locs) != 1577 {
		t.Fatalf("localities = %d, want 1577", len(locs))
	}
	cities, provinces := 0, map[string]int{}
	for _, c := range communes {
		if c.IsCity {
			cities++
			if c.Phase != 1 {
				t.Errorf("%s is a city but in phase %d", c.Name, c.Phase)
			}
		}
		provinces[c.Province]++
	}
	if cities != 70 {
		t.Errorf("cities = %d, want 70 (see SOURCES.md)", cities)
	}
	want := map[string]int{"Hainaut": 69, "Liège": 84, "Luxembourg": 43, "Namur": 38, "Brabant wallon": 27}
	for p, n := range want {
		if provinces[p] != n {
			t.Errorf("province %s has %d communes, want %d", p, provinces[p], n)
		}
	}
}

func TestResolve(t *testing.T) {
	d := NewDirectory(Embedded())
	tests := []struct {
		in, wantNIS string
	}{
		{"52012", "52012"},            // NIS code
		{"6200", "52012"},             // postal code of Châtelet
		{"Châtelet", "52012"},         // name with accent
		{"CHATELET", "52012"},         // capitals, no accent
		{" mouscron ", "57096"},       // spaces
		{"Lüttich", "62063"},          // German name of Liège
		{"Luik", "62063"},             // Dutch name
		{"Ecaussinnes", "55050"},      // Statbel spelling
		{"Écaussinnes", "55050"},      // display spelling
		{"Louvain-la-Neuve", "25121"}, // a locality, not a commune
		{"4000 Liège", "62063"},
		{"82039", "82039"}, // merged Bastogne
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := d.Resolve(tt.in)
			if err != nil {
				t.Fatalf("Resolve(%q): %v", tt.in, err)
			}
			if c.NIS != tt.wantNIS {
				t.Errorf("Resolve(%q) = %s %s, want %s", tt.in, c.NIS, c.Name, tt.wantNIS)
			}
		})
	}
	for _, bad := range []string{"", "Paris", "82003", "1000", "99999"} {
		if c, err := d.Resolve(bad); err == nil {
			t.Errorf("Resolve(%q) = %s, want an error", bad, c.Name)
		}
	}
}

func TestSearchAndWithin(t *testing.T) {
	d := NewDirectory(Embedded())
	got := d.Search("char", 5)
	if len(got) == 0 || got[0].Name != "Charleroi" {
		t.Fatalf("Search(char) = %v, want Charleroi first", names(got))
	}
	near := d.Within("52012", 10) // Châtelet
	if len(near) < 3 || near[0].NIS != "52012" {
		t.Fatalf("Within = %v", names(near))
	}
	for _, c := range near {
		if Distance(near[0], c) > 10 {
			t.Errorf("%s is %.1f km away", c.Name, Distance(near[0], c))
		}
	}
}

func TestDistanceKm(t *testing.T) {
	tests := []struct {
		name                   string
		lat1, lon1, lat2, lon2 float64
		want                   float64
	}{
		{"same point", 50.5, 4.5, 50.5, 4.5, 0},
		{"one degree of latitude", 50, 5, 51, 5, 111.2},
		{"Liège–Namur", 50.6333, 5.5667, 50.4667, 4.8667, 52.8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DistanceKm(tt.lat1, tt.lon1, tt.lat2, tt.lon2)
			if math.Abs(got-tt.want) > 0.5 {
				t.Errorf("got %.2f km, want %.1f", got, tt.want)
			}
		})
	}
}

func TestParseCommunesRejects(t *testing.T) {
	file := "nis_code;name_fr;province;latitude;longitude;is_city\n" +
		"52012;Châtelet;Hainaut;50.40;4.52;1\n" +
		"5201;Bad;Hainaut;50.40;4.52;0\n" +
		"52013;Far;Hainaut;10;4.52;0\n" +
		"52012;Again;Hainaut;50.40;4.52;0\n" +
		"52014;Flag;Hainaut;50.40;4.52;maybe\n"
	got, bad, err := ParseCommunes([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "Châtelet" || !got[0].IsCity {
		t.Errorf("good rows = %+v", got)
	}
	wantLines := []int{3, 4, 5, 6}
	if len(bad) != len(wantLines) {
		t.Fatalf("bad = %+v", bad)
	}
	for i, b := range bad {
		if b.Line != wantLines[i] {
			t.Errorf("bad[%d].Line = %d, want %d", i, b.Line, wantLines[i])
		}
	}
	if _, _, err := ParseCommunes([]byte("name;x\nfoo;bar\n")); err == nil || !strings.Contains(err.Error(), "nis_code") {
		t.Errorf("missing columns: err = %v", err)
	}
}

func FuzzParseCommunes(f *testing.F) {
	f.Add([]byte("nis_code,name_fr,province,latitude,longitude\n52012,Châtelet,Hainaut,50.4,4.5\n"))
	f.Add([]byte("\xef\xbb\xbfnis_code;name_fr;province;latitude;longitude\n\"1\n2\";x;y;z;w\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, _, err := ParseCommunes(data)
		if err != nil {
			return
		}
		for _, c := range got {
			if !validNIS(c.NIS) || c.Latitude < 49 || c.Latitude > 51.6 {
				t.Fatalf("accepted an invalid commune %+v", c)
			}
		}
	})
}

func names(cs []Commune) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}
