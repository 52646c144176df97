package registry_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/search"
	"github.com/acervo-co/acervo/registry/sqlite"
)

// Real NITs whose check digits verify.
const (
	aNITHacienda  = "899999090"
	aNITCartagena = "890480184"
	aNITPasto     = "891280000"
	aNITSENA      = "899999034"
)

type aenv struct {
	svc    *registry.Service
	st     registry.Store
	sys    context.Context
	now    time.Time
	assets map[string]registry.Asset
	seq    int
}

func newAEnv(t *testing.T) *aenv {
	t.Helper()
	st, err := sqlite.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &aenv{st: st, now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC), assets: map[string]registry.Asset{}}
	e.svc = registry.NewService(st, registry.WithClock(func() time.Time { return e.now }))
	e.sys = registry.WithActor(t.Context(), registry.SystemActor("test"))
	for _, ent := range []registry.Entity{
		{NIT: aNITHacienda, Name: "MINISTERIO DE HACIENDA", Orden: registry.OrdenNacional, Sector: "Hacienda", DepartmentCode: "11"},
		{NIT: aNITCartagena, Name: "ALCALDÍA DE CARTAGENA", Orden: registry.OrdenTerritorial, Sector: "Servicio Público", DepartmentCode: "13"},
		{NIT: aNITPasto, Name: "ALCALDÍA DE PASTO", Orden: registry.OrdenTerritorial, Sector: "Servicio Público", DepartmentCode: "52"},
		{NIT: aNITSENA, Name: "SENA", Orden: registry.OrdenNacional, Sector: "Trabajo", DepartmentCode: "11"},
	} {
		if _, err := e.svc.UpsertEntity(e.sys, &ent); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func (e *aenv) asset(t *testing.T, a registry.Asset, tags ...string) registry.Asset {
	t.Helper()
	if err := e.svc.CreateAsset(e.sys, &a); err != nil {
		t.Fatal(err)
	}
	for i, tag := range tags {
		withdrawn := strings.HasSuffix(tag, "!")
		tag = strings.TrimSuffix(tag, "!")
		v, _ := registry.ParseSemver(tag)
		r := registry.Release{AssetID: a.ID, Tag: tag, IsRelease: true, Version: v.String(), Commit: strings.Repeat("b", 40),
			Date: e.now.AddDate(0, 0, i-len(tags)), Prerelease: v.Pre != "", Withdrawn: withdrawn}
		if _, err := e.svc.RecordRelease(e.sys, &r); err != nil {
			t.Fatal(err)
		}
	}
	e.assets[a.Slug] = a
	return a
}

func (e *aenv) adopt(t *testing.T, nit, slug, tag, constraint string) registry.Adoption {
	t.Helper()
	cio := registry.WithActor(t.Context(), registry.Actor{UserID: "cio-" + nit, Grants: []registry.Grant{{Role: registry.RoleCIO, EntityNIT: nit}}})
	ad := registry.Adoption{EntityNIT: nit, AssetID: e.assets[slug].ID, ReleaseTag: tag, Constraint: constraint, Status: registry.AdoptionProduction,
		Environment: fmt.Sprintf("env-%d", e.seq)}
	e.seq++
	if err := e.svc.RecordAdoption(cio, &ad); err != nil {
		t.Fatal(err)
	}
	return ad
}

func (e *aenv) purchases(t *testing.T, ps ...registry.Purchase) []registry.Purchase {
	t.Helper()
	for i := range ps {
		e.seq++
		if ps[i].ContractID == "" {
			ps[i].ContractID = fmt.Sprintf("CO1.PCCNTR.%d", 1000+e.seq)
		}
		ps[i].Source = registry.SourceSECOPII
		ps[i].RowHash = fmt.Sprint(e.seq)
		if ps[i].SignedAt == nil && ps[i].Year != 0 {
			d := time.Date(ps[i].Year, 6, 1, 0, 0, 0, 0, time.UTC)
			ps[i].SignedAt = &d
		}
	}
	if _, err := e.svc.ImportPurchases(e.sys, "run", ps); err != nil {
		t.Fatal(err)
	}
	return ps
}

func buy(buyer, supplierDoc, supplier, unspsc, desc string, year int, value int64) registry.Purchase {
	p := registry.Purchase{BuyerNIT: buyer, Supplier: registry.Party{DocType: "NIT", DocNumber: supplierDoc, Name: supplier}, Description: desc,
		Year: year, Value: value, SoftwareScore: 0.9}
	if unspsc != "" {
		p.UNSPSC = []string{unspsc}
	}
	return p
}

func csvRows(t *testing.T, write func(*bytes.Buffer) error) [][]string {
	t.Helper()
	var b bytes.Buffer
	if err := write(&b); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(&b)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v\n%s", err, b.String())
	}
	return rows
}

