package search

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/sqlite"
)

// BenchmarkAssetSearchScale times asset searches over the data directory of
// graphql/bench (ACERVO_BENCH_DATA, e.g. /tmp/acervo-bench); skipped
// without it.
func BenchmarkAssetSearchScale(b *testing.B) {
	dir := os.Getenv("ACERVO_BENCH_DATA")
	if dir == "" {
		b.Skip("ACERVO_BENCH_DATA names a graphql/bench data directory")
	}
	st, err := sqlite.Open(b.Context(), dir)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ix, err := Open(b.Context(), st, Options{Dir: filepath.Join(dir, "search")})
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	words := []string{"gestión documental", "expedientes", "contratación", "notificaciones", "salud", "educación", "tributario",
		"catastro", "nómina", "ciudadano", "trámites", "interoperabilidad", "archivo", "presupuesto", "inventarios",
		"geográfico", "transparencia", "peticiones", "movilidad", "licencias", "datos abiertos", "firma electrónica"}
	for _, c := range []struct {
		name      string
		facets    int
		highlight bool
		text      bool
	}{{"text", 0, false, true}, {"text+facets", 10, false, true}, {"text+facets+highlight", 10, true, true}, {"browse+facets", 10, false, false}} {
		b.Run(c.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				q := AssetQuery{FacetSize: c.facets, Highlight: c.highlight, Page: registry.Page{First: 20, WantTotal: true}}
				if c.text {
					// Each search new (trailing stop words): the kept
					// searches and facets would answer repeated ones.
					q.Text = words[i%len(words)] + strings.Repeat(" de", i/len(words))
				} else {
					q.Category = []string{"", "health", "gis"}[i%3]
				}
				i++
				r, err := ix.SearchAssets(b.Context(), q)
				if err != nil {
					b.Fatal(err)
				}
				_ = r
			}
		})
	}
}
