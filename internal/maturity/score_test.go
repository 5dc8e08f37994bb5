package maturity

import (
	"encoding/json"
	"slices"
	"testing"
)

// The small questionnaire in testdata (see its file) has three dimensions
// of weight 1: visibility (listing ×2, photos ×1, website ×4), security
// (backups ×1, passwords ×1, updates ×3) and sales (payment ×1, remote ×1).
// Index bands 0/10/20/30/40/60, dimension bands 0/10/20/30/40/50, caps
// visibility +2 and security +2. Ladder: 1 listing ≥ 6, 2 photos ≥ 5,
// 3 backups ≥ 10, 4 payment ≥ 6, 5 remote ≥ 10 or website ≥ 10.

func TestPointsByKind(t *testing.T) {
	q := loadFile(t, "testdata/small.json")
	tests := []struct {
		name     string
		question string
		opts     []string
		want     int
	}{
		{"single", "listing", []string{"claimed"}, 6},
		{"single, best", "listing", []string{"managed"}, 10},
		{"single, don't know", "listing", []string{DontKnowID}, 0},
		{"frequency", "photos", []string{"monthly"}, 5},
		{"frequency, never", "photos", []string{"never"}, 0},
		{"yes", "passwords", []string{"yes"}, 10},
		{"partly", "passwords", []string{"partly"}, 4},
		{"no", "passwords", []string{"no"}, 0},
		{"yes/partly/no, don't know", "passwords", []string{DontKnowID}, 0},
		{"multiple, one", "payment", []string{"card"}, 6},
		{"multiple, sum", "payment", []string{"mobile", "transfer"}, 7},
		{"multiple, sum reaching 10", "payment", []string{"card", "mobile"}, 10},
		{"multiple, sum capped at 10", "payment", []string{"card", "mobile", "transfer"}, 10},
		{"multiple, order does not matter", "payment", []string{"transfer", "card"}, 9},
		{"multiple, exclusive none", "payment", []string{"cash-only"}, 0},
		{"multiple, don't know", "payment", []string{DontKnowID}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := q.Score(Answers{tt.question: tt.opts}, "fr")
			if err != nil {
				t.Fatal(err)
			}
			got, answered := r.Points(tt.question)
			if got != tt.want || !answered {
				t.Errorf("points = %d (answered %v), want %d (answered)", got, answered, tt.want)
			}
		})
	}
	r, _ := q.Score(Answers{}, "fr")
	if p, answered := r.Points("listing"); p != 0 || answered {
		t.Errorf("unanswered: points %d answered %v, want 0, false", p, answered)
	}
}

// all answers the eight questions of the small questionnaire.
func all(listing, photos, website, backups, passwords, updates string, payment []string, remote string) Answers {
	return Answers{"listing": {listing}, "photos": {photos}, "website": {website}, "backups": {backups},
		"passwords": {passwords}, "updates": {updates}, "payment": payment, "remote": {remote}}
}

func TestDimensionsAndIndex(t *testing.T) {
	q := loadFile(t, "testdata/small.json")
	tests := []struct {
		name  string
		a     Answers
		dims  []float64 // visibility, security, sales
		index float64
	}{
		{"everything best", all("managed", "weekly", "site", "yes", "yes", "yes", []string{"card", "mobile"}, "online"),
			[]float64{100, 100, 100}, 100},
		{"everything lowest", all("no", "never", "none", "no", "no", "no", []string{"cash-only"}, "no"),
			[]float64{0, 0, 0}, 0},
		// visibility (2·6 + 1·5 + 4·0) / 70 = 24.29 → 24.3; security 100;
		// sales (6 + 10) / 20 = 80; index (24.29 + 100 + 80) / 3 = 68.1.
		{"weighted means", all("claimed", "monthly", "none", "yes", "yes", "yes", []string{"card"}, "online"),
			[]float64{24.3, 100, 80}, 68.1},
		// visibility (2·6 + 5 + 4·5) / 70 = 52.86 → 52.9; security (10 + 10 + 0) / 50 = 40;
		// sales 80; index (52.86 + 40 + 80) / 3 = 57.62 → 57.6.
		{"weights matter", all("claimed", "monthly", "page", "yes", "yes", "no", []string{"card"}, "online"),
			[]float64{52.9, 40, 80}, 57.6},
		// Unanswered and don't know count 0 in the mean, as "no" does:
		// visibility 2·10 / 70 = 28.57 → 28.6, the rest 0; index 9.5.
		{"missing counts zero", Answers{"listing": {"managed"}, "photos": {DontKnowID}},
			[]float64{28.6, 0, 0}, 9.5},
		// Half up: security 1·5 / 50 = 10.0 exactly; passwords partly (4)
		// alone: 4 / 50 = 8.0; backups partly + passwords partly 9/50 = 18.
		{"exact tenths", Answers{"backups": {"partly"}, "passwords": {"partly"}}, []float64{0, 18, 0}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := q.Score(tt.a, "fr")
			if err != nil {
				t.Fatal(err)
			}
			var got []float64
			for _, d := range r.Dimensions {
				got = append(got, d.Score)
			}
			if !slices.Equal(got, tt.dims) || r.Index != tt.index {
				t.Errorf("dimensions %v index %v, want %v index %v", got, r.Index, tt.dims, tt.index)
			}
		})
	}
}

