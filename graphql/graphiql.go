package graphql

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed assets/*.js assets/*.css assets/index.html assets/LICENSE.*
var assetFS embed.FS

// GraphiQLHandler serves the GraphiQL explorer from files embedded in the
// binary: the page at prefix (e.g. "/graphiql") and its scripts under
// prefix+"/". It queries endpoint (e.g. "/graphql"). Nothing is loaded from
// outside the server.
func GraphiQLHandler(prefix, endpoint string) (http.Handler, error) {
	prefix = "/" + strings.Trim(prefix, "/")
	tpl, err := template.ParseFS(assetFS, "assets/index.html")
	if err != nil {
		return nil, err
	}
	var page bytes.Buffer
	if err := tpl.Execute(&page, struct{ Base, Endpoint string }{prefix, endpoint}); err != nil {
		return nil, err
	}
	index := page.Bytes()
	started := time.Now()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		rest := strings.TrimPrefix(r.URL.Path, prefix)
		if rest == "" || rest == "/" || rest == "/index.html" {
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Cache-Control", "no-cache")
			// GraphiQL styles elements inline; scripts come only from here.
			h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
			h.Set("Referrer-Policy", "no-referrer")
			http.ServeContent(w, r, "index.html", started, bytes.NewReader(index))
			return
		}
		name := path.Base(rest)
		if name == "index.html" || strings.Contains(rest[1:], "/") {
			http.NotFound(w, r)
			return
		}
		b, err := assetFS.ReadFile("assets/" + name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		switch {
		case strings.HasSuffix(name, ".js"):
			h.Set("Content-Type", "text/javascript; charset=utf-8")
		case strings.HasSuffix(name, ".css"):
			h.Set("Content-Type", "text/css; charset=utf-8")
		default:
			h.Set("Content-Type", "text/plain; charset=utf-8")
		}
		h.Set("Cache-Control", "public, max-age=86400")
		http.ServeContent(w, r, name, started, bytes.NewReader(b))
	}), nil
}
