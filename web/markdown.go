package web

import (
	"bytes"
	"html/template"
	"regexp"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// readmeRenderer turns a repository's README (untrusted Markdown) into safe
// HTML: goldmark renders it (raw HTML left out), bluemonday keeps only
// text-structure tags (no images: they would load third-party content; no
// attributes but links, list starts and code languages), links get
// rel="nofollow noreferrer".
// Results are kept for the last readmeCacheSize READMEs.
type readmeRenderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy

	mu    sync.Mutex
	cache map[string]template.HTML
	order []string
}

const readmeCacheSize = 256

func newReadmeRenderer() *readmeRenderer {
	p := bluemonday.NewPolicy()
	p.AllowStandardURLs()
	p.AllowAttrs("href").OnElements("a")
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AllowElements("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
		"em", "strong", "del", "s", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td",
		"dl", "dt", "dd", "sup", "sub", "kbd", "details", "summary")
	p.AllowAttrs("start").Matching(regexp.MustCompile(`^[0-9]{1,6}$`)).OnElements("ol")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[A-Za-z0-9_+-]{1,30}$`)).OnElements("code")
	return &readmeRenderer{
		md:     goldmark.New(goldmark.WithExtensions(extension.GFM)),
		policy: p,
		cache:  map[string]template.HTML{},
	}
}

// render returns the safe HTML of src; key identifies the version of src
// (asset id and update time).
func (r *readmeRenderer) render(key, src string) template.HTML {
	if src == "" {
		return ""
	}
	r.mu.Lock()
	if h, ok := r.cache[key]; ok {
		r.mu.Unlock()
		return h
	}
	r.mu.Unlock()
	var buf bytes.Buffer
	if err := r.md.Convert([]byte(src), &buf); err != nil {
		buf.Reset()
		template.HTMLEscape(&buf, []byte(src))
	}
	// Shift headings down two levels: the page has its own h1 and h2.
	out := r.policy.SanitizeBytes(buf.Bytes())
	h := template.HTML(demoteHeadings(out)) // sanitised by bluemonday just above
	r.mu.Lock()
	if _, ok := r.cache[key]; !ok {
		r.cache[key] = h
		r.order = append(r.order, key)
		if len(r.order) > readmeCacheSize {
			delete(r.cache, r.order[0])
			r.order = r.order[1:]
		}
	}
	r.mu.Unlock()
	return h
}

// demoteHeadings turns <h1>…<h4> into <h3>…<h6> so the README's headings
// sit under the page's section heading.
func demoteHeadings(b []byte) string {
	for _, n := range []string{"4", "3", "2", "1"} {
		to := string('0' + (n[0] - '0') + 2)
		b = bytes.ReplaceAll(b, []byte("<h"+n), []byte("<h"+to))
		b = bytes.ReplaceAll(b, []byte("</h"+n+">"), []byte("</h"+to+">"))
	}
	return string(b)
}