func TestAdoptionMatrix(t *testing.T) {
	e := newAEnv(t)
	e.asset(t, registry.Asset{Kind: registry.AssetPublic, Name: "Orfeo", RepositoryURL: "https://git.example.gov.co/orfeo"}, "v1.0.0")
	e.asset(t, registry.Asset{Kind: registry.AssetPublic, Name: "Koha", RepositoryURL: "https://git.example.gov.co/koha"}, "v3.0.0")
	e.adopt(t, aNITCartagena, "orfeo", "v1.0.0", "")
	e.adopt(t, aNITCartagena, "orfeo", "", ">=1.0.0") // a second environment
	e.adopt(t, aNITPasto, "orfeo", "v1.0.0", "")
	e.adopt(t, aNITHacienda, "orfeo", "v1.0.0", "")
	e.adopt(t, aNITSENA, "koha", "v3.0.0", "")
	cells, err := e.svc.AdoptionMatrix(t.Context(), registry.AdoptionMatrixFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]registry.AdoptionCell{}
	for _, c := range cells {
		got[c.AssetName+"|"+c.DepartmentCode+"|"+c.Orden] = c
	}
	if c := got["Orfeo|13|TERRITORIAL"]; c.Entities != 1 || c.Adoptions != 2 || c.Production != 2 {
		t.Errorf("Orfeo in Bolívar: %+v", c)
	}
	if len(cells) != 4 {
		t.Errorf("%d cells, want 4: %+v", len(cells), cells)
	}
	terr, err := e.svc.AdoptionMatrix(t.Context(), registry.AdoptionMatrixFilter{Orden: registry.OrdenTerritorial})
	if err != nil || len(terr) != 2 {
		t.Errorf("territorial only: %+v, %v", terr, err)
	}
	rows := csvRows(t, func(b *bytes.Buffer) error { return registry.WriteAdoptionMatrixCSV(b, cells) })
	if len(rows) != 5 || rows[0][0] != "activo_id" || rows[0][5] != "entidades" {
		t.Errorf("CSV rows %v", rows)
	}
}

