package maturity

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"testing"

	"vitrine/internal/apperr"
)

func TestCompareSameVersion(t *testing.T) {
	q := loadFile(t, "testdata/small.json")
	before := all("claimed", "monthly", "none", "no", "no", "no", []string{"card"}, "no")
	after := all("claimed", "monthly", "page", "yes", "yes", "no", []string{"card"}, "online")
	ra, _ := q.Score(before, "fr")
	rb, _ := q.Score(after, "fr")
	p, err := Compare(q, before, q, after, "fr")
	if err != nil {
		t.Fatal(err)
	}
	if !p.SameVersion || p.SharedQuestions != 8 {
		t.Errorf("same version %v shared %d, want true and 8", p.SameVersion, p.SharedQuestions)
	}
	// On the same version, progress is the difference of the two results.
	if p.LevelFrom != ra.Level || p.LevelTo != rb.Level || p.LevelChange != rb.Level-ra.Level || !p.HasLevelChange {
		t.Errorf("levels %d → %d (%+d), results say %d → %d", p.LevelFrom, p.LevelTo, p.LevelChange, ra.Level, rb.Level)
	}
	if p.IndexFrom != ra.Index || p.IndexTo != rb.Index {
		t.Errorf("index %v → %v, results say %v → %v", p.IndexFrom, p.IndexTo, ra.Index, rb.Index)
	}
	// visibility 24.3 → 52.9; security 0 → 40; sales 30 → 80; index 18.1 → 57.6.
	wantDims := []float64{28.6, 40, 50}
	for i, d := range p.Dimensions {
		if d.Change != wantDims[i] {
			t.Errorf("%s changed by %v, want %v", d.ID, d.Change, wantDims[i])
		}
	}
	if p.IndexChange != 39.5 || p.LevelFrom != 1 || p.LevelTo != 4 {
		t.Errorf("index change %v level %d → %d, want 39.5 and 1 → 4", p.IndexChange, p.LevelFrom, p.LevelTo)
	}
}

func TestCompareSharedQuestions(t *testing.T) {
	q1 := loadFile(t, "testdata/small.json")
	q2 := loadFile(t, "testdata/small-v2.json")
	// v2 drops "website", asks "photos" with other options, adds "reviews",
	// and gives "listing: claimed" 7 points instead of 6 (same options).
	shared := SharedQuestions(q1, q2)
	if want := []string{"listing", "backups", "passwords", "updates", "payment", "remote"}; !slices.Equal(shared, want) {
		t.Fatalf("shared = %v, want %v", shared, want)
	}
	before := all("claimed", "monthly", "none", "no", "no", "no", []string{"card"}, "no")
	after := Answers{"listing": {"managed"}, "photos": {"often"}, "backups": {"yes"}, "passwords": {"partly"},
		"updates": {"yes"}, "payment": {"card", "mobile"}, "remote": {"online"}, "reviews": {"often"}}
	p, err := Compare(q1, before, q2, after, "en")
	if err != nil {
		t.Fatal(err)
	}
	if p.SameVersion || p.SharedQuestions != 6 || p.FromVersion != "small" || p.ToVersion != "small-v2" {
		t.Errorf("progress header %+v", p)
	}
	// Both re-scored on the six shared questions with v2's points:
	// before: visibility = listing 7 → 70; security 0; sales 6/20 = 30; index 33.3.
	// after: visibility 100; security (10 + 4 + 3·10) / 50 = 88; sales 100; index 96.
	if p.IndexFrom != 33.3 || p.IndexTo != 96 || p.IndexChange != 62.7 {
		t.Errorf("index %v → %v (%v), want 33.3 → 96 (62.7)", p.IndexFrom, p.IndexTo, p.IndexChange)
	}
	want := []DimensionChange{
		{ID: "visibility", Name: "Visibility", From: 70, To: 100, Change: 30},
		{ID: "security", Name: "Security", From: 0, To: 88, Change: 88},
		{ID: "sales", Name: "Sales", From: 30, To: 100, Change: 70},
	}
	if !slices.Equal(p.Dimensions, want) {
		t.Errorf("dimensions %+v, want %+v", p.Dimensions, want)
	}
	// Levels are each diagnostic's own: 1 on small (see TestCompareSameVersion),
	// 5 on v2 (every rung met, index 96).
	if p.LevelFrom != 1 || p.LevelTo != 5 || p.LevelChange != 4 {
		t.Errorf("level %d → %d (%+d), want 1 → 5 (+4)", p.LevelFrom, p.LevelTo, p.LevelChange)
	}
}

func TestCompareErrors(t *testing.T) {
	q1 := loadFile(t, "testdata/small.json")
	// A version whose questions all have new IDs shares nothing.
	var raw Questionnaire
	data, _ := os.ReadFile("testdata/small.json")
	_ = json.Unmarshal(data, &raw)
	raw.Version = "renamed"
	for d := range raw.Dimensions {
		for i := range raw.Dimensions[d].Questions {
			raw.Dimensions[d].Questions[i].ID += "-new"
		}
	}
	for l := range raw.Levels {
		for r := range raw.Levels[l].Requires {
			for c := range raw.Levels[l].Requires[r].Any {
				raw.Levels[l].Requires[r].Any[c].Question += "-new"
			}
		}
	}
	data, _ = json.Marshal(&raw)
	q2, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Compare(q1, Answers{}, q2, Answers{}, "fr")
	if !errors.Is(err, ErrNotComparable) {
		t.Errorf("Compare with nothing shared: %v, want ErrNotComparable", err)
	}
	_, err = Compare(q1, Answers{"nope": {"x"}}, q1, Answers{}, "fr")
	if apperr.KindOf(err) != apperr.Invalid {
		t.Errorf("Compare with bad answers: %v, want an Invalid error", err)
	}
	// Without a level on one side there is no level change.
	p, err := Compare(q1, Answers{"listing": {"managed"}}, q1, all("managed", "weekly", "site", "yes", "yes", "yes", []string{"card"}, "online"), "fr")
	if err != nil || p.HasLevelChange || p.LevelFrom != -1 || p.LevelTo != 5 {
		t.Errorf("one side without level: %+v, %v", p, err)
	}
}
