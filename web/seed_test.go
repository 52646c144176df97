package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/password"
	"github.com/acervo-co/acervo/registry/search"
	"github.com/acervo-co/acervo/registry/sqlite"
)

// testClock is a clock the tests move.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// indexSearcher adapts the search index (registry/search) to Searcher, as
// the acervo command does.
type indexSearcher struct{ ix *search.Index }

func (s indexSearcher) SearchAssets(ctx context.Context, text string, f SearchFilters, p SearchPage) (SearchResults, error) {
	// The tests read their own writes: catch up before each search (the
	// acervo command keeps the index current in the background instead).
	if _, err := s.ix.CatchUp(ctx); err != nil {
		return SearchResults{}, err
	}
	q := search.AssetQuery{Text: text, Kind: registry.AssetKind(f.Kind), Category: f.Category, License: f.License,
		Language: f.Language, DevelopmentStatus: f.Status, Department: f.Department, FacetSize: 12,
		Page: registry.Page{First: p.Size, After: p.After, Before: p.Before}}
	if p.Before != "" {
		q.Page = registry.Page{Last: p.Size, Before: p.Before}
	}
	res, err := s.ix.SearchAssets(ctx, q)
	if err != nil {
		return SearchResults{}, err
	}
	out := SearchResults{Total: int(res.Total), Facets: map[string][]FacetValue{}, Ignored: res.Ignored, Relaxed: res.Relaxed}
	for _, h := range res.Hits {
		out.AssetIDs = append(out.AssetIDs, h.ID)
	}
	if res.PageInfo.HasNextPage {
		out.Next = res.PageInfo.EndCursor
	}
	if res.PageInfo.HasPreviousPage || p.After != "" {
		out.Prev = res.PageInfo.StartCursor
	}
	names := map[string]string{"kind": FacetKind, "categories": FacetCategory, "license": FacetLicense,
		"languages": FacetLanguage, "developmentStatus": FacetStatus, "adopterDepartments": FacetDepartment}
	for _, fc := range res.Facets {
		name, ok := names[fc.Field]
		if !ok {
			continue
		}
		for _, v := range fc.Values {
			out.Facets[name] = append(out.Facets[name], FacetValue{Value: v.Value, Count: v.Count})
		}
	}
	return out, nil
}

// indexText adapts the search index to registry.TextSearcher for the
// "antes de comprar" check, as the acervo command does (cmd_link.go's
// searchAdapter: one pass for the purchase ids, not page by page).
type indexText struct{ ix *search.Index }

func (s indexText) SearchAssetIDs(ctx context.Context, text string, limit int) ([]string, error) {
	if _, err := s.ix.CatchUp(ctx); err != nil {
		return nil, err
	}
	active := true
	r, err := s.ix.SearchAssets(ctx, search.AssetQuery{Text: text, Kind: registry.AssetPublic, Active: &active,
		Page: registry.Page{First: min(max(limit, 1), registry.MaxPageSize)}})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(r.Hits))
	for i, h := range r.Hits {
		ids[i] = h.ID
	}
	return ids, nil
}

func (s indexText) SearchPurchaseIDs(ctx context.Context, text, unspsc string, limit int) ([]string, error) {
	if _, err := s.ix.CatchUp(ctx); err != nil {
		return nil, err
	}
	return s.ix.PurchaseIDs(ctx, search.PurchaseQuery{Text: text, UNSPSC: unspsc}, limit)
}

// fixture is a seeded registry behind a running web server.
type fixture struct {
	store  *sqlite.Store
	svc    *registry.Service
	clock  *testClock
	srv    *httptest.Server
	server *server
	ix     *search.Index
	// seeded records
	orfeo     registry.Asset
	sgdea     registry.Asset
	kactus    registry.Asset
	cioNIT    string // the entity the cio account serves
	buyerNIT  string // the entity of the procurement account
	linkID    string // a suggested link the procurement officer may decide
	pendingID string // a proposed adoption the cio may verify
}