func TestLevelAndCaps(t *testing.T) {
	q := loadFile(t, "testdata/small.json")
	type blocker struct {
		kind, id   string
		need, have float64
	}
	tests := []struct {
		name   string
		a      Answers
		level  int
		limits Limits
		block  []blocker
	}{
		{"top", all("managed", "weekly", "site", "yes", "yes", "yes", []string{"card", "mobile"}, "online"),
			5, Limits{Ladder: 5, IndexBand: 5, Caps: map[string]int{"visibility": 7, "security": 7}}, nil},
		// Ladder 5 and index 68.1 (band 5), but visibility 24.3 is band 2:
		// 2 + 2 = 4. Level 5 needs visibility band 3, that is 30.
		{"visibility cap", all("claimed", "monthly", "none", "yes", "yes", "yes", []string{"card"}, "online"),
			4, Limits{Ladder: 5, IndexBand: 5, Caps: map[string]int{"visibility": 4, "security": 7}},
			[]blocker{{BlockDimension, "visibility", 30, 24.3}}},
		// Security (10 + 0 + 0) / 50 = 20, band 2: capped at 4; index 73.3.
		{"security cap", all("managed", "weekly", "site", "yes", "no", "no", []string{"card", "mobile"}, "online"),
			4, Limits{Ladder: 5, IndexBand: 5, Caps: map[string]int{"visibility": 7, "security": 4}},
			[]blocker{{BlockDimension, "security", 30, 20}}},
		// Index 57.6 is band 4 (level 5 needs 60); visibility 52.9 band 5, security 40 band 4.
		{"index band", all("claimed", "monthly", "page", "yes", "yes", "no", []string{"card"}, "online"),
			4, Limits{Ladder: 5, IndexBand: 4, Caps: map[string]int{"visibility": 7, "security": 6}},
			[]blocker{{BlockIndex, "", 60, 57.6}}},
		// Photos never: the ladder stops at 1, whatever else is best.
		{"ladder", all("managed", "never", "site", "yes", "yes", "yes", []string{"card", "mobile"}, "online"),
			1, Limits{Ladder: 1, IndexBand: 5, Caps: map[string]int{"visibility": 7, "security": 7}},
			[]blocker{{BlockRequirement, "photos", 0, 0}}},
		// Two limits at once: the ladder stops at 3 (payment 3, below 6) and
		// visibility 24.3 caps at 4; index (24.3 + 100 + 65) / 3 = 63.1 is
		// band 5. Level 3; for level 4 only the ladder blocks.
		{"lowest limit wins", all("claimed", "monthly", "none", "yes", "yes", "yes", []string{"transfer"}, "online"),
			3, Limits{Ladder: 3, IndexBand: 5, Caps: map[string]int{"visibility": 4, "security": 7}},
			[]blocker{{BlockRequirement, "card", 0, 0}}},
		// No listing: level 0, and only level 1's requirement is named,
		// not those of the levels above.
		{"level 0", all("no", "weekly", "site", "yes", "yes", "yes", []string{"card", "mobile"}, "online"),
			0, Limits{Ladder: 0, IndexBand: 5, Caps: map[string]int{"visibility": 7, "security": 7}},
			[]blocker{{BlockRequirement, "listed", 0, 0}}},
		// Requirement with two ways to meet it: website ≥ 10 meets level 5
		// even when remote is "no".
		{"any condition", all("managed", "weekly", "site", "yes", "yes", "yes", []string{"card", "mobile"}, "no"),
			5, Limits{Ladder: 5, IndexBand: 5, Caps: map[string]int{"visibility": 7, "security": 7}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := q.Score(tt.a, "en")
			if err != nil {
				t.Fatal(err)
			}
			if r.Level != tt.level || !r.HasLevel {
				t.Errorf("level = %d (has %v), want %d", r.Level, r.HasLevel, tt.level)
			}
			if r.Limits.Ladder != tt.limits.Ladder || r.Limits.IndexBand != tt.limits.IndexBand ||
				r.Limits.Caps["visibility"] != tt.limits.Caps["visibility"] || r.Limits.Caps["security"] != tt.limits.Caps["security"] {
				t.Errorf("limits = %+v, want %+v", r.Limits, tt.limits)
			}
			var got []blocker
			for _, b := range r.Blocking {
				got = append(got, blocker{b.Kind, b.ID, b.Need, b.Have})
				if (b.Kind == BlockRequirement) != (b.Text != "") || b.Key == "" || b.Level != tt.level+1 {
					t.Errorf("blocker %+v: want a key, a text for a requirement only, and level %d", b, tt.level+1)
				}
			}
			if !slices.Equal(got, tt.block) {
				t.Errorf("blocking = %+v, want %+v", got, tt.block)
			}
		})
	}
}

