package search

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/sqlite"
)

var t0 = time.Date(2024, 6, 3, 15, 0, 0, 0, time.UTC)

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func ev() *registry.AuditEvent {
	return &registry.AuditEvent{At: t0, Actor: "system:test", Action: "test", TargetKind: "test", TargetID: "test"}
}

func addAsset(t *testing.T, st registry.Store, id, name, desc string, cats ...string) registry.Asset {
	t.Helper()
	a := registry.Asset{ID: id, Kind: registry.AssetPublic, Slug: registry.Slugify(name), Name: name, RepositoryURL: "https://example.org/" + id,
		Categories: cats, Active: true, CreatedAt: t0, UpdatedAt: t0,
		Descriptions: map[string]registry.Description{"es": {ShortDescription: desc}}}
	if err := st.Assets().Create(t.Context(), &a, ev()); err != nil {
		t.Fatal(err)
	}
	return a
}

func ids(t *testing.T, ix *Index, q AssetQuery) []string {
	t.Helper()
	out, _ := searchIDs(t, ix, q)
	return out
}

// searchIDs runs q (50 to a page unless it says) and returns the ids of its
// hits, sorted, and the result.
func searchIDs(t *testing.T, ix *Index, q AssetQuery) ([]string, Result) {
	t.Helper()
	if q.Page.First == 0 && q.Page.Last == 0 {
		q.Page.First = 50
	}
	res, err := ix.SearchAssets(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, h := range res.Hits {
		out = append(out, h.ID)
	}
	sort.Strings(out)
	return out, res
}

// textAssets stores three assets for the text tests and opens their index.
func textAssets(t *testing.T) (*sqlite.Store, *Index) {
	t.Helper()
	st := openStore(t)
	addAsset(t, st, "a1", "Orfeo", "Sistema de gestión documental y expedientes electrónicos")
	addAsset(t, st, "a2", "Mi Ciudad", "Aplicación de notificaciones ciudadanas")
	addAsset(t, st, "a3", "Contabilidad", "Gestiones contables del municipio")
	ix, err := Open(t.Context(), st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return st, ix
}

func TestAnalysis(t *testing.T) {
	_, ix := textAssets(t)
	cases := []struct {
		text string
		want []string
	}{
		{"gestión", []string{"a1", "a3"}},
		{"gestion", []string{"a1", "a3"}},
		{"GESTIONES", []string{"a1", "a3"}},
		{"expediente electronico", []string{"a1"}},
		{"notificación", []string{"a2"}},
		{"notificaciones ciudadanas", []string{"a2"}},
		{"documentl", []string{"a1"}},                  // a typo
		{"notifcaciones", []string{"a2"}},              // another
		{"de la y", []string{"a1", "a2", "a3"}},        // only stop words: no text filter
		{"orfeo notificaciones", []string{"a1", "a2"}}, // no asset has both: either (TestAbsentWordsLeftOut)
	}
	for _, c := range cases {
		if got := ids(t, ix, AssetQuery{Text: c.text}); !slices.Equal(got, c.want) {
			t.Errorf("%q: %v, want %v", c.text, got, c.want)
		}
	}
}

func TestReopenCatchesUpWithoutRebuild(t *testing.T) {
	st := openStore(t)
	dir := filepath.Join(t.TempDir(), "search")
	addAsset(t, st, "a1", "Orfeo", "gestión documental")
	ix, err := Open(t.Context(), st, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if ix.Rebuilds() != 1 {
		t.Fatalf("a new index is built once, got %d", ix.Rebuilds())
	}
	seq := ix.Seq()
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	// Another process writes while this one is down.
	addAsset(t, st, "a2", "Archivo Digital", "gestión de archivos")
	ix, err = Open(t.Context(), st, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if ix.Rebuilds() != 0 {
		t.Fatalf("reopening rebuilt the index")
	}
	if ix.Seq() <= seq {
		t.Fatalf("seq %d after reopening, was %d", ix.Seq(), seq)
	}
	if got := ids(t, ix, AssetQuery{Text: "gestion"}); !slices.Equal(got, []string{"a1", "a2"}) {
		t.Fatalf("after reopening: %v", got)
	}
	// A second Open of the same directory (another process) fails clearly.
	if _, err := Open(t.Context(), st, Options{Dir: dir, OpenTimeout: 200 * time.Millisecond}); err == nil {
		t.Fatal("a second open of a held index succeeded")
	}
}

func TestCatchUpFollowsEveryKind(t *testing.T) {
	st := openStore(t)
	ctx := t.Context()
	addAsset(t, st, "a1", "Orfeo", "gestión documental")
	e := registry.Entity{ID: "e1", NIT: "890480184", CheckDigit: registry.NITCheckDigit("890480184"), Name: "Alcaldía de Cartagena", DepartmentCode: "13", CreatedAt: t0, UpdatedAt: t0}
	if err := st.Entities().Create(ctx, &e, ev()); err != nil {
		t.Fatal(err)
	}
	p := registry.Purchase{ID: "p1", Source: registry.SourceSECOPII, ContractID: "C1", BuyerNIT: e.NIT, Description: "Soporte de Orfeo", Value: 1000, Year: 2024, RowHash: "1",
		Supplier: registry.Party{DocType: "CC", DocNumber: "123456", Name: "Ana", NaturalPerson: true}}
	if _, err := st.Purchases().UpsertBatch(ctx, []registry.Purchase{p}, ev()); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(ctx, st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	catch := func() {
		t.Helper()
		if _, err := ix.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// An adoption makes the entity (and its department) an adopter.
	ad := registry.Adoption{ID: "ad1", EntityNIT: e.NIT, AssetID: "a1", Status: registry.AdoptionProduction, Verification: registry.VerificationSelfDeclared, CreatedAt: t0, UpdatedAt: t0}
	if err := st.Adoptions().Create(ctx, &ad, ev()); err != nil {
		t.Fatal(err)
	}
	catch()
	if got := ids(t, ix, AssetQuery{Department: "13"}); !slices.Equal(got, []string{"a1"}) {
		t.Fatalf("department filter after an adoption: %v", got)
	}
	// The entity moves department.
	e, _ = st.Entities().Get(ctx, "e1")
	e.DepartmentCode = "05"
	if err := st.Entities().Update(ctx, &e, ev()); err != nil {
		t.Fatal(err)
	}
	catch()
	if got := ids(t, ix, AssetQuery{Department: "05"}); !slices.Equal(got, []string{"a1"}) {
		t.Fatalf("department filter after the entity moved: %v", got)
	}
	// The adoption is deleted.
	ad, _ = st.Adoptions().Get(ctx, "ad1")
	if err := st.Adoptions().Delete(ctx, ad.ID, ad.Rev, ev()); err != nil {
		t.Fatal(err)
	}
	catch()
	if got := ids(t, ix, AssetQuery{AdopterNIT: e.NIT}); len(got) != 0 {
		t.Fatalf("adopter filter after deleting the adoption: %v", got)
	}
	// A link makes the purchase findable by asset; deleting it undoes that.
	l := registry.PurchaseLink{ID: "l1", PurchaseID: "p1", AssetID: "a1", Relation: registry.RelSupport, Score: 1, State: registry.LinkSuggested}
	if _, err := st.Links().Upsert(ctx, &l, ev()); err != nil {
		t.Fatal(err)
	}
	catch()
	linked := func() int64 {
		res, err := ix.SearchPurchases(ctx, PurchaseQuery{LinkedAssetID: "a1", Page: registry.Page{First: 10}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}
	if linked() != 1 {
		t.Fatal("the linked purchase is not found")
	}
	l, _ = st.Links().Get(ctx, "l1")
	l.State = registry.LinkRejected
	if err := st.Links().Update(ctx, &l, ev()); err != nil {
		t.Fatal(err)
	}
	catch()
	if linked() != 0 {
		t.Fatal("a rejected link still links")
	}
	// Anonymous supplier filters never match a natural person.
	for _, anon := range []bool{true, false} {
		res, err := ix.SearchPurchases(ctx, PurchaseQuery{SupplierDoc: "123456", Anonymous: anon, Page: registry.Page{First: 10}})
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int64{true: 0, false: 1}[anon]; res.Total != want {
			t.Fatalf("supplier filter (anonymous %v): %d hits, want %d", anon, res.Total, want)
		}
	}
	// Deleting the asset removes it.
	a, _ := st.Assets().Get(ctx, "a1")
	if err := st.Assets().Delete(ctx, a.ID, a.Rev, ev()); err != nil {
		t.Fatal(err)
	}
	catch()
	if got := ids(t, ix, AssetQuery{Text: "orfeo"}); len(got) != 0 {
		t.Fatalf("a deleted asset is still found: %v", got)
	}
}

// TestWatchSeesOtherWriters: two processes' indexes over one store; one
// writes through its Service, the other's Watch finds the change by polling.
func TestWatchSeesOtherWriters(t *testing.T) {
	st := openStore(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	a, err := Open(ctx, st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, st, Options{PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	svcA := registry.NewService(st, registry.WithClock(func() time.Time { return t0 }))
	a.Attach(svcA)
	go a.Watch(ctx)
	go b.Watch(ctx)
	sys := registry.WithActor(ctx, registry.SystemActor("test"))
	asset := registry.Asset{Kind: registry.AssetCommercial, Name: "Sistema Financiero Territorial", Slug: "sft"}
	if err := svcA.CreateAsset(sys, &asset); err != nil {
		t.Fatal(err)
	}
	for _, ix := range []*Index{a, b} {
		deadline := time.Now().Add(20 * time.Second)
		for {
			if got := ids(t, ix, AssetQuery{Text: "financiero"}); len(got) == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the write never reached an index")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func TestPagination(t *testing.T) {
	st := openStore(t)
	for i := 0; i < 25; i++ {
		addAsset(t, st, fmt.Sprintf("a%02d", i), fmt.Sprintf("Sistema %02d", i), "gestión documental", []string{"x", "y"}[i%2])
	}
	ix, err := Open(t.Context(), st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for _, sortBy := range []string{SortRelevance, registry.SortName, registry.SortUpdated, registry.SortCreated} {
		var seen []string
		after := ""
		for pages := 0; pages < 10; pages++ {
			res, err := ix.SearchAssets(t.Context(), AssetQuery{Text: "gestion", Sort: sortBy, Page: registry.Page{First: 7, After: after}, FacetSize: 5})
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != 25 {
				t.Fatalf("%s: total %d", sortBy, res.Total)
			}
			for _, h := range res.Hits {
				seen = append(seen, h.ID)
			}
			if !res.PageInfo.HasNextPage {
				break
			}
			after = res.PageInfo.EndCursor
		}
		sorted := slices.Clone(seen)
		slices.Sort(sorted)
		if len(seen) != 25 || len(slices.Compact(sorted)) != 25 {
			t.Fatalf("%s: walked %d hits (%d distinct)", sortBy, len(seen), len(slices.Compact(sorted)))
		}
		// And backwards from the end.
		var back []string
		before := ""
		for pages := 0; pages < 10; pages++ {
			res, err := ix.SearchAssets(t.Context(), AssetQuery{Text: "gestion", Sort: sortBy, Page: registry.Page{Last: 7, Before: before}})
			if err != nil {
				t.Fatal(err)
			}
			ids := []string{}
			for _, h := range res.Hits {
				ids = append(ids, h.ID)
			}
			back = append(ids, back...)
			if !res.PageInfo.HasPreviousPage {
				break
			}
			before = res.PageInfo.StartCursor
		}
		if !slices.Equal(back, seen) {
			t.Fatalf("%s: backwards %v, forwards %v", sortBy, back, seen)
		}
	}
	if _, err := ix.SearchAssets(t.Context(), AssetQuery{Sort: registry.SortName, Page: registry.Page{First: 5, After: "garbage"}}); err == nil {
		t.Fatal("a malformed cursor was accepted")
	}
	res, _ := ix.SearchAssets(t.Context(), AssetQuery{Page: registry.Page{First: 1}, FacetSize: 5})
	if len(res.Facets) == 0 || res.Facets[1].Field != "categories" || len(res.Facets[1].Values) != 2 || res.Facets[1].Values[0].Count != 13 {
		t.Fatalf("facets: %+v", res.Facets)
	}
}

func TestLongQueries(t *testing.T) {
	st := openStore(t)
	addAsset(t, st, "a1", "Orfeo", "gestión documental")
	ix, err := Open(t.Context(), st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	long := "gestion " + strings.Repeat("documental ", 5000) + strings.Repeat("x", 10000)
	if got := ids(t, ix, AssetQuery{Text: long}); !slices.Equal(got, []string{"a1"}) {
		t.Fatalf("a long query: %v", got)
	}
}

// TestFacetsFollowChanges: facets of a browse are kept until the index
// changes.
func TestFacetsFollowChanges(t *testing.T) {
	st := openStore(t)
	addAsset(t, st, "a1", "Orfeo", "gestión documental", "x")
	ix, err := Open(t.Context(), st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	count := func() int {
		t.Helper()
		res, err := ix.SearchAssets(t.Context(), AssetQuery{Page: registry.Page{First: 1}, FacetSize: 5})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Facets {
			if f.Field == "categories" {
				for _, v := range f.Values {
					if v.Value == "x" {
						return v.Count
					}
				}
			}
		}
		return 0
	}
	if count() != 1 || count() != 1 {
		t.Fatal("facets before the change")
	}
	addAsset(t, st, "a2", "Archivo", "archivo", "x")
	if _, err := ix.CatchUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := count(); got != 2 {
		t.Fatalf("facets after the change: %d", got)
	}
}

func TestBuildInBackground(t *testing.T) {
	st := openStore(t)
	addAsset(t, st, "a1", "Orfeo", "gestión documental")
	ix, err := Open(t.Context(), st, Options{Dir: filepath.Join(t.TempDir(), "s"), BuildInBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	deadline := time.Now().Add(30 * time.Second)
	for ix.Building() {
		if time.Now().After(deadline) {
			t.Fatal("the build never finished")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := ids(t, ix, AssetQuery{Text: "gestion"}); !slices.Equal(got, []string{"a1"}) {
		t.Fatalf("after the background build: %v", got)
	}
}

// TestPurchaseIDs: one search returns the same matches as paging through
// SearchPurchases, in the same order, up to the limit.
func TestPurchaseIDs(t *testing.T) {
	st := openStore(t)
	ctx := t.Context()
	var ps []registry.Purchase
	for i := 0; i < 250; i++ {
		desc := "Suministro de papelería"
		if i%2 == 0 {
			desc = fmt.Sprintf("Soporte del sistema de gestión documental, fase %d", i)
		}
		signed := t0.AddDate(0, 0, -i)
		ps = append(ps, registry.Purchase{ID: fmt.Sprintf("p%03d", i), Source: registry.SourceSECOPII, ContractID: fmt.Sprintf("C%03d", i),
			Description: desc, Value: int64(1000 + i), Year: 2024, SignedAt: &signed, RowHash: fmt.Sprint(i)})
	}
	if _, err := st.Purchases().UpsertBatch(ctx, ps, ev()); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(ctx, st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for _, text := range []string{"gestión documental", ""} {
		var paged []string
		p := registry.Page{First: 100}
		for {
			res, err := ix.SearchPurchases(ctx, PurchaseQuery{Text: text, Page: p})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range res.Hits {
				paged = append(paged, h.ID)
			}
			if !res.PageInfo.HasNextPage {
				break
			}
			p.After = res.PageInfo.EndCursor
		}
		ids, err := ix.PurchaseIDs(ctx, PurchaseQuery{Text: text}, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids, paged) {
			t.Errorf("text %q: one search gave %d ids, paging gave %d (or another order)", text, len(ids), len(paged))
		}
		if few, _ := ix.PurchaseIDs(ctx, PurchaseQuery{Text: text}, 7); !slices.Equal(few, paged[:7]) {
			t.Errorf("text %q: the limit must keep the best 7: %v vs %v", text, few, paged[:7])
		}
	}
}

// TestAbsentWordsLeftOut: a word that no asset contains, even with a typo,
// is left out of an asset search and reported, so that "software de
// gestión documental" finds the document manager whose record never says
// "software"; words that each match something still all have to match, and
// the later pages of such a search are the same search.
func TestAbsentWordsLeftOut(t *testing.T) {
	st, ix := textAssets(t)
	addAsset(t, st, "a4", "Gestor Documental Municipal", "Gestión documental para alcaldías")
	if _, err := ix.CatchUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		text    string
		want    []string
		ignored []string
	}{
		{"software de gestión documental", []string{"a1", "a4"}, []string{"software"}},
		{"Aplicativo de GESTION documental", []string{"a1", "a4"}, []string{"Aplicativo"}},
		{"antivirus de gestión documental", []string{}, nil},                        // what was asked for: no asset has it
		{"software antivirus gestion documental", []string{}, []string{"software"}}, // and widening cannot help
		{"documentl", []string{"a1", "a4"}, nil},                                    // a typo is matched, not left out
		{"software", []string{}, nil},                                               // nothing would remain: no result
		{"software sistema", []string{"a1"}, []string{"software"}},                  // "sistema" is in Orfeo
	}
	for _, c := range cases {
		got, res := searchIDs(t, ix, AssetQuery{Text: c.text})
		if !slices.Equal(got, c.want) || !slices.Equal(res.Ignored, c.ignored) {
			t.Errorf("%q: %v ignoring %q, want %v ignoring %q", c.text, got, res.Ignored, c.want, c.ignored)
		}
	}
	// Words that each match something must all match, when an asset has
	// them all; else the assets with all words but one (one of two) come,
	// and the result says so.
	for _, c := range []struct {
		text    string
		want    []string
		relaxed bool
	}{
		{"gestión contables", []string{"a3"}, false},
		{"gestión documental notificaciones", []string{"a1", "a4"}, true},
		{"orfeo notificaciones", []string{"a1", "a2"}, true},
		{"software orfeo notificaciones", []string{"a1", "a2"}, true},
		{"orfeo antivirus", []string{}, false}, // no asset has "antivirus": not widened
	} {
		got, res := searchIDs(t, ix, AssetQuery{Text: c.text})
		if !slices.Equal(got, c.want) || res.Relaxed != c.relaxed {
			t.Errorf("%q: %v relaxed %v, want %v relaxed %v", c.text, got, res.Relaxed, c.want, c.relaxed)
		}
	}
	// Some asset has every word, but a filter leaves it out: the words are
	// not widened (that would bring what was not asked for).
	addAsset(t, st, "a5", "Gestión de contratos", "Contratación de la alcaldía", "contracts")
	if _, err := ix.CatchUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	filtered, err := ix.SearchAssets(t.Context(), AssetQuery{Text: "gestión documental", Category: "contracts", Page: registry.Page{First: 50}})
	if err != nil || len(filtered.Hits) != 0 || filtered.Relaxed {
		t.Errorf("a filter that leaves out every asset with both words: %+v %v", filtered, err)
	}
	// Page by page, a relaxed search is the same search.
	p1, err := ix.SearchAssets(t.Context(), AssetQuery{Text: "orfeo notificaciones", Sort: "NAME", Page: registry.Page{First: 1}})
	if err != nil || len(p1.Hits) != 1 || !p1.Relaxed || !p1.PageInfo.HasNextPage {
		t.Fatalf("relaxed first page %+v %v", p1, err)
	}
	p2, err := ix.SearchAssets(t.Context(), AssetQuery{Text: "orfeo notificaciones", Sort: "NAME", Page: registry.Page{First: 1, After: p1.PageInfo.EndCursor}})
	if err != nil || len(p2.Hits) != 1 || p2.Hits[0].ID == p1.Hits[0].ID || !p2.Relaxed || p2.PageInfo.HasNextPage {
		t.Errorf("relaxed second page %+v %v", p2, err)
	}
	// Page by page, the search without an absent word is stable.
	first, err := ix.SearchAssets(t.Context(), AssetQuery{Text: "software gestión documental", Sort: "NAME", Page: registry.Page{First: 1}})
	if err != nil || len(first.Hits) != 1 || !first.PageInfo.HasNextPage {
		t.Fatalf("first page %+v %v", first, err)
	}
	second, err := ix.SearchAssets(t.Context(), AssetQuery{Text: "software gestión documental", Sort: "NAME", Page: registry.Page{First: 1, After: first.PageInfo.EndCursor}})
	if err != nil || len(second.Hits) != 1 || second.Hits[0].ID == first.Hits[0].ID || len(second.Ignored) != 1 {
		t.Errorf("second page %+v %v", second, err)
	}
}
