package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// pageTemplate is one page's template set (layout + page).
type pageTemplate struct {
	t     *template.Template
	print bool // has a printable layout
}

// crumb is one step of the breadcrumb.
type crumb struct {
	Label string
	URL   string
}

// view is what every template receives.
type view struct {
	Lang      string
	HTMLLang  string
	Title     string
	Nav       string
	Crumbs    []crumb
	Actor     registry.Actor
	SignedIn  bool
	IsAdmin   bool
	Officer   bool // holds a role in at least one entity, or admin
	Path      string
	LangURL   string
	OtherLang string
	Contrast  bool
	FontScale int
	StaticV   string
	Print     bool
	PrintURL  string
	Notice    string // a one-line confirmation at the top of the page
	Errors    []registry.FieldError
	OIDC      bool
	OIDCLabel string
	Data      any
}

// templateFuncs are the functions of the templates for one language.
func (s *server) templateFuncs(lang string) template.FuncMap {
	c := s.cats[lang]
	return template.FuncMap{
		"t":     c.tr,
		"tn":    func(key string, n any, args ...any) string { return c.trn(lang, key, n, args...) },
		"num":   func(n any) string { return formatInt(lang, toInt64(n)) },
		"pesos": func(n any) string { return formatPesos(lang, toInt64(n)) },
		// nocontract: a record whose process never became a contract or
		// order, listed but left out of every total.
		"nocontract": registry.NoContract,
		"date": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				return formatDate(c, s.loc, v)
			case *time.Time:
				if v == nil {
					return "—"
				}
				return formatDate(c, s.loc, *v)
			}
			return "—"
		},
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.In(s.loc).Format("2006-01-02 15:04")
		},
		"pct": func(a, b any) string {
			x, y := toInt64(a), toInt64(b)
			if y == 0 {
				return "0 %"
			}
			return strconv.FormatInt((x*100+y/2)/y, 10) + " %"
		},
		"add":  func(a, b int) int { return a + b },
		"desc": func(a registry.Asset) registry.Description { return describe(a, lang) },
		"lbl": func(prefix, v string) string {
			if v == "" {
				return "—"
			}
			k := prefix + "." + strings.ToLower(v)
			if s, ok := c[k]; ok {
				return s
			}
			return v
		},
		"join": strings.Join,
		"dept": func(code string) string {
			if n, ok := s.geo.names[code]; ok {
				return n
			}
			if code == "" {
				return "—"
			}
			return code
		},
	}
}

func toInt64(v any) int64 {
	switch n := v.(type) {
	case int:
		return int64(n)
	case int64:
		return n
	case int32:
		return int64(n)
	case float64:
		return int64(n)
	}
	return 0
}

// describe picks the description in lang, falling back to Spanish, then any.
func describe(a registry.Asset, lang string) registry.Description {
	if d, ok := a.Descriptions[lang]; ok && d.ShortDescription != "" {
		return d
	}
	if d, ok := a.Descriptions["es"]; ok {
		return d
	}
	keys := make([]string, 0, len(a.Descriptions))
	for k := range a.Descriptions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		return a.Descriptions[keys[0]]
	}
	return registry.Description{}
}

// parseTemplates parses layout + each page, once per language.
func (s *server) parseTemplates() (map[string]map[string]*pageTemplate, error) {
	names, err := fs.Glob(embedded, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]*pageTemplate{}
	for _, lang := range languages {
		out[lang] = map[string]*pageTemplate{}
		base, err := template.New("layout").Funcs(s.templateFuncs(lang)).ParseFS(embedded, "templates/_*.html")
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			name := strings.TrimSuffix(path.Base(n), ".html")
			if strings.HasPrefix(name, "_") {
				continue
			}
			t, err := base.Clone()
			if err != nil {
				return nil, err
			}
			if _, err := t.ParseFS(embedded, n); err != nil {
				return nil, err
			}
			out[lang][name] = &pageTemplate{t: t}
		}
	}
	return out, nil
}

// newView makes the common part of a page's view.
func (s *server) newView(r *http.Request, title, nav string, crumbs ...crumb) *view {
	lang := langOf(r)
	a := registry.ActorFrom(r.Context())
	v := &view{
		Lang: lang, HTMLLang: htmlLang(lang), Title: title, Nav: nav, Crumbs: crumbs,
		Actor: a, SignedIn: !a.Anonymous(), IsAdmin: a.IsAdmin(), StaticV: s.staticV,
		Path: r.URL.RequestURI(), Print: r.URL.Query().Get("vista") == "imprimir",
		OIDC: s.oidc != nil,
	}
	v.Officer = v.IsAdmin || len(a.Grants) > 0
	if s.oidc != nil {
		v.OIDCLabel = s.oidc.cfg.Label
	}
	other := "en"
	if lang == "en" {
		other = "es"
	}
	v.OtherLang = other
	q := r.URL.Query()
	q.Set("lang", other)
	v.LangURL = r.URL.Path + "?" + q.Encode()
	pq := r.URL.Query()
	pq.Set("vista", "imprimir")
	v.PrintURL = r.URL.Path + "?" + pq.Encode()
	if c, err := r.Cookie(cookieContrast); err == nil && c.Value == "1" {
		v.Contrast = true
	}
	if c, err := r.Cookie(cookieFont); err == nil {
		if n, err := strconv.Atoi(c.Value); err == nil && n >= -2 && n <= 4 {
			v.FontScale = n
		}
	}
	if n := r.URL.Query().Get("hecho"); n != "" {
		v.Notice = "hecho." + n
	}
	return v
}

// tr translates a key in the request's language.
func (s *server) tr(r *http.Request, key string, args ...any) string {
	return s.cats[langOf(r)].tr(key, args...)
}

// render writes a page with status code.
func (s *server) render(w http.ResponseWriter, r *http.Request, code int, name string, v *view) {
	pt, ok := s.pages[v.Lang][name]
	if !ok {
		http.Error(w, "no template "+name, http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := pt.t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.log.Error("web: rendering", "page", name, "err", err)
		http.Error(w, "500 internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", v.HTMLLang)
	h.Set("Vary", "Cookie")
	if v.SignedIn {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// renderError writes the error page with a message key.
func (s *server) renderError(w http.ResponseWriter, r *http.Request, code int, key string) {
	v := s.newView(r, s.tr(r, key+".title"), "", crumb{Label: s.tr(r, key+".title")})
	v.Data = struct {
		Code int
		Key  string
	}{code, key}
	s.render(w, r, code, "error", v)
}

// staticHandler serves the embedded assets; versioned URLs are cached for
// a year.
func (s *server) staticHandler() http.Handler {
	fsrv := http.FileServerFS(s.staticFS)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") || r.URL.Path == "" {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("v") == s.staticV {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=3600")
		}
		fsrv.ServeHTTP(w, r)
	})
}

// hashFS is a short hash of every file of fsys, for cache-busting URLs.
func hashFS(fsys fs.FS) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		h.Write([]byte(p))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12], err
}

// langOf is the request's language (set by withSession).
func langOf(r *http.Request) string {
	if l, ok := r.Context().Value(langKey{}).(string); ok {
		return l
	}
	l, _ := langFrom(r)
	return l
}

type langKey struct{}