// Accounts of the fixture (passwords of at least 12 characters).
const (
	adminUser   = "admin"
	cioUser     = "cio.mintic"
	procUser    = "compras.dnp"
	testPass    = "clave-de-prueba-segura"
	mintic      = "899999053" // Ministerio de Tecnologías de la Información y las Comunicaciones
	dnp         = "899999011" // Departamento Nacional de Planeación
	antioquia   = "890900286" // Gobernación de Antioquia
	alcBogota   = "899999061" // Alcaldía Mayor de Bogotá
	sena        = "899999034" // SENA
	gobValle    = "890399029" // Gobernación del Valle del Cauca
	alcaldiaCal = "890399011" // Alcaldía de Santiago de Cali
)

type fixtureOpts struct {
	oidc   *OIDCConfig
	secure bool
	noIdx  bool
}

func newFixture(t testing.TB, opts fixtureOpts) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := &testClock{t: time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)}
	repos := registry.RepositoryCheckerFunc(func(_ context.Context, raw string) (registry.RepositoryLocation, error) {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return registry.RepositoryLocation{}, registry.Invalid("url", "%s: %s", registry.CodeURLSchemeNotAllowed, "use an https URL")
		}
		return registry.RepositoryLocation{URL: raw, Path: u.Host + u.Path}, nil
	})
	svc := registry.NewService(st, registry.WithClock(clock.Now),
		registry.WithPasswordHasher(password.Argon2id{Memory: 1024, Time: 1, Threads: 1}),
		registry.WithRepositoryChecker(repos))
	f := &fixture{store: st, svc: svc, clock: clock}
	f.seed(t)
	var searcher Searcher
	var text registry.TextSearcher
	if !opts.noIdx {
		ix, err := search.Open(ctx, st, search.Options{Dir: ""})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ix.Close() })
		f.ix = ix
		searcher, text = indexSearcher{ix}, indexText{ix}
	}
	s, err := newServer(Config{Service: svc, Searcher: searcher, TextSearcher: text, Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Secure: opts.secure, OIDC: opts.oidc, Now: clock.Now,
		OpenData: &OpenData{Datasets: []OpenDataset{{Name: "activos", TitleES: "Activos de software", TitleEN: "Software assets"}},
			Prepare: func(context.Context) (string, error) { return clock.Now().Format("2006-01-02"), nil }}})
	if err != nil {
		t.Fatal(err)
	}
	f.server = s
	f.srv = httptest.NewServer(s.handler())
	t.Cleanup(f.srv.Close)
	return f
}

