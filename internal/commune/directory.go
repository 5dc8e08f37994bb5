package commune

import (
	"sort"
	"strings"

	"vitrine/internal/apperr"
)

// ErrUnknown is returned when a text names no Walloon commune.
var ErrUnknown = apperr.New(apperr.Invalid, "unknown_commune", "error.commune.unknown")

// Directory finds communes by NIS code, postal code or name. It is built once
// from a list and never changes; build a new one when the list changes.
type Directory struct {
	all      []Commune
	byNIS    map[string]int
	byPostal map[string]int
	byName   map[string]int
}

// NewDirectory indexes communes (sorted by French name).
func NewDirectory(communes []Commune, localities []Locality) *Directory {
	d := &Directory{
		all:      append([]Commune(nil), communes...),
		byNIS:    make(map[string]int, len(communes)),
		byPostal: make(map[string]int),
		byName:   make(map[string]int),
	}
	sort.SliceStable(d.all, func(i, j int) bool { return Fold(d.all[i].Name) < Fold(d.all[j].Name) })
	for i, c := range d.all {
		d.byNIS[c.NIS] = i
		for _, pc := range c.PostalCodes {
			d.byPostal[pc] = i
		}
		for _, n := range []string{c.NameDE, c.NameNL, c.NameFR, c.Name} {
			if n != "" {
				d.byName[Fold(n)] = i
			}
		}
	}
	for _, l := range localities {
		if i, ok := d.byNIS[l.NIS]; ok {
			if _, taken := d.byPostal[l.PostalCode]; !taken {
				d.byPostal[l.PostalCode] = i
			}
			if _, taken := d.byName[Fold(l.Name)]; !taken {
				d.byName[Fold(l.Name)] = i
			}
		}
	}
	return d
}

// All returns every commune, sorted by name. The slice must not be modified.
func (d *Directory) All() []Commune { return d.all }

// Len is the number of communes.
func (d *Directory) Len() int { return len(d.all) }

// ByNIS returns the commune with this NIS code.
func (d *Directory) ByNIS(nis string) (Commune, bool) {
	i, ok := d.byNIS[strings.TrimSpace(nis)]
	if !ok {
		return Commune{}, false
	}
	return d.all[i], true
}

// Resolve finds the commune a person or a file means: a NIS code, a postal
// code, or a name (of the commune or one of its localities), in any of the
// three languages, without regard to case, accents or punctuation.
func (d *Directory) Resolve(s string) (Commune, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Commune{}, ErrUnknown
	}
	if i, ok := d.byNIS[s]; ok {
		return d.all[i], nil
	}
	if i, ok := d.byPostal[s]; ok {
		return d.all[i], nil
	}
	if i, ok := d.byName[Fold(s)]; ok {
		return d.all[i], nil
	}
	// "4000 Liège" or "Liège (4000)"
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '(' || r == ')' || r == ',' }) {
		if i, ok := d.byPostal[f]; ok {
			return d.all[i], nil
		}
	}
	return Commune{}, ErrUnknown.With(map[string]any{"Value": s})
}

// Search returns up to limit communes whose name starts with, then contains,
// the query; a postal code or NIS code matches exactly.
func (d *Directory) Search(q string, limit int) []Commune {
	fq := Fold(q)
	if fq == "" {
		return nil
	}
	var starts, contains []Commune
	seen := map[string]bool{}
	if c, err := d.Resolve(q); err == nil {
		starts = append(starts, c)
		seen[c.NIS] = true
	}
	for _, c := range d.all {
		if seen[c.NIS] {
			continue
		}
		names := []string{Fold(c.Name), Fold(c.NameDE), Fold(c.NameNL)}
		switch {
		case hasPrefix(names, fq):
			starts = append(starts, c)
		case hasSubstring(names, fq):
			contains = append(contains, c)
		}
	}
	out := append(starts, contains...)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// Nearest returns the communes within radiusKm of the commune nis, nearest first,
// the commune itself included.
func (d *Directory) Within(nis string, radiusKm float64) []Commune {
	from, ok := d.ByNIS(nis)
	if !ok {
		return nil
	}
	var out []Commune
	for _, c := range d.all {
		if Distance(from, c) <= radiusKm {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return Distance(from, out[i]) < Distance(from, out[j]) })
	return out
}

func hasPrefix(names []string, q string) bool {
	for _, n := range names {
		if strings.HasPrefix(n, q) {
			return true
		}
	}
	return false
}

func hasSubstring(names []string, q string) bool {
	for _, n := range names {
		if strings.Contains(n, q) {
			return true
		}
	}
	return false
}