func TestVersionCurrency(t *testing.T) {
	e := newAEnv(t)
	e.asset(t, registry.Asset{Kind: registry.AssetPublic, Name: "Orfeo", RepositoryURL: "https://git.example.gov.co/orfeo"},
		"v1.4.0", "v2.0.0!", "v2.1.0", "v2.1.3", "v2.2.0", "v3.0.0-beta.1")
	byEntity := map[string]registry.Adoption{
		aNITHacienda:  e.adopt(t, aNITHacienda, "orfeo", "v2.2.0", ""),  // current (the beta does not count)
		aNITCartagena: e.adopt(t, aNITCartagena, "orfeo", "v2.1.3", ""), // behind minor
		aNITPasto:     e.adopt(t, aNITPasto, "orfeo", "v1.4.0", ""),     // behind major
		aNITSENA:      e.adopt(t, aNITSENA, "orfeo", "v2.0.0", ""),      // withdrawn, behind minor
	}
	extra := e.adopt(t, aNITCartagena, "orfeo", "", "~2.1.0") // constraint: newest allowed v2.1.3
	admin := registry.WithActor(t.Context(), registry.Actor{UserID: "admin", Grants: []registry.Grant{{Role: registry.RoleAdmin}}})
	adv := &registry.Advisory{ID: "GHSA-test-0001", AssetID: e.assets["orfeo"].ID, Summary: "XSS", Severity: "MODERATE",
		Affected: []registry.AffectedRange{{Introduced: "2.1.0", Fixed: "2.2.0"}}}
	if _, err := e.svc.AddAdvisory(admin, adv); err != nil {
		t.Fatal(err)
	}
	sums, rows, err := e.svc.VersionCurrency(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		currency  string
		withdrawn bool
		vuln      bool
	}{
		byEntity[aNITHacienda].ID:  {registry.CurrencyCurrent, false, false},
		byEntity[aNITCartagena].ID: {registry.CurrencyBehindMinor, false, true},
		byEntity[aNITPasto].ID:     {registry.CurrencyBehindMajor, false, false},
		byEntity[aNITSENA].ID:      {registry.CurrencyBehindMinor, true, false},
		extra.ID:                   {registry.CurrencyBehindMinor, false, true},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for _, r := range rows {
		w := want[r.AdoptionID]
		if r.Currency != w.currency || r.Withdrawn != w.withdrawn || (len(r.Advisories) > 0) != w.vuln || r.Latest != "v2.2.0" {
			t.Errorf("%s on %s: %+v, want %+v", r.EntityName, r.Version, r, w)
		}
	}
	if len(sums) != 1 || sums[0].Adoptions != 5 || sums[0].Current != 1 || sums[0].BehindMajor != 1 || sums[0].BehindMinor != 3 ||
		sums[0].Withdrawn != 1 || sums[0].Vulnerable != 2 {
		t.Errorf("summary %+v", sums)
	}
	csvr := csvRows(t, func(b *bytes.Buffer) error { return registry.WriteVersionCurrencyCSV(b, rows) })
	if len(csvr) != 6 || csvr[0][6] != "estado" {
		t.Errorf("CSV %v", csvr)
	}
}

func TestDuplicatedSpendingAndTrends(t *testing.T) {
	e := newAEnv(t)
	sysman := e.asset(t, registry.Asset{Kind: registry.AssetCommercial, Name: "SYSMAN"})
	var linked []registry.Purchase
	for i, nit := range []string{aNITCartagena, aNITPasto, aNITSENA, aNITHacienda} {
		linked = append(linked, buy(nit, "800021261", "SYSMAN S.A.S.", "81112200", "SOPORTE Y ACTUALIZACIÓN DEL SOFTWARE SYSMAN", 2025, int64(10_000_000*(i+1))))
	}
	// A cancelled order, linked and of a software class, is no spending:
	// none of the figures below counts it.
	cancelled := buy(aNITPasto, "800021261", "SYSMAN S.A.S.", "43232305", "SOPORTE SYSMAN (ORDEN CANCELADA)", 2025, 500_000_000)
	cancelled.Status = "Cancelada"
	linked = e.purchases(t, append(linked, cancelled)...)
	for _, p := range linked {
		l := &registry.PurchaseLink{PurchaseID: p.ID, AssetID: sysman.ID, Relation: registry.RelMaintenance, Score: 0.8}
		if _, err := e.svc.SuggestLink(e.sys, l); err != nil {
			t.Fatal(err)
		}
	}
	// Licences of a 4323 class bought by three entities over two years.
	e.purchases(t,
		buy(aNITCartagena, "900100200", "LICENCIAS S.A.S.", "43232300", "RENOVACIÓN DE LICENCIAS", 2024, 5_000_000),
		buy(aNITPasto, "900100200", "LICENCIAS S.A.S.", "43232304", "RENOVACIÓN DE LICENCIAS", 2025, 7_000_000),
		buy(aNITSENA, "900300400", "OTRO S.A.S.", "43232305", "LICENCIAS", 2026, 9_000_000),
		buy(aNITSENA, "900300400", "OTRO S.A.S.", "43232305", "LICENCIAS", 2019, 99_000_000), // out of the period
	)
	gs, err := e.svc.DuplicatedSpending(t.Context(), registry.DuplicateFilter{FromYear: 2024, ToYear: 2026, MinEntities: 3})
	if err != nil {
		t.Fatal(err)
	}
	var asset, class *registry.DuplicateGroup
	for i := range gs {
		switch gs[i].Key {
		case sysman.ID:
			asset = &gs[i]
		case "432323":
			class = &gs[i]
		}
	}
	if asset == nil || asset.Entities != 4 || asset.Purchases != 4 || asset.Total != 100_000_000 || len(asset.Suppliers) != 1 || asset.Suppliers[0].Name != "SYSMAN S.A.S." {
		t.Errorf("SYSMAN group: %+v", asset)
	}
	if class == nil || class.Entities != 3 || class.Total != 21_000_000 || class.Suppliers[0].Name != "LICENCIAS S.A.S." || class.Suppliers[0].Total != 12_000_000 {
		t.Errorf("UNSPSC 432323 group: %+v", class)
	}
	if _, err := e.svc.DuplicatedSpending(t.Context(), registry.DuplicateFilter{FromYear: 2026, ToYear: 2020}); !errors.Is(err, registry.ErrInvalid) {
		t.Errorf("backwards period: %v", err)
	}
	rows := csvRows(t, func(b *bytes.Buffer) error { return registry.WriteDuplicatedSpendingCSV(b, gs) })
	if len(rows) != len(gs)+1 {
		t.Errorf("CSV rows %d for %d groups", len(rows), len(gs))
	}

	pts, err := e.svc.SpendingTrends(t.Context(), registry.TrendFilter{UNSPSC: "4323"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 4 || pts[0].Year != 2019 || pts[3].Year != 2026 || pts[1].Total != 5_000_000 || pts[1].Buyers != 1 || pts[1].Suppliers != 1 {
		t.Errorf("trends %+v", pts)
	}
	all, err := e.svc.SpendingTrends(t.Context(), registry.TrendFilter{})
	if err != nil || len(all) != 4 || all[2].Purchases != 5 || all[2].Buyers != 4 {
		t.Errorf("software trends %+v, %v", all, err)
	}
	rows = csvRows(t, func(b *bytes.Buffer) error { return registry.WriteTrendsCSV(b, pts) })
	if len(rows) != 5 || rows[1][0] != "2019" {
		t.Errorf("trends CSV %v", rows)
	}
}

// searcher adapts the bleve index to registry.TextSearcher (the same
// adapter main wires).
type searcher struct{ ix *search.Index }

func (s searcher) SearchAssetIDs(ctx context.Context, text string, limit int) ([]string, error) {
	active := true
	r, err := s.ix.SearchAssets(ctx, search.AssetQuery{Text: text, Kind: registry.AssetPublic, Active: &active, Page: registry.Page{First: min(limit, registry.MaxPageSize)}})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(r.Hits))
	for i, h := range r.Hits {
		ids[i] = h.ID
	}
	return ids, nil
}

func (s searcher) SearchPurchaseIDs(ctx context.Context, text, unspsc string, limit int) ([]string, error) {
	var ids []string
	p := registry.Page{First: registry.MaxPageSize}
	for len(ids) < limit {
		r, err := s.ix.SearchPurchases(ctx, search.PurchaseQuery{Text: text, UNSPSC: unspsc, Page: p})
		if err != nil {
			return nil, err
		}
		for _, h := range r.Hits {
			ids = append(ids, h.ID)
		}
		if !r.PageInfo.HasNextPage || len(r.Hits) == 0 {
			break
		}
		p.After = r.PageInfo.EndCursor
	}
	return ids, nil
}

func TestAntesDeComprar(t *testing.T) {
	e := newAEnv(t)
	orfeo := e.asset(t, registry.Asset{Kind: registry.AssetPublic, Name: "Orfeo", Aliases: []string{"ORFEO"}, Categories: []string{"document-management"},
		RepositoryURL: "https://git.example.gov.co/orfeo", Descriptions: map[string]registry.Description{"es": {ShortDescription: "Sistema de gestión documental y radicación de correspondencia"}},
		Maintenance: registry.Maintenance{Contacts: []registry.Contact{{Name: "Mesa Orfeo", Email: "orfeo@example.gov.co"}}}}, "v1.0.0", "v2.0.0")
	e.adopt(t, aNITPasto, "orfeo", "v2.0.0", "")
	e.adopt(t, aNITHacienda, "orfeo", "v1.0.0", "")
	ps := e.purchases(t,
		buy(aNITCartagena, "900111222", "DOCUMENTOS S.A.S.", "43232202", "LICENCIAMIENTO DEL SOFTWARE DE GESTIÓN DOCUMENTAL MERCURIO", 2024, 80_000_000),
		buy(aNITSENA, "900111222", "DOCUMENTOS S.A.S.", "43232202", "SOPORTE DEL SISTEMA DE GESTIÓN DOCUMENTAL", 2025, 40_000_000),
		buy(aNITPasto, "900333444", "ARCHIVOS LTDA", "43232202", "ADQUISICIÓN DE SOFTWARE DE GESTIÓN DOCUMENTAL", 2025, 60_000_000),
		buy(aNITHacienda, "900555666", "MAPAS S.A.S.", "43232604", "LICENCIAS DE SOFTWARE DE INFORMACIÓN GEOGRÁFICA", 2025, 90_000_000),
	)
	ps[1].FrameworkAgreement = "IAD Software por Catálogo II"
	ps[1].RowHash = "changed"
	e.purchases(t, ps[1])
	// Records of processes that never became a contract or an order: their
	// value is a budget nobody paid, so they are not prior purchases.
	void := []registry.Purchase{
		buy(aNITSENA, "900111222", "DOCUMENTOS S.A.S.", "43232202", "ORDEN DE COMPRA CANCELADA DE GESTIÓN DOCUMENTAL", 2025, 700_000_000),
		buy(aNITCartagena, "", "", "43232202", "PROCESO DESIERTO DE GESTIÓN DOCUMENTAL", 2025, 500_000_000),
		buy(aNITCartagena, "", "", "43232202", "BORRADOR DE GESTIÓN DOCUMENTAL", 2025, 300_000_000),
	}
	void[0].Status, void[1].Status, void[2].Status = "Cancelada", "Declarado desierto", "Borrador"
	e.purchases(t, void...)
	natural := buy(aNITPasto, "1098765432", "JUAN PÉREZ", "43232202", "DIGITALIZACIÓN EN EL SISTEMA DE GESTIÓN DOCUMENTAL", 2025, 10_000_000)
	natural.Supplier = registry.Party{DocType: "CC", DocNumber: "1098765432", Name: "JUAN PÉREZ", NaturalPerson: true}
	e.purchases(t, natural)
	if _, err := e.svc.SuggestLink(e.sys, &registry.PurchaseLink{PurchaseID: ps[0].ID, AssetID: orfeo.ID, Relation: registry.RelAlternative, Score: 0.6}); err != nil {
		t.Fatal(err)
	}

	// By UNSPSC only, without a search index.
	budget := int64(100_000_000)
	r, err := e.svc.AntesDeComprar(t.Context(), registry.BeforeBuyingQuery{UNSPSC: "432322", Budget: &budget}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.PurchaseCount != 4 || r.Total != 190_000_000 || r.Buyers != 3 || r.WithoutContract != 3 {
		t.Errorf("by UNSPSC: %d purchases, %d pesos, %d buyers, %d without a contract", r.PurchaseCount, r.Total, r.Buyers, r.WithoutContract)
	}
	if len(r.ByYear) != 2 || r.ByYear[0].Year != 2025 || r.ByYear[0].Min != 10_000_000 || r.ByYear[0].Median != 40_000_000 || r.ByYear[0].Max != 60_000_000 {
		t.Errorf("by year %+v", r.ByYear)
	}
	if !strings.Contains(r.BudgetNote, "supera") {
		t.Errorf("budget note %q", r.BudgetNote)
	}
	if len(r.Frameworks) != 1 || r.Frameworks[0].Name != "IAD Software por Catálogo II" {
		t.Errorf("frameworks %+v", r.Frameworks)
	}
	if len(r.Assets) != 1 || r.Assets[0].Asset.ID != orfeo.ID || r.Assets[0].AdopterCount != 2 || r.Assets[0].LatestRelease == nil ||
		r.Assets[0].LatestRelease.Tag != "v2.0.0" || len(r.Assets[0].Contacts) != 1 || r.Assets[0].LinkedBuys != 1 {
		t.Errorf("assets %+v", r.Assets)
	}
	for _, p := range r.Purchases {
		if p.Supplier.NaturalPerson && p.Supplier.DocNumber != "" {
			t.Errorf("an anonymous reader sees a natural person's document: %+v", p.Supplier)
		}
	}
	for _, sp := range r.TopSuppliers {
		if sp.Name == "JUAN PÉREZ" && sp.Doc != "" {
			t.Errorf("top suppliers show a natural person's document: %+v", sp)
		}
	}

	// Free text through the real search index.
	ix, err := search.Open(t.Context(), e.st, search.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	r, err = e.svc.AntesDeComprar(t.Context(), registry.BeforeBuyingQuery{Text: "gestión documental"}, searcher{ix})
	if err != nil {
		t.Fatal(err)
	}
	if r.PurchaseCount < 3 || len(r.Assets) == 0 || r.Assets[0].Asset.ID != orfeo.ID {
		t.Errorf("by text: %d purchases, assets %+v", r.PurchaseCount, r.Assets)
	}
	for _, p := range r.Purchases {
		if strings.Contains(p.Description, "GEOGRÁFICA") {
			t.Errorf("a GIS purchase among document-management ones: %s", p.Description)
		}
	}
	// Free text without an index falls back to names.
	r, err = e.svc.AntesDeComprar(t.Context(), registry.BeforeBuyingQuery{Text: "correspondencia"}, nil)
	if err != nil || len(r.Assets) != 1 {
		t.Errorf("fallback by name: %+v, %v", r.Assets, err)
	}

	rows := csvRows(t, func(b *bytes.Buffer) error { return registry.WriteBeforeBuyingCSV(b, r) })
	if rows[0][0] != "antes_de_comprar" {
		t.Errorf("CSV starts with %v", rows[0])
	}

	for _, bad := range []registry.BeforeBuyingQuery{{}, {UNSPSC: "43x"}, {Text: "x", Budget: new(int64(-1))}} {
		if _, err := e.svc.AntesDeComprar(t.Context(), bad, nil); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("query %+v: %v, want ErrInvalid", bad, err)
		}
	}
}

func TestPesos(t *testing.T) {
	for in, want := range map[int64]string{0: "$ 0", 999: "$ 999", 1000: "$ 1.000", 31500000: "$ 31.500.000", -2500: "-$ 2.500"} {
		if got := registry.Pesos(in); got != want {
			t.Errorf("Pesos(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestImportOSVProblems(t *testing.T) {
	e := newAEnv(t)
	e.asset(t, registry.Asset{Kind: registry.AssetPublic, Name: "Orfeo", RepositoryURL: "https://github.com/correlibre/orfeo"}, "v1.0.0")
	admin := registry.WithActor(t.Context(), registry.Actor{UserID: "admin", Grants: []registry.Grant{{Role: registry.RoleAdmin}}})
	in := `[
  {"id": "OSV-1", "summary": "ok", "affected": [{"package": {"name": "x"}, "ranges": [{"type": "GIT", "repo": "https://github.com/correlibre/orfeo.git",
    "events": [{"introduced": "0"}]}, {"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"last_affected": "1.0.5"}]}]}]},
  {"summary": "no id", "affected": []},
  {"id": "OSV-3", "affected": [{"package": {"name": "desconocido"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]},
  {"id": "OSV-4", "affected": [{"package": {"name": "orfeo"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "uno"}]}]}]},
  {"id": 5}
]`
	res, err := e.svc.ImportOSV(admin, "avisos.json", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if res.New != 1 || len(res.Advisories) != 1 || res.Advisories[0] != "OSV-1" {
		t.Errorf("imported %+v", res)
	}
	want := []struct {
		line  int
		field string
	}{{4, "id"}, {5, "affected[0].package"}, {6, "affected[0].ranges[0].events[0].introduced"}, {7, "id"}}
	if len(res.Problems) != len(want) {
		t.Fatalf("problems %+v", res.Problems)
	}
	for i, w := range want {
		p := res.Problems[i]
		if p.Line != w.line || p.Field != w.field || p.File != "avisos.json" || p.Column == 0 {
			t.Errorf("problem %d: %+v, want line %d field %s", i, p, w.line, w.field)
		}
	}
	adv, err := e.st.Advisories().Get(t.Context(), "OSV-1")
	if err != nil || len(adv.Affected) != 1 || adv.Affected[0].Introduced != "1.0.0" || adv.Affected[0].LastAffected != "1.0.5" || !adv.Affects("1.0.3") || adv.Affects("1.0.6") {
		t.Errorf("OSV-1 stored as %+v, %v", adv, err)
	}
	// A syntax error names its line and column; nothing is half-read.
	_, err = e.svc.ImportOSV(admin, "roto.json", strings.NewReader("[\n  {\"id\": \"X\",,}\n]"))
	if !errors.Is(err, registry.ErrInvalid) || !strings.Contains(err.Error(), "roto.json:2:") {
		t.Errorf("syntax error: %v", err)
	}
	// Without the right to add advisories, records are reported, not written.
	anon := t.Context()
	res, err = e.svc.ImportOSV(anon, "avisos.json", strings.NewReader(in))
	if err != nil || res.New+res.Updated != 0 {
		t.Errorf("anonymous import: %+v, %v", res, err)
	}
}