func must(t testing.TB, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func (f *fixture) seed(t testing.TB) {
	t.Helper()
	ctx := registry.WithActor(context.Background(), registry.SystemActor("cli"))
	svc := f.svc
	for _, e := range []registry.Entity{
		{NIT: mintic, Name: "Ministerio de Tecnologías de la Información y las Comunicaciones", Sigla: "MinTIC", Orden: registry.OrdenNacional, Sector: "Tecnologías de la información", DepartmentCode: "11", MunicipalityCode: "11001"},
		{NIT: dnp, Name: "Departamento Nacional de Planeación", Sigla: "DNP", Orden: registry.OrdenNacional, Sector: "Planeación", DepartmentCode: "11", MunicipalityCode: "11001"},
		{NIT: antioquia, Name: "Gobernación de Antioquia", Orden: registry.OrdenTerritorial, DepartmentCode: "05", MunicipalityCode: "05001"},
		{NIT: alcBogota, Name: "Alcaldía Mayor de Bogotá", Orden: registry.OrdenTerritorial, DepartmentCode: "11", MunicipalityCode: "11001"},
		{NIT: sena, Name: "Servicio Nacional de Aprendizaje", Sigla: "SENA", Orden: registry.OrdenNacional, DepartmentCode: "11", MunicipalityCode: "11001"},
		{NIT: gobValle, Name: "Gobernación del Valle del Cauca", Orden: registry.OrdenTerritorial, DepartmentCode: "76", MunicipalityCode: "76001"},
		{NIT: alcaldiaCal, Name: "Alcaldía de Santiago de Cali", Orden: registry.OrdenTerritorial, DepartmentCode: "76", MunicipalityCode: "76001"},
	} {
		e := e
		_, err := svc.UpsertEntity(ctx, &e)
		must(t, err, "entity "+e.NIT)
	}
	f.cioNIT, f.buyerNIT = mintic, dnp

	public := func(name, repo, short, long, license, status string, cats []string, aliases []string, readme string) registry.Asset {
		a, _, err := svc.RegisterRepository(ctx, repo)
		must(t, err, "register "+repo)
		a.Name = name
		a.Descriptions = map[string]registry.Description{
			"es": {ShortDescription: short, LongDescription: long},
			"en": {ShortDescription: "(en) " + short},
		}
		a.License, a.DevelopmentStatus, a.Categories, a.Aliases, a.Readme = license, status, cats, aliases, readme
		a.PublisherNIT = mintic
		a.SoftwareType = "standalone/web"
		a.Languages = []registry.LanguageShare{{Name: "PHP", Share: 0.8}, {Name: "JavaScript", Share: 0.2}}
		a.Maintenance = registry.Maintenance{Type: "community"}
		must(t, svc.UpdateAsset(ctx, &a), "update "+name)
		return a
	}
	f.orfeo = public("Orfeo", "https://gitlab.com/orfeo-gpl/orfeo.git",
		"Sistema de gestión documental y de archivo para entidades públicas",
		"Orfeo gestiona la correspondencia, los expedientes y el archivo de la entidad conforme a la Ley 594 de 2000.",
		"GPL-3.0-or-later", registry.StatusStable, []string{"document-management", "records-management"}, []string{"ORFEO", "OrfeoGPL"},
		"# Orfeo\n\nSistema de **gestión documental**.\n\n<script>alert('x')</script>\n\n![logo](https://example.org/logo.png)\n\n[Manual](https://orfeo.example/manual) · <a href=\"javascript:alert(1)\">malo</a>\n\n## Instalación\n\n```sh\ncomposer install\n```\n")
	f.sgdea = public("Mercurio SGDEA", "https://github.com/entidad/mercurio.git",
		"Gestión documental electrónica de archivo (SGDEA) con firma digital",
		"", "MIT", registry.StatusBeta, []string{"document-management"}, nil, "")
	public("SIVIGILA Web", "https://github.com/ins/sivigila.git", "Vigilancia en salud pública", "", "Apache-2.0",
		registry.StatusStable, []string{"health"}, []string{"SIVIGILA"}, "")
	kactus := registry.Asset{Kind: registry.AssetCommercial, Name: "Kactus HR", Aliases: []string{"KACTUS"},
		Descriptions: map[string]registry.Description{"es": {ShortDescription: "Software comercial de nómina y gestión humana"}},
		Categories:   []string{"human-resources"}}
	must(t, svc.CreateAsset(ctx, &kactus), "kactus")
	f.kactus = kactus

	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 12, 0, 0, 0, time.UTC) }
	for i, tag := range []string{"v5.0.0", "v5.1.0", "v5.2.0", "v6.0.0"} {
		r := &registry.Release{AssetID: f.orfeo.ID, Tag: tag, IsRelease: true, Version: strings.TrimPrefix(tag, "v"), Commit: strings.Repeat(string(rune('a'+i)), 40), Date: day(2023+i/2, 1+i*3, 15)}
		_, err := svc.RecordRelease(ctx, r)
		must(t, err, "release "+tag)
	}
	for _, tag := range []string{"v0.9.0", "v1.0.0"} {
		_, err := svc.RecordRelease(ctx, &registry.Release{AssetID: f.sgdea.ID, Tag: tag, IsRelease: true, Version: strings.TrimPrefix(tag, "v"), Commit: strings.Repeat("f", 40), Date: day(2025, 6, 1)})
		must(t, err, "release "+tag)
	}
	_, err := svc.AddAdvisory(ctx, &registry.Advisory{ID: "ACV-2025-0001", AssetID: f.orfeo.ID, Summary: "Inyección SQL en la búsqueda de radicados",
		Severity: "HIGH", Affected: []registry.AffectedRange{{Introduced: "5.0.0", Fixed: "5.2.0"}}})
	must(t, err, "advisory")
	for _, ad := range []registry.Adoption{
		{EntityNIT: dnp, AssetID: f.orfeo.ID, ReleaseTag: "v5.1.0", Status: registry.AdoptionProduction},
		{EntityNIT: antioquia, AssetID: f.orfeo.ID, ReleaseTag: "v6.0.0", Status: registry.AdoptionProduction},
		{EntityNIT: alcBogota, AssetID: f.orfeo.ID, ReleaseTag: "v5.2.0", Status: registry.AdoptionPilot},
		{EntityNIT: gobValle, AssetID: f.sgdea.ID, ReleaseTag: "v1.0.0", Status: registry.AdoptionEvaluating},
	} {
		ad := ad
		must(t, svc.RecordAdoption(ctx, &ad), "adoption")
	}

	run := &registry.ImportRun{Format: "secop2", Source: "testdata/secop2.csv"}
	must(t, svc.StartImportRun(ctx, run), "import run")
	signed := func(y, m, d int) *time.Time { t := day(y, m, d); return &t }
	ps := []registry.Purchase{
		{Source: registry.SourceSECOPII, ContractID: "CO1.PCCNTR.1001", BuyerNIT: dnp, BuyerName: "DEPARTAMENTO NACIONAL DE PLANEACION",
			Supplier:    registry.Party{DocType: "NIT", DocNumber: "900123456", Name: "Soluciones Documentales S.A.S."},
			Description: "Soporte y mantenimiento del sistema de gestión documental ORFEO", Value: 180_000_000, SignedAt: signed(2024, 2, 1), Year: 2024,
			UNSPSC: []string{"81112200"}, DepartmentCode: "11", URL: "https://community.secop.gov.co/Public/Tendering/1001"},
		{Source: registry.SourceSECOPII, ContractID: "CO1.PCCNTR.1002", BuyerNIT: antioquia, BuyerName: "GOBERNACION DE ANTIOQUIA",
			Supplier:    registry.Party{DocType: "NIT", DocNumber: "900123456", Name: "Soluciones Documentales S.A.S."},
			Description: "Implementación de ORFEO para la gestión documental de la Gobernación", Value: 350_000_000, SignedAt: signed(2025, 3, 3), Year: 2025,
			UNSPSC: []string{"43231500"}, DepartmentCode: "05"},
		{Source: registry.SourceSECOPII, ContractID: "CO1.PCCNTR.1003", BuyerNIT: alcaldiaCal, BuyerName: "ALCALDIA DE SANTIAGO DE CALI",
			Supplier:    registry.Party{DocType: "CC", DocNumber: "1012345678", Name: "Juan Pérez", NaturalPerson: true},
			Description: "Licenciamiento de software de gestión documental", Value: 95_000_000, SignedAt: signed(2025, 8, 20), Year: 2025,
			UNSPSC: []string{"43231500"}, DepartmentCode: "76"},
		{Source: registry.SourceTVEC, ContractID: "TVEC-88001", BuyerNIT: sena, BuyerName: "SERVICIO NACIONAL DE APRENDIZAJE",
			Supplier:    registry.Party{DocType: "NIT", DocNumber: "800555111", Name: "Digitalware S.A.S."},
			Description: "Licencias de nómina Kactus HR", Value: 420_000_000, SignedAt: signed(2024, 11, 5), Year: 2024,
			UNSPSC: []string{"43231505"}, FrameworkAgreement: "CCE-139-AMP-2020", DepartmentCode: "11"},
		{Source: registry.SourceSECOPII, ContractID: "CO1.PCCNTR.1005", BuyerNIT: gobValle, BuyerName: "GOBERNACION DEL VALLE DEL CAUCA",
			Supplier:    registry.Party{DocType: "NIT", DocNumber: "800555111", Name: "Digitalware S.A.S."},
			Description: "Soporte del software de nómina Kactus", Value: 120_000_000, SignedAt: signed(2025, 1, 15), Year: 2025,
			UNSPSC: []string{"81112200"}, DepartmentCode: "76"},
	}
	for i := range ps {
		ps[i].RowHash, ps[i].SoftwareScore = ps[i].ContractID, 0.9
	}
	_, err = svc.ImportPurchases(ctx, run.ID, ps)
	must(t, err, "purchases")
	now := f.clock.Now()
	run.Status, run.New, run.FinishedAt = registry.ImportDone, int64(len(ps)), &now
	must(t, svc.SaveImportRun(ctx, run), "finish run")

	link := func(contract string, asset registry.Asset, rel string, score float64) registry.PurchaseLink {
		p, err := svc.PurchaseByKey(ctx, ps[0].Source, contract)
		if err != nil {
			p, err = svc.PurchaseByKey(ctx, registry.SourceTVEC, contract)
		}
		must(t, err, "purchase "+contract)
		l := registry.PurchaseLink{PurchaseID: p.ID, AssetID: asset.ID, Relation: rel, Score: score,
			Reasons: []string{"alias «" + asset.Name + "» en el objeto"}}
		_, err = svc.SuggestLink(ctx, &l)
		must(t, err, "link "+contract)
		return l
	}
	l1 := link("CO1.PCCNTR.1001", f.orfeo, registry.RelMaintenance, 0.92)
	_, err = svc.DecidePurchaseLink(ctx, l1.ID, true)
	must(t, err, "confirm link")
	l2 := link("CO1.PCCNTR.1002", f.orfeo, registry.RelImplementation, 0.88)
	_, err = svc.DecidePurchaseLink(ctx, l2.ID, true)
	must(t, err, "confirm link")
	link("CO1.PCCNTR.1003", f.sgdea, registry.RelAlternative, 0.55)
	l4 := link("TVEC-88001", kactus, registry.RelLicensing, 0.97)
	_, err = svc.DecidePurchaseLink(ctx, l4.ID, true)
	must(t, err, "confirm link")
	l5 := link("CO1.PCCNTR.1005", kactus, registry.RelSupport, 0.81)
	// A suggestion the DNP's procurement officer may decide.
	p6 := registry.Purchase{Source: registry.SourceSECOPII, ContractID: "CO1.PCCNTR.1006", BuyerNIT: dnp, BuyerName: "DEPARTAMENTO NACIONAL DE PLANEACION",
		Supplier:    registry.Party{DocType: "NIT", DocNumber: "901000111", Name: "Archivos Digitales Ltda."},
		Description: "Capacitación en el uso de Mercurio SGDEA", Value: 40_000_000, SignedAt: signed(2025, 9, 9), Year: 2025, RowHash: "6", DepartmentCode: "11", SoftwareScore: 0.8}
	_, err = svc.ImportPurchases(ctx, run.ID, []registry.Purchase{p6})
	must(t, err, "purchase 6")
	l6 := link("CO1.PCCNTR.1006", f.sgdea, registry.RelTraining, 0.74)
	f.linkID = l6.ID
	_ = l5
	// A derived adoption waiting for MinTIC's CIO.
	prop := &registry.Adoption{EntityNIT: mintic, AssetID: f.sgdea.ID, Verification: registry.VerificationForkDerived,
		Evidence: []registry.Evidence{{Kind: "FORK", URL: "https://github.com/mintic/mercurio"}}}
	_, err = svc.ProposeAdoption(ctx, prop)
	must(t, err, "propose")
	f.pendingID = prop.ID

	// Notices for MinTIC's inbox.
	_, err = f.store.Notices().Create(context.Background(), &registry.Notice{ID: registry.NewID(now), EntityNIT: mintic, Kind: registry.NoticeAdvisory,
		Ref: "ACV-2025-0001", AssetID: f.orfeo.ID, Title: "Aviso de seguridad ACV-2025-0001 en Orfeo", CreatedAt: now})
	must(t, err, "notice")

	for _, u := range []struct {
		name   string
		grants []registry.Grant
	}{
		{adminUser, []registry.Grant{{Role: registry.RoleAdmin}}},
		{cioUser, []registry.Grant{{Role: registry.RoleCIO, EntityNIT: mintic}}},
		{procUser, []registry.Grant{{Role: registry.RoleProcurement, EntityNIT: dnp}}},
	} {
		must(t, svc.CreateUser(ctx, &registry.User{Username: u.name, Grants: u.grants}, testPass), "user "+u.name)
	}
}

// client is an HTTP client with its own cookies that does not follow
// redirects.
func (f *fixture) client(t testing.TB) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// signIn signs a client in through the form.
func (f *fixture) signIn(t testing.TB, c *http.Client, user string) {
	t.Helper()
	res := f.post(t, c, "/ingresar", url.Values{"usuario": {user}, "clave": {testPass}, "volver": {"/"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in of %s: status %d", user, res.StatusCode)
	}
}

// post sends a same-origin form POST (as a browser does).
func (f *fixture) post(t testing.TB, c *http.Client, path string, form url.Values) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}
