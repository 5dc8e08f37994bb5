package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"

	"vitrine/internal/i18n"
	"vitrine/internal/staff"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// assets serves the embedded static files under hashed URLs, so they can be
// cached for a year.
type assets struct {
	hash  map[string]string // file → content hash
	files fs.FS
}

func loadAssets() (*assets, error) {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	a := &assets{hash: map[string]string{}, files: sub}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.hash[p] = hex.EncodeToString(sum[:5])
		return nil
	})
	return a, err
}

// url returns the hashed address of a static file.
func (a *assets) url(name string) string {
	h, ok := a.hash[name]
	if !ok {
		panic("unknown asset " + name)
	}
	return "/static/" + h + "/" + name
}

func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	h, ok := a.hash[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.PathValue("hash") != h {
		http.Redirect(w, r, a.url(name), http.StatusFound)
		return
	}
	b, err := fs.ReadFile(a.files, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(b)
}

// templates holds one parsed template set per page: the layout and partials
// plus the page's own file.
type templates struct {
	pages map[string]*template.Template
}

var funcs = template.FuncMap{
	"add":  func(a, b int) int { return a + b },
	"list": func(v ...string) []string { return v },
	"pct": func(n, total int) int {
		if total <= 0 {
			return 0
		}
		return n * 100 / total
	},
	"json": func(v any) (template.JS, error) {
		b, err := json.Marshal(v)
		return template.JS(b), err
	},
	"signed": signed,
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
}

func parseTemplates(a *assets) (*templates, error) {
	f := template.FuncMap{"asset": a.url}
	for k, v := range funcs {
		f[k] = v
	}
	base, err := template.New("base").Funcs(f).ParseFS(templateFS, "templates/layout/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	pages, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	t := &templates{pages: map[string]*template.Template{}}
	for _, p := range pages {
		name := strings.TrimSuffix(path.Base(p), ".html")
		clone, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := clone.ParseFS(templateFS, p); err != nil {
			return nil, fmt.Errorf("parse %s: %w", p, err)
		}
		t.pages[name] = clone
	}
	return t, nil
}

// Page is what every page's view carries: the language, the signed-in
// account, the title. Views embed it, so templates call {{.T "key"}}.
type Page struct {
	L       *i18n.Localizer
	Lang    string
	Title   string
	Path    string // the current path and query, for the language links
	User    *staff.User
	Flash   string
	Demo    bool
	Version string
	NoIndex bool
}

// T translates a key (see i18n.Localizer.T).
func (p Page) T(key string, args ...any) string { return p.L.T(key, args...) }

// N translates a plural message.
func (p Page) N(key string, count int, args ...any) string { return p.L.N(key, count, args...) }

// Can reports whether the signed-in account may do perm.
func (p Page) Can(perm string) bool { return p.User != nil && p.User.Can(staff.Permission(perm)) }

// LangLink returns the current page in another language.
func (p Page) LangLink(lang string) string {
	u := p.Path
	if i := strings.IndexByte(u, '?'); i >= 0 {
		q := u[i+1:]
		u = u[:i]
		var keep []string
		for _, part := range strings.Split(q, "&") {
			if part != "" && !strings.HasPrefix(part, "lang=") {
				keep = append(keep, part)
			}
		}
		if len(keep) > 0 {
			return u + "?" + strings.Join(keep, "&") + "&lang=" + lang
		}
	}
	return u + "?lang=" + lang
}

// LangName is a language's name in itself.
func (p Page) LangName(lang string) string {
	return map[string]string{"fr": "Français", "de": "Deutsch", "nl": "Nederlands", "en": "English"}[lang]
}

// Langs lists the languages for the switcher.
func (p Page) Langs() []string { return i18n.Langs }

// page builds the common part of a view.
func (s *Server) page(r *http.Request, title string) Page {
	l := s.localizer(r)
	p := Page{L: l, Lang: l.Lang, Title: title, Path: r.URL.RequestURI(), Demo: s.cfg.Demo, Version: s.cfg.Version}
	if u, ok := userFrom(r.Context()); ok {
		p.User = &u
		p.NoIndex = true
	}
	if hasSession(r.Context()) && s.sessions.Exists(r.Context(), "flash") {
		p.Flash = s.sessions.PopString(r.Context(), "flash")
	}
	return p
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render writes a page with status 200.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, view any) error {
	return s.renderStatus(w, r, http.StatusOK, name, view)
}

// renderStatus executes the page into a buffer first, so a template error
// never sends half a page.
func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, name string, view any) error {
	t, ok := s.tmpl.pages[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := t.ExecuteTemplate(buf, "layout", view); err != nil {
		s.log.Error("render", "template", name, "err", err)
		if name != "error" {
			http.Error(w, "Internal error", http.StatusInternalServerError)
		}
		return nil
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
	return nil
}

// renderFragment writes one named template of a page alone, without the
// layout: a part of the page that a script refreshes.
func (s *Server) renderFragment(w http.ResponseWriter, page, name string, view any) error {
	t, ok := s.tmpl.pages[page]
	if !ok {
		return fmt.Errorf("no template %q", page)
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := t.ExecuteTemplate(buf, name, view); err != nil {
		return fmt.Errorf("render %s/%s: %w", page, name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
	return nil
}

// writeJSON answers v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	writeJSONBytes(w, status, append(b, '\n'))
	return nil
}

// writeJSONBytes answers b, JSON already encoded and ending with a newline
// as writeJSON's does.
func writeJSONBytes(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	// A length, so a large answer goes out in one piece rather than chunked.
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// decodeJSON reads a JSON body strictly: unknown fields and trailing data are errors.
func decodeJSON(r *http.Request, v any) error {
	return decodeJSONFrom(r.Body, v)
}

// decodeJSONFrom is decodeJSON from any reader.
func decodeJSONFrom(body io.Reader, v any) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errAs(err, &mbe) {
			return errTooLarge.Wrap(err)
		}
		return errBadJSON.With(map[string]any{"Reason": jsonReason(err)}).Wrap(err)
	}
	if dec.More() {
		return errBadJSON.With(map[string]any{"Reason": "trailing data"})
	}
	return nil
}