func TestBlockingListsEveryUnmetRungUpToTheNext(t *testing.T) {
	q := Current()
	// Listing claimed with wrong hours: level 0; level 1 is blocked by the
	// hours only, though levels 2 and up are far off too.
	a := lowest(q)
	a["listing"] = []string{"claimed"}
	r, _ := q.Score(a, "fr")
	var ids []string
	for _, b := range r.Blocking {
		ids = append(ids, b.ID)
	}
	if r.Level != 0 || !slices.Equal(ids, []string{"listing-correct"}) {
		t.Errorf("level %d blocking %v, want 0 and [listing-correct]", r.Level, ids)
	}
	// A shop meeting level 3's rungs while level 2's are unmet is level 1,
	// and what blocks level 2 is level 2's rungs, nothing of level 3.
	a["listing-info"] = []string{"yes"}
	a["payment"], a["till"], a["backups"], a["passwords"], a["two-factor"] =
		[]string{"card"}, []string{"connected"}, []string{"monthly"}, []string{"yes"}, []string{"yes"}
	r, _ = q.Score(a, "fr")
	ids = ids[:0]
	for _, b := range r.Blocking {
		ids = append(ids, b.ID)
	}
	if r.Level != 1 || !slices.Equal(ids, []string{"owned-channel", "answers-reviews"}) {
		t.Errorf("level %d blocking %v, want 1 and level 2's two rungs", r.Level, ids)
	}
}

func TestEightyPercentRule(t *testing.T) {
	q := loadFile(t, "testdata/small.json") // 8 questions: 80 % is 6.4, so 7 answers
	full := all("managed", "weekly", "site", "yes", "yes", "yes", []string{"card", "mobile"}, "online")
	tests := []struct {
		name     string
		drop     []string
		dontKnow []string
		has      bool
		missing  int
		need     float64
	}{
		{"all answered", nil, nil, true, 0, 0},
		{"7 of 8", []string{"remote"}, nil, true, 1, 0},
		{"6 of 8", []string{"remote", "website"}, nil, false, 2, 1},
		{"3 of 8", []string{"remote", "website", "photos", "backups", "updates"}, nil, false, 5, 4},
		{"don't know counts as answered", nil, []string{"remote", "website", "photos"}, true, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Answers{}
			for k, v := range full {
				a[k] = v
			}
			for _, id := range tt.drop {
				delete(a, id)
			}
			for _, id := range tt.dontKnow {
				a[id] = []string{DontKnowID}
			}
			r, err := q.Score(a, "fr")
			if err != nil {
				t.Fatal(err)
			}
			if r.HasLevel != tt.has || r.Missing != tt.missing || r.Answered+r.Missing != 8 {
				t.Fatalf("has level %v missing %d answered %d, want %v %d", r.HasLevel, r.Missing, r.Answered, tt.has, tt.missing)
			}
			if tt.has {
				return
			}
			if r.Level != -1 || r.LevelName != "" {
				t.Errorf("no level: Level %d name %q, want -1 and no name", r.Level, r.LevelName)
			}
			if len(r.Blocking) != 1 || r.Blocking[0].Kind != BlockAnswers || r.Blocking[0].Need != tt.need {
				t.Errorf("blocking = %+v, want one answers blocker needing %v", r.Blocking, tt.need)
			}
			if b := r.Blocking[0]; b.Key != KeyBlockAnswers || b.Args["count"] != int(tt.need) {
				t.Errorf("blocker key %q args %v, want %s with count %d", b.Key, b.Args, KeyBlockAnswers, int(tt.need))
			}
			// The index and dimensions are still computed.
			if r.Index <= 0 {
				t.Errorf("index %v: want it computed even without a level", r.Index)
			}
		})
	}
}

func TestLocalizedResult(t *testing.T) {
	q := loadFile(t, "testdata/small.json")
	a := all("claimed", "monthly", "none", "yes", "yes", "yes", []string{"card"}, "online")
	fr, _ := q.Score(a, "fr-BE")
	en := fr.In("en")
	if fr.Lang != "fr" || en.Lang != "en" {
		t.Fatalf("langs %s %s", fr.Lang, en.Lang)
	}
	if fr.LevelName != "level 4 (fr)" || en.LevelName != "level 4" {
		t.Errorf("level names %q / %q", fr.LevelName, en.LevelName)
	}
	b, be := fr.Blocking[0], en.Blocking[0]
	if b.Key != KeyBlockDimension || b.Args["have"] != 24.3 || b.Args["level"] != 5 || b.Text != "" {
		t.Errorf("blocker %+v: want the dimension key with its score as a number, and no text", b)
	}
	if b.Args["level_name"] != "level 5 (fr)" || be.Args["level_name"] != "level 5" {
		t.Errorf("In(en) did not change the names in the arguments: %v / %v", b.Args, be.Args)
	}

	// The JSON carries what the contract names.
	data, err := json.Marshal(fr)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	for _, k := range []string{"level", "level_name", "index", "dimensions", "blocking"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON result has no %q: %s", k, data)
		}
	}
	d := m["dimensions"].([]any)[0].(map[string]any)
	if d["id"] != "visibility" || d["score"] != 24.3 {
		t.Errorf("first dimension %v, want visibility 24.3", d)
	}
}
