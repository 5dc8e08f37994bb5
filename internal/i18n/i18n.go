//go:generate go run gen.go

// Package i18n holds Vitrine's translation catalogue (French first, then
// German, Dutch and English) and formats dates, numbers and money for each
// language. Catalogue files are per domain and language:
// locales/DOMAIN.LANG.json, a flat object of message keys; a plural message
// is an object with "one" and "other".
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var locales embed.FS

// Langs are the supported languages, the default first.
var Langs = []string{"fr", "de", "nl", "en"}

// Default is the language used when nothing else is asked for.
const Default = "fr"

var tags = []language.Tag{language.French, language.German, language.Dutch, language.English}

var matcher = language.NewMatcher(tags)

// Catalog is the loaded translation catalogue.
type Catalog struct {
	bundle *goi18n.Bundle
	keys   map[string]map[string]bool // lang → keys

	mu      sync.Mutex
	missing map[string]bool // keys asked for but absent, for tests

	localizers sync.Map // lang → *Localizer: building one parses language tags

	fast map[string]map[string]fastEntry // lang → key → message T renders without go-i18n
}

// Load reads the embedded catalogue.
func Load() (*Catalog, error) { return LoadFS(locales, "locales") }

// LoadFS reads catalogue files from dir of fsys.
func LoadFS(fsys fs.FS, dir string) (*Catalog, error) {
	c := &Catalog{bundle: goi18n.NewBundle(language.French), keys: map[string]map[string]bool{}, missing: map[string]bool{}}
	c.bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	files, err := fs.Glob(fsys, dir+"/*.json")
	if err != nil {
		return nil, err
	}
	byTag := map[language.Tag]map[string]*compiled{} // messages for the fast path, see fast.go
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		mf, err := c.bundle.ParseMessageFileBytes(b, path.Base(f))
		if err != nil {
			return nil, fmt.Errorf("catalogue %s: %w", f, err)
		}
		lang := mf.Tag.String()
		if c.keys[lang] == nil {
			c.keys[lang] = map[string]bool{}
		}
		for _, m := range mf.Messages {
			if c.keys[lang][m.ID] {
				return nil, fmt.Errorf("catalogue %s: key %q defined twice", f, m.ID)
			}
			c.keys[lang][m.ID] = true
		}
		if byTag[mf.Tag] == nil {
			byTag[mf.Tag] = map[string]*compiled{}
		}
		for id, cm := range fastMessages(mf.Messages) {
			byTag[mf.Tag][id] = cm
		}
	}
	c.fast = map[string]map[string]fastEntry{}
	for _, lang := range Langs {
		c.fast[lang] = fastTable(byTag, resolveTag(c.bundle, lang), language.French)
	}
	return c, nil
}

// MustLoad is Load for program start: the catalogue is part of the binary.
func MustLoad() *Catalog {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

// Keys returns the keys defined for lang, sorted.
func (c *Catalog) Keys(lang string) []string {
	var out []string
	for k := range c.keys[lang] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Has reports whether key exists in lang.
func (c *Catalog) Has(lang, key string) bool { return c.keys[lang][key] }

// Missing returns the keys asked for since start that exist in no language.
func (c *Catalog) Missing() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for k := range c.missing {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Match picks a supported language from an Accept-Language header.
func Match(acceptLanguage string) string {
	prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(prefs) == 0 {
		return Default
	}
	_, i, conf := matcher.Match(prefs...)
	if conf == language.No {
		return Default
	}
	return Langs[i]
}

// Supported reports whether lang is one of Langs.
func Supported(lang string) bool {
	for _, l := range Langs {
		if l == lang {
			return true
		}
	}
	return false
}

// Localizer translates into one language.
type Localizer struct {
	Lang  string
	c     *Catalog
	l     *goi18n.Localizer
	table map[string]fastEntry // messages T renders itself, see fast.go
}

// For returns a localizer for lang (the default language when unsupported).
func (c *Catalog) For(lang string) *Localizer {
	if !Supported(lang) {
		lang = Default
	}
	if l, ok := c.localizers.Load(lang); ok {
		return l.(*Localizer)
	}
	l, _ := c.localizers.LoadOrStore(lang, &Localizer{Lang: lang, c: c, l: goi18n.NewLocalizer(c.bundle, lang, Default), table: c.fast[lang]})
	return l.(*Localizer)
}

// T translates key. args are either one map[string]any or pairs of name and
// value: T("seats", "Count", 3). A missing key is shown as itself and
// remembered (see Catalog.Missing).
func (l *Localizer) T(key string, args ...any) string {
	if s, ok := l.fast(key, args); ok {
		return s
	}
	return l.localize(key, nil, args)
}

// N translates a plural message for count; Count is also passed to the text.
func (l *Localizer) N(key string, count int, args ...any) string {
	return l.localize(key, count, append(args, "Count", count))
}

func (l *Localizer) localize(key string, count any, args []any) string {
	data := map[string]any{}
	if len(args) == 1 {
		if m, ok := args[0].(map[string]any); ok {
			data = m
		}
	} else {
		for i := 0; i+1 < len(args); i += 2 {
			if name, ok := args[i].(string); ok {
				data[name] = args[i+1]
			}
		}
	}
	s, err := l.l.Localize(&goi18n.LocalizeConfig{MessageID: key, TemplateData: data, PluralCount: count})
	if err != nil && s == "" {
		l.c.mu.Lock()
		l.c.missing[key] = true
		l.c.mu.Unlock()
		return key
	}
	return s
}

// Join lists items in plain language: "a, b et c".
func (l *Localizer) Join(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + l.T("common.and") + " " + items[len(items)-1]
}
