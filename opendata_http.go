package main

import (
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/opendata"
)

// openDataHandler publishes the daily open-data dump at /datos: an index
// page (Spanish, with the English names) and the files. The dump of the
// day is written once into dir/<date> and served from there.
func openDataHandler(st registry.Store, dir string, now func() time.Time, log *slog.Logger) http.Handler {
	var mu sync.Mutex
	bogota, _ := time.LoadLocation("America/Bogota")
	today := func(ctx context.Context) (string, error) {
		day := now().In(bogota).Format("2006-01-02")
		path := filepath.Join(dir, day)
		mu.Lock()
		defer mu.Unlock()
		if _, err := os.Stat(filepath.Join(path, "metadatos.json")); err == nil {
			return path, nil
		}
		if _, err := opendata.Write(ctx, st, path, now()); err != nil {
			return "", err
		}
		// Keep the last seven days.
		if old, err := filepath.Glob(filepath.Join(dir, "????-??-??")); err == nil && len(old) > 7 {
			for _, o := range old[:len(old)-7] {
				os.RemoveAll(o)
			}
		}
		return path, nil
	}
	index := template.Must(template.New("datos").Parse(datosPage))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "método no permitido", http.StatusMethodNotAllowed)
			return
		}
		path, err := today(r.Context())
		if err != nil {
			log.Error("open data dump", "err", err)
			http.Error(w, "no se pudo generar el volcado de datos abiertos", http.StatusInternalServerError)
			return
		}
		name := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/datos"), "/")
		if name == "" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			var files []map[string]string
			for _, ds := range opendata.Datasets() {
				files = append(files, map[string]string{"Name": ds.Name, "ES": ds.TitleES, "EN": ds.TitleEN})
			}
			index.Execute(w, map[string]any{"Day": filepath.Base(path), "Files": files})
			return
		}
		if strings.Contains(name, "/") || strings.HasPrefix(name, ".") {
			http.NotFound(w, r)
			return
		}
		switch filepath.Ext(name) {
		case ".csv":
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		case ".json":
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
		default:
			http.NotFound(w, r)
			return
		}
		f, err := os.Open(filepath.Join(path, name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", "acervo_"+filepath.Base(path)+"_"+name))
		fi, _ := f.Stat()
		http.ServeContent(w, r, name, fi.ModTime(), f)
	})
}

const datosPage = `<!doctype html>
<html lang="es-CO"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Datos abiertos de Acervo</title></head>
<body style="font-family: sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5">
<p><a href="/">Acervo</a></p>
<h1>Datos abiertos <span lang="en">/ Open data</span></h1>
<p>Volcado diario del {{.Day}}: activos de software, versiones, adopciones verificadas y compras enlazadas a
software, en CSV y JSON (una línea por registro), con su diccionario de datos en español e inglés. No contiene
datos personales. Licencia CC BY-SA 4.0.</p>
<p lang="en">Daily dump: software assets, versions, verified adoptions and purchases linked to software, as CSV and
JSON lines, with a Spanish and English data dictionary. No personal data.</p>
<table>
<thead><tr><th scope="col">Conjunto</th><th scope="col">Dataset</th><th scope="col">Archivos</th></tr></thead>
<tbody>
{{range .Files}}<tr><td>{{.ES}}</td><td lang="en">{{.EN}}</td><td><a href="/datos/{{.Name}}.csv">{{.Name}}.csv</a> · <a href="/datos/{{.Name}}.json">{{.Name}}.json</a></td></tr>
{{end}}</tbody></table>
<p><a href="/datos/diccionario.csv">Diccionario de datos / Data dictionary (CSV)</a> ·
<a href="/datos/metadatos.json">Metadatos / Metadata (JSON)</a></p>
</body></html>
`
