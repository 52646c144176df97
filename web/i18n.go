package web

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Languages the interface speaks; the first is the default.
var languages = []string{"es", "en"}

// catalog is one language's messages by key.
type catalog map[string]string

// loadCatalogs reads i18n/<lang>.json for every language.
func loadCatalogs(fsys fs.FS) (map[string]catalog, error) {
	out := map[string]catalog{}
	for _, lang := range languages {
		b, err := fs.ReadFile(fsys, "i18n/"+lang+".json")
		if err != nil {
			return nil, err
		}
		var c catalog
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("web: i18n/%s.json: %w", lang, err)
		}
		out[lang] = c
	}
	return out, nil
}

// missingKeys lists the keys of a that b lacks.
func missingKeys(a, b catalog) []string {
	var out []string
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// tr translates key; args replace {0}, {1}… in order. A missing key shows
// itself between brackets, so it cannot go unnoticed.
func (c catalog) tr(key string, args ...any) string {
	s, ok := c[key]
	if !ok {
		return "[" + key + "]"
	}
	return fill(s, 0, args)
}

// fill replaces {from}, {from+1}… in s with args in order.
func fill(s string, from int, args []any) string {
	for i, a := range args {
		s = strings.ReplaceAll(s, "{"+strconv.Itoa(from+i)+"}", fmt.Sprint(a))
	}
	return s
}

// trn translates a message that depends on a count n: its forms are
// separated by "|", "one|other" or "zero|one|other", and {0} is n written
// with the language's thousands separator (further args are {1}, {2}…).
// A message without "|" is used for every n.
func (c catalog) trn(lang, key string, n any, args ...any) string {
	s, ok := c[key]
	if !ok {
		return "[" + key + "]"
	}
	k := toInt64(n)
	forms := strings.Split(s, "|")
	switch {
	case len(forms) == 3 && k == 0:
		s = forms[0]
	case len(forms) >= 2 && (k == 1 || k == -1):
		s = forms[len(forms)-2]
	default:
		s = forms[len(forms)-1]
	}
	return fill(strings.ReplaceAll(s, "{0}", formatInt(lang, k)), 1, args)
}

// langFrom picks the language: ?lang= first, then the cookie, then es.
func langFrom(r *http.Request) (lang string, fromQuery bool) {
	if q := r.URL.Query().Get("lang"); q != "" {
		for _, l := range languages {
			if q == l {
				return l, true
			}
		}
	}
	if c, err := r.Cookie("acervo_lang"); err == nil {
		for _, l := range languages {
			if c.Value == l {
				return l, false
			}
		}
	}
	return languages[0], false
}

// htmlLang is the value of <html lang>.
func htmlLang(lang string) string {
	if lang == "es" {
		return "es-CO"
	}
	return lang
}

// formatInt writes n with the thousands separator of the language
// (es-CO: 1.234.567; en: 1,234,567).
func formatInt(lang string, n int64) string {
	sep := "."
	if lang == "en" {
		sep = ","
	}
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// formatPesos writes a value in Colombian pesos: "$ 1.234.567".
func formatPesos(lang string, n int64) string { return "$ " + formatInt(lang, n) }

// bogotaLocation is America/Bogota (UTC−5 all year, no daylight saving,
// when the zone database is missing).
func bogotaLocation() *time.Location {
	loc, err := time.LoadLocation("America/Bogota")
	if err != nil {
		return time.FixedZone("COT", -5*3600)
	}
	return loc
}

// formatDate writes a date in Bogotá time as "2 ene. 2024" / "2 Jan 2024".
func formatDate(c catalog, loc *time.Location, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	t = t.In(loc)
	return fmt.Sprintf("%d %s %d", t.Day(), c.tr("mes."+strconv.Itoa(int(t.Month()))), t.Year())
}
