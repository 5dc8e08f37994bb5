package diagnostic

import (
	"crypto/rand"
	"math"
	"sort"
	"strings"

	"vitrine/internal/maturity"
)

// MinRoomAnswers is how many people of a room must have answered before the
// room's results are shown: below it, a result could point at one person.
const MinRoomAnswers = 5

// Tally is what the store counts for one information session: never a
// single diagnostic, only totals.
type Tally struct {
	Answered int
	Levels   map[int]int        // level → number of diagnostics
	Averages map[string]float64 // dimension ID → average score, 0–100
}

// Room is the anonymous summary of a workshop room, as the facilitator's
// projector shows it.
type Room struct {
	Answered int
	Shown    bool // at least MinRoomAnswers answered
	Missing  int  // answers still needed before the results show
	Levels   []LevelCount
	// Dimensions are every dimension's average, the weakest first.
	Dimensions []DimensionAverage
	// Weakest are the dimensions the room should work on first.
	Weakest []DimensionAverage
}

// LevelCount is how many people of a room reached one level.
type LevelCount struct {
	Level int
	Name  string
	Count int
	Pct   int // share of the room, 0–100
}

// DimensionAverage is a room's average score on one dimension.
type DimensionAverage struct {
	ID      string
	Name    string
	Average float64 // 0–100, one decimal
}

// weakestShown is how many dimensions the room view names as the weakest.
const weakestShown = 3

// NewRoom summarises a tally with names from questionnaire q in lang. Below
// MinRoomAnswers it keeps only the count.
func NewRoom(t Tally, q *maturity.Questionnaire, lang string) Room {
	r := Room{Answered: t.Answered, Shown: t.Answered >= MinRoomAnswers}
	if !r.Shown {
		r.Missing = MinRoomAnswers - t.Answered
		return r
	}
	for l := 0; l < maturity.NumLevels; l++ {
		n := t.Levels[l]
		r.Levels = append(r.Levels, LevelCount{Level: l, Name: q.Levels[l].Name.In(lang), Count: n,
			Pct: int(math.Round(float64(n) * 100 / float64(t.Answered)))})
	}
	for id, avg := range t.Averages {
		name := id
		if d, ok := q.Dimension(id); ok {
			name = d.Name.In(lang)
		}
		r.Dimensions = append(r.Dimensions, DimensionAverage{ID: id, Name: name, Average: math.Round(avg*10) / 10})
	}
	sort.Slice(r.Dimensions, func(i, j int) bool {
		a, b := r.Dimensions[i], r.Dimensions[j]
		if a.Average != b.Average {
			return a.Average < b.Average
		}
		return a.ID < b.ID
	})
	r.Weakest = r.Dimensions[:min(weakestShown, len(r.Dimensions))]
	return r
}

// codeAlphabet leaves out letters and digits people confuse (0 and o, 1, l
// and i) so a short link read off a projector is typed right.
const codeAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

// CodeLength is the length of a workshop code: 31⁶, about 900 million.
const CodeLength = 6

// NewWorkshopCode returns a random code for a workshop's short link.
func NewWorkshopCode() string {
	b := make([]byte, CodeLength)
	rand.Read(b)
	var s strings.Builder
	for _, c := range b {
		// 256 is not a multiple of 31: the first 8 letters are slightly
		// more likely, which does not matter for a code that is not secret.
		s.WriteByte(codeAlphabet[int(c)%len(codeAlphabet)])
	}
	return s.String()
}

// ValidWorkshopCode reports whether s could be a workshop code.
func ValidWorkshopCode(s string) bool {
	if len(s) != CodeLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(codeAlphabet, rune(s[i])) {
			return false
		}
	}
	return true
}
