package search

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"

	"github.com/acervo-co/acervo/registry"
)

// referenceFacets counts q's facets with bleve's own facet builder, over
// the index's current state.
func referenceFacets(t *testing.T, ix *Index, q AssetQuery) ([]Facet, uint64) {
	t.Helper()
	ix.imu.RLock()
	defer ix.imu.RUnlock()
	idx := ix.idx.assets
	req := bleve.NewSearchRequestOptions(ix.assetQuery(q, strings.TrimSpace(q.Text) != "", nil)(idx), 1, 0, false)
	for _, f := range assetFacetFields {
		req.AddFacet(f, bleve.NewFacetRequest(f, q.FacetSize))
	}
	res, err := idx.Search(req)
	if err != nil {
		t.Fatal(err)
	}
	return bleveFacets(res), res.Total
}

// TestFacetsMatchBleve: the facet tables count what bleve's facet builder
// counts (values, ties, Other, Missing), on disk and in memory, as assets
// are added, changed, deactivated and deleted and adoptions come and go,
// through several segments; the counts kept between searches never
// outlive a change.
func TestFacetsMatchBleve(t *testing.T) {
	for _, mode := range []string{"disk", "memory"} {
		t.Run(mode, func(t *testing.T) {
			st := openStore(t)
			ctx := t.Context()
			licenses := []string{"MIT", "GPL-3.0-only", "Apache-2.0", ""}
			cats := []string{"gis", "health", "finance", "education"}
			depts := []string{"05", "11", "13", "76"}
			for i := 0; i < 8; i++ {
				nit := fmt.Sprintf("80000000%d", i)
				e := registry.Entity{ID: fmt.Sprintf("e%d", i), NIT: nit, CheckDigit: registry.NITCheckDigit(nit), Name: fmt.Sprintf("Entidad %d", i),
					DepartmentCode: depts[i%len(depts)], CreatedAt: t0, UpdatedAt: t0}
				if err := st.Entities().Create(ctx, &e, ev()); err != nil {
					t.Fatal(err)
				}
			}
			mk := func(i int) {
				topic := []string{"gestión documental", "archivo digital", "nómina", "catastro"}[i%4]
				a := registry.Asset{ID: fmt.Sprintf("a%02d", i), Kind: []registry.AssetKind{registry.AssetPublic, registry.AssetCommercial}[i%5/4],
					Slug: fmt.Sprintf("activo-%02d", i), Name: fmt.Sprintf("Sistema de %s %d", topic, i), RepositoryURL: fmt.Sprintf("https://example.org/%d", i),
					License: licenses[i%len(licenses)], Categories: []string{cats[i%len(cats)], cats[i/3%len(cats)]}, DevelopmentStatus: "stable",
					PublisherNIT: fmt.Sprintf("80000000%d", i%3), Active: i%7 != 0, CreatedAt: t0, UpdatedAt: t0,
					Languages:    []registry.LanguageShare{{Name: []string{"Go", "Java", "PHP"}[i%3], Share: 1}},
					Descriptions: map[string]registry.Description{"es": {ShortDescription: topic}}}
				if i%6 == 5 {
					a.Languages = nil // Missing counts
				}
				if err := st.Assets().Create(ctx, &a, ev()); err != nil {
					t.Fatal(err)
				}
			}
			adopt := func(j, asset, entity int, status string) {
				ad := registry.Adoption{ID: fmt.Sprintf("ad%03d", j), EntityNIT: fmt.Sprintf("80000000%d", entity), AssetID: fmt.Sprintf("a%02d", asset),
					ReleaseTag: "v1.0.0", Status: status, Verification: registry.VerificationSelfDeclared, CreatedAt: t0, UpdatedAt: t0}
				if err := st.Adoptions().Create(ctx, &ad, ev()); err != nil {
					t.Fatal(err)
				}
			}
			for i := 0; i < 30; i++ {
				mk(i)
			}
			for j := 0; j < 40; j++ {
				adopt(j, j*7%30, j%8, registry.AdoptionProduction)
			}
			dir := ""
			if mode == "disk" {
				dir = filepath.Join(t.TempDir(), "search")
			}
			ix, err := Open(ctx, st, Options{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			active := true
			queries := []AssetQuery{
				{FacetSize: 10},
				{FacetSize: 2},
				{FacetSize: 1, Active: &active},
				{FacetSize: 3, Text: "gestión"},
				{FacetSize: 5, Text: "archivo digital"},
				{FacetSize: 5, Text: "nomina"}, // accents folded
				{FacetSize: 4, Category: "gis"},
				{FacetSize: 4, Department: "11"},
				{FacetSize: 4, Text: "catastro", License: "MIT"},
				{FacetSize: 3, Text: "nada parecido"},
			}
			check := func(phase string) {
				t.Helper()
				for _, q := range queries {
					q.Page = registry.Page{First: 3}
					for range 2 { // the second search may come from the cache
						res, err := ix.SearchAssets(ctx, q)
						if err != nil {
							t.Fatal(err)
						}
						want, total := referenceFacets(t, ix, q)
						if !reflect.DeepEqual(res.Facets, want) {
							t.Fatalf("%s: %+v:\n got %+v\nwant %+v", phase, q, res.Facets, want)
						}
						if res.Total != int64(total) {
							t.Fatalf("%s: %+v: total %d, want %d", phase, q, res.Total, total)
						}
					}
				}
			}
			defer func() {
				if n := ix.facetFallbacks.Load(); n != 0 {
					t.Errorf("%d searches counted their facets with bleve's facet builder", n)
				}
			}()
			check("built")
			// Changes, each caught up on its own (a segment each).
			for i := 30; i < 36; i++ {
				mk(i)
			}
			if _, err := ix.CatchUp(ctx); err != nil {
				t.Fatal(err)
			}
			check("added")
			for _, id := range []string{"a01", "a04", "a09", "a33"} {
				a, err := st.Assets().Get(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				a.License, a.Categories, a.Active = "EUPL-1.2", []string{"gis"}, !a.Active
				if err := st.Assets().Update(ctx, &a, ev()); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := ix.CatchUp(ctx); err != nil {
				t.Fatal(err)
			}
			check("updated")
			for _, id := range []string{"a02", "a08"} {
				a, err := st.Assets().Get(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if err := st.Assets().Delete(ctx, id, a.Rev, ev()); err != nil {
					t.Fatal(err)
				}
			}
			adopt(100, 3, 2, registry.AdoptionProduction)
			adopt(101, 3, 5, registry.AdoptionRetired)
			ad, err := st.Adoptions().Get(ctx, "ad000")
			if err != nil {
				t.Fatal(err)
			}
			if err := st.Adoptions().Delete(ctx, ad.ID, ad.Rev, ev()); err != nil {
				t.Fatal(err)
			}
			if _, err := ix.CatchUp(ctx); err != nil {
				t.Fatal(err)
			}
			check("deleted")
			if err := ix.Rebuild(ctx); err != nil {
				t.Fatal(err)
			}
			check("rebuilt")
		})
	}
}

// TestTextFacetsFollowChanges: the hits and facets of a text search, kept
// between searches, change when a matching asset is added or changed.
func TestTextFacetsFollowChanges(t *testing.T) {
	st := openStore(t)
	ctx := t.Context()
	a1 := addAsset(t, st, "a1", "Orfeo", "gestión documental", "x")
	ix, err := Open(ctx, st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	count := func(field, value string) int {
		t.Helper()
		res, err := ix.SearchAssets(ctx, AssetQuery{Text: "gestión", Page: registry.Page{First: 1}, FacetSize: 5})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Facets {
			if f.Field == field {
				for _, v := range f.Values {
					if v.Value == value {
						return v.Count
					}
				}
			}
		}
		return 0
	}
	if count("categories", "x") != 1 || count("categories", "x") != 1 {
		t.Fatal("facets before the change")
	}
	q := AssetQuery{Text: "gestión", Highlight: true}
	if got := ids(t, ix, q); !reflect.DeepEqual(got, []string{"a1"}) || !reflect.DeepEqual(ids(t, ix, q), got) {
		t.Fatalf("hits before the change: %v", got)
	}
	addAsset(t, st, "a2", "Archivo", "gestión de archivos", "x")
	if _, err := ix.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got := count("categories", "x"); got != 2 {
		t.Fatalf("after an asset was added: %d", got)
	}
	if got := ids(t, ix, q); !reflect.DeepEqual(got, []string{"a1", "a2"}) {
		t.Fatalf("hits after an asset was added: %v", got)
	}
	a1, err = st.Assets().Get(ctx, a1.ID)
	if err != nil {
		t.Fatal(err)
	}
	a1.Categories = []string{"y"}
	if err := st.Assets().Update(ctx, &a1, ev()); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if x, y := count("categories", "x"), count("categories", "y"); x != 1 || y != 1 {
		t.Fatalf("after an asset changed category: x %d, y %d", x, y)
	}
}

// TestTyposOnlyForUnknownWords: a word the index does not know matches
// its near terms (one typo); a word it knows matches exactly, without its
// neighbours.
func TestTyposOnlyForUnknownWords(t *testing.T) {
	st := openStore(t)
	addAsset(t, st, "a1", "Cartera", "Cartera de indicadores")
	addAsset(t, st, "a2", "Carrera", "Carrera administrativa")
	addAsset(t, st, "a3", "Otra cosa", "Nada que ver")
	ix, err := Open(t.Context(), st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for _, c := range []struct {
		text string
		want []string
	}{
		{"cartera", []string{"a1"}}, // not "carrera", one letter away
		{"carrera", []string{"a2"}},
		{"cartexa", []string{"a1"}},                // a typo of one
		{"carrexa administrativa", []string{"a2"}}, // a typo and a known word
		{"carxera", []string{"a1", "a2"}},          // near both
	} {
		if got := ids(t, ix, AssetQuery{Text: c.text}); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: %v, want %v", c.text, got, c.want)
		}
	}
}

// TestKindVersion: the version of a kind moves when the index applies a
// change of that kind, and on a rebuild, and not otherwise.
func TestKindVersion(t *testing.T) {
	st := openStore(t)
	ctx := t.Context()
	addAsset(t, st, "a1", "Orfeo", "gestión documental")
	ix, err := Open(ctx, st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	a0, e0 := ix.KindVersion(registry.KindAsset), ix.KindVersion(registry.KindEntity)
	addAsset(t, st, "a2", "Archivo", "archivo")
	if _, err := ix.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	a1, e1 := ix.KindVersion(registry.KindAsset), ix.KindVersion(registry.KindEntity)
	if a1 == a0 || e1 != e0 {
		t.Fatalf("after an asset change: asset %d→%d, entity %d→%d", a0, a1, e0, e1)
	}
	e := registry.Entity{ID: "e1", NIT: "890480184", CheckDigit: registry.NITCheckDigit("890480184"), Name: "Alcaldía", CreatedAt: t0, UpdatedAt: t0}
	if err := st.Entities().Create(ctx, &e, ev()); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if a2, e2 := ix.KindVersion(registry.KindAsset), ix.KindVersion(registry.KindEntity); a2 != a1 || e2 == e1 {
		t.Fatalf("after an entity change: asset %d→%d, entity %d→%d", a1, a2, e1, e2)
	}
	e2 := ix.KindVersion(registry.KindEntity)
	if err := ix.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if ix.KindVersion(registry.KindEntity) == e2 {
		t.Fatal("a rebuild left the entity version")
	}
}
