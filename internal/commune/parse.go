package commune

import (
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"vitrine/internal/csvin"
)

//go:embed data/communes-wallonie.csv data/postal-codes-wallonie.csv
var data embed.FS

// Embedded returns the communes and postal localities shipped in the binary.
// See data/SOURCES.md for their sources and licences.
func Embedded() ([]Commune, []Locality) {
	c, err := data.ReadFile("data/communes-wallonie.csv")
	if err != nil {
		panic(err)
	}
	communes, bad, err := ParseCommunes(c)
	if err != nil || len(bad) > 0 {
		panic(fmt.Sprintf("embedded communes: %v %v", err, bad))
	}
	l, err := data.ReadFile("data/postal-codes-wallonie.csv")
	if err != nil {
		panic(err)
	}
	locs, err := ParseLocalities(l)
	if err != nil {
		panic(fmt.Sprintf("embedded localities: %v", err))
	}
	return communes, locs
}

var communeColumns = map[string][]string{
	"nis_code":           {"nis", "code_nis", "code_ins", "ins"},
	"name_fr":            {"nom_fr", "nom"},
	"name_fr_display":    {"name", "nom_affichage"},
	"name_de":            {"nom_de"},
	"name_nl":            {"nom_nl"},
	"language_area":      {"region_linguistique"},
	"province_nis":       nil,
	"province":           nil,
	"arrondissement_nis": nil,
	"arrondissement":     nil,
	"main_postal_code":   {"code_postal_principal", "code_postal"},
	"postal_codes":       {"codes_postaux"},
	"latitude":           {"lat"},
	"longitude":          {"lon", "lng"},
	"population":         nil,
	"population_date":    {"date_population"},
	"is_city":            {"ville", "est_ville"},
	"is_city_basis":      {"base_ville"},
}

// ParseCommunes reads a file with the columns of communes-wallonie.csv.
// Lines that cannot be used are returned with their reason; the others are
// returned in file order.
func ParseCommunes(file []byte) ([]Commune, []csvin.LineError, error) {
	rd, err := csvin.NewReader(file, communeColumns)
	if err != nil {
		return nil, nil, err
	}
	if miss := rd.Missing("nis_code", "name_fr", "province", "latitude", "longitude"); len(miss) > 0 {
		return nil, nil, fmt.Errorf("the file lacks the column(s) %s", strings.Join(miss, ", "))
	}
	var out []Commune
	var bad []csvin.LineError
	seen := map[string]int{}
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			bad = append(bad, csvin.LineError{Line: lineOf(err), Key: "import.line.malformed"})
			continue
		}
		if rec.Blank() {
			continue
		}
		c, lerr := communeFrom(rec)
		if lerr != nil {
			bad = append(bad, *lerr)
			continue
		}
		if first, dup := seen[c.NIS]; dup {
			bad = append(bad, csvin.LineError{Line: rec.Line, Field: "nis_code", Key: "import.line.duplicate", Args: map[string]any{"Value": c.NIS, "First": first}})
			continue
		}
		seen[c.NIS] = rec.Line
		out = append(out, c)
	}
	return out, bad, nil
}

func lineOf(err error) int {
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		return perr.StartLine
	}
	return 0
}

func communeFrom(rec csvin.Record) (Commune, *csvin.LineError) {
	fail := func(field, key, value string) (Commune, *csvin.LineError) {
		return Commune{}, &csvin.LineError{Line: rec.Line, Field: field, Key: key, Args: map[string]any{"Value": value}}
	}
	c := Commune{
		NIS:               rec.Get("nis_code"),
		NameFR:            rec.Get("name_fr"),
		Name:              rec.Get("name_fr_display"),
		NameDE:            rec.Get("name_de"),
		NameNL:            rec.Get("name_nl"),
		LanguageArea:      rec.Get("language_area"),
		ProvinceNIS:       rec.Get("province_nis"),
		Province:          rec.Get("province"),
		ArrondissementNIS: rec.Get("arrondissement_nis"),
		Arrondissement:    rec.Get("arrondissement"),
		MainPostalCode:    rec.Get("main_postal_code"),
		PostalCodes:       strings.Fields(rec.Get("postal_codes")),
		PopulationDate:    rec.Get("population_date"),
		IsCityBasis:       rec.Get("is_city_basis"),
	}
	if !validNIS(c.NIS) {
		return fail("nis_code", "import.line.nis_invalid", c.NIS)
	}
	if c.NameFR == "" {
		return fail("name_fr", "import.line.required", "")
	}
	if c.Name == "" {
		c.Name = c.NameFR
	}
	if c.LanguageArea == "" {
		c.LanguageArea = "fr"
	}
	var err error
	if c.Latitude, err = strconv.ParseFloat(rec.Get("latitude"), 64); err != nil || c.Latitude < 49 || c.Latitude > 51.6 {
		return fail("latitude", "import.line.coordinate_invalid", rec.Get("latitude"))
	}
	if c.Longitude, err = strconv.ParseFloat(rec.Get("longitude"), 64); err != nil || c.Longitude < 2.4 || c.Longitude > 6.5 {
		return fail("longitude", "import.line.coordinate_invalid", rec.Get("longitude"))
	}
	if p := rec.Get("population"); p != "" {
		if c.Population, err = strconv.Atoi(strings.ReplaceAll(p, " ", "")); err != nil || c.Population < 0 {
			return fail("population", "import.line.number_invalid", p)
		}
	}
	switch strings.ToLower(rec.Get("is_city")) {
	case "1", "true", "yes", "oui", "ja":
		c.IsCity = true
	case "", "0", "false", "no", "non", "nee", "nein":
	default:
		return fail("is_city", "import.line.flag_invalid", rec.Get("is_city"))
	}
	for _, pc := range c.PostalCodes {
		if !validPostal(pc) {
			return fail("postal_codes", "import.line.postal_invalid", pc)
		}
	}
	if c.MainPostalCode == "" && len(c.PostalCodes) > 0 {
		c.MainPostalCode = c.PostalCodes[0]
	}
	c.Phase = DefaultPhase(c.IsCity)
	return c, nil
}

var localityColumns = map[string][]string{
	"postal_code": {"code_postal"},
	"locality":    {"localite"},
	"nis_code":    {"nis"},
	"latitude":    {"lat"},
	"longitude":   {"lon"},
}

// ParseLocalities reads a file with the columns of postal-codes-wallonie.csv.
func ParseLocalities(file []byte) ([]Locality, error) {
	rd, err := csvin.NewReader(file, localityColumns)
	if err != nil {
		return nil, err
	}
	if miss := rd.Missing("postal_code", "locality", "nis_code"); len(miss) > 0 {
		return nil, fmt.Errorf("the file lacks the column(s) %s", strings.Join(miss, ", "))
	}
	var out []Locality
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		l := Locality{PostalCode: rec.Get("postal_code"), Name: rec.Get("locality"), NIS: rec.Get("nis_code")}
		l.Latitude, _ = strconv.ParseFloat(rec.Get("latitude"), 64)
		l.Longitude, _ = strconv.ParseFloat(rec.Get("longitude"), 64)
		if !validPostal(l.PostalCode) || !validNIS(l.NIS) {
			return nil, fmt.Errorf("line %d: bad postal code or NIS code", rec.Line)
		}
		out = append(out, l)
	}
}

func validNIS(s string) bool    { return len(s) == 5 && allDigits(s) }
func validPostal(s string) bool { return len(s) == 4 && allDigits(s) }

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
