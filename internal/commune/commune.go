// Package commune holds the Walloon communes and postal localities that
// Vitrine ships as reference data, and the pure functions that find, name and
// measure them. Standard library only.
package commune

import (
	"math"
	"strings"
)

// Commune is one Walloon municipality (NIS nomenclature 2025) and its place
// in the campaign.
type Commune struct {
	NIS               string   `json:"nis_code"`
	NameFR            string   `json:"-"`    // Statbel spelling
	Name              string   `json:"name"` // usual French typography, for display
	NameDE            string   `json:"name_de"`
	NameNL            string   `json:"name_nl"`
	LanguageArea      string   `json:"language_area"`
	ProvinceNIS       string   `json:"-"`
	Province          string   `json:"province"`
	ArrondissementNIS string   `json:"-"`
	Arrondissement    string   `json:"arrondissement"`
	MainPostalCode    string   `json:"main_postal_code"`
	PostalCodes       []string `json:"postal_codes"`
	Latitude          float64  `json:"latitude"`
	Longitude         float64  `json:"longitude"`
	Population        int      `json:"population"`
	PopulationDate    string   `json:"-"`
	IsCity            bool     `json:"is_city"`
	IsCityBasis       string   `json:"-"`
	// Phase is the campaign phase: 1 for the cities contacted first, 2 for the others.
	Phase int `json:"phase"`
}

// LocalName returns the commune's name in lang ("fr", "de", "nl", "en").
// English uses the French name, as Belgian place names usually are in English.
func (c Commune) LocalName(lang string) string {
	switch lang {
	case "de":
		if c.NameDE != "" {
			return c.NameDE
		}
	case "nl":
		if c.NameNL != "" {
			return c.NameNL
		}
	}
	return c.Name
}

// DefaultPhase is the phase a commune starts in: cities first.
func DefaultPhase(isCity bool) int {
	if isCity {
		return 1
	}
	return 2
}

// Locality is a postal locality (a postal code and a place name) in a commune.
type Locality struct {
	PostalCode string
	Name       string
	NIS        string
	Latitude   float64
	Longitude  float64
}

const earthRadiusKm = 6371.0088

// DistanceKm is the great-circle (haversine) distance between two points, in km.
func DistanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	rad := math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLon := (lon2 - lon1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}

// Distance returns the distance between two communes' centres, in km.
func Distance(a, b Commune) float64 {
	return DistanceKm(a.Latitude, a.Longitude, b.Latitude, b.Longitude)
}

// Fold lower-cases s, strips accents from Latin letters and keeps only
// letters and digits, so "Écaussinnes", "ecaussinnes" and "E caussinnes" meet.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToLower(s) {
		if f, ok := foldMap[r]; ok {
			b.WriteString(f)
			continue
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else if r > 127 && !isPunct(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isPunct(r rune) bool {
	switch r {
	case '’', '‘', '«', '»', '–', '—', '\u00a0', '·':
		return true
	}
	return false
}

var foldMap = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'æ': "ae",
	'ç': "c", 'è': "e", 'é': "e", 'ê': "e", 'ë': "e",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ñ': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'œ': "oe",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ý': "y", 'ÿ': "y", 'ß': "ss",
}
