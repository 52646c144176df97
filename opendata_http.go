package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/opendata"
	"github.com/acervo-co/acervo/web"
)

// openData is the daily open-data dump: written once a day into
// dir/<date> (the last seven days kept), its files served under /datos/,
// and its page (web, /datos) told what to list.
type openData struct {
	st     registry.Store
	dir    string
	now    func() time.Time
	log    *slog.Logger
	bogota *time.Location
	mu     sync.Mutex
}

func newOpenData(st registry.Store, dir string, now func() time.Time, log *slog.Logger) *openData {
	bogota, err := time.LoadLocation("America/Bogota")
	if err != nil {
		bogota = time.FixedZone("COT", -5*3600)
	}
	return &openData{st: st, dir: dir, now: now, log: log, bogota: bogota}
}

// today writes today's dump if it is not there yet and returns its
// directory.
func (o *openData) today(ctx context.Context) (string, error) {
	day := o.now().In(o.bogota).Format("2006-01-02")
	path := filepath.Join(o.dir, day)
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, err := os.Stat(filepath.Join(path, "metadatos.json")); err == nil {
		return path, nil
	}
	if _, err := opendata.Write(ctx, o.st, path, o.now()); err != nil {
		return "", err
	}
	// Keep the last seven days.
	if old, err := filepath.Glob(filepath.Join(o.dir, "????-??-??")); err == nil && len(old) > 7 {
		for _, d := range old[:len(old)-7] {
			os.RemoveAll(d)
		}
	}
	return path, nil
}

// page is what the web's /datos page lists.
func (o *openData) page() *web.OpenData {
	var sets []web.OpenDataset
	for _, ds := range opendata.Datasets() {
		sets = append(sets, web.OpenDataset{Name: ds.Name, TitleES: ds.TitleES, TitleEN: ds.TitleEN})
	}
	return &web.OpenData{Datasets: sets, Prepare: func(ctx context.Context) (string, error) {
		path, err := o.today(ctx)
		return filepath.Base(path), err
	}}
}

// ServeHTTP serves the files of today's dump under /datos/ (/datos/ itself
// leads to the page).
func (o *openData) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "método no permitido", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/datos/")
	if name == "" {
		http.Redirect(w, r, "/datos", http.StatusMovedPermanently)
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
	path, err := o.today(r.Context())
	if err != nil {
		o.log.Error("open data dump", "err", err)
		http.Error(w, "no se pudo generar el volcado de datos abiertos", http.StatusInternalServerError)
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
}
