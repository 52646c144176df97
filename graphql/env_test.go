package graphql

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/search"
	"github.com/acervo-co/acervo/registry/sqlite"
)

// t0 is the fixtures' clock.
var t0 = time.Date(2024, 6, 3, 15, 4, 5, 0, time.UTC)

func at(days int) time.Time { return t0.AddDate(0, 0, days) }

func tp(t time.Time) *time.Time { return &t }

// Fixed ids, so that global ids and cursors in golden files are stable.
const (
	nitMinTIC    = "899999053"
	nitCartagena = "890480184"
	nitMedellin  = "890905211"

	idOrfeo     = "01hzaaaaaaaaaaaaaaaaaaaaa1"
	idSIIF      = "01hzaaaaaaaaaaaaaaaaaaaaa2"
	idCartApp   = "01hzaaaaaaaaaaaaaaaaaaaaa3"
	idDatos     = "01hzaaaaaaaaaaaaaaaaaaaaa4"
	idAdoptCart = "01hzbbbbbbbbbbbbbbbbbbbbb1"
	idAdoptMin  = "01hzbbbbbbbbbbbbbbbbbbbbb2"
	idAdoptApp  = "01hzbbbbbbbbbbbbbbbbbbbbb3"
	idAdoptMed  = "01hzbbbbbbbbbbbbbbbbbbbbb4"
	idPurchSop  = "01hzccccccccccccccccccccc1"
	idPurchApp  = "01hzccccccccccccccccccccc2"
	idPurchSIIF = "01hzccccccccccccccccccccc3"
	idLinkSop   = "01hzddddddddddddddddddddd1"
	idLinkApp   = "01hzddddddddddddddddddddd2"
	idLinkSIIF  = "01hzddddddddddddddddddddd3"
)

// countingStore wraps a registry.Store and counts the calls made through
// the sub-stores the API reads (assets, releases, entities, adoptions,
// purchases, links).
type countingStore struct {
	registry.Store
	n atomic.Int64
}

func (c *countingStore) Assets() registry.AssetStore {
	return countingAssets{c.Store.Assets(), &c.n}
}
func (c *countingStore) Releases() registry.ReleaseStore {
	return countingReleases{c.Store.Releases(), &c.n}
}
func (c *countingStore) Entities() registry.EntityStore {
	return countingEntities{c.Store.Entities(), &c.n}
}
func (c *countingStore) Adoptions() registry.AdoptionStore {
	return countingAdoptions{c.Store.Adoptions(), &c.n}
}
func (c *countingStore) Purchases() registry.PurchaseStore {
	return countingPurchases{c.Store.Purchases(), &c.n}
}
func (c *countingStore) Links() registry.LinkStore { return countingLinks{c.Store.Links(), &c.n} }

type countingAssets struct {
	registry.AssetStore
	n *atomic.Int64
}

func (s countingAssets) Get(ctx context.Context, id string) (registry.Asset, error) {
	s.n.Add(1)
	return s.AssetStore.Get(ctx, id)
}
func (s countingAssets) GetBySlug(ctx context.Context, slug string) (registry.Asset, error) {
	s.n.Add(1)
	return s.AssetStore.GetBySlug(ctx, slug)
}
func (s countingAssets) GetMany(ctx context.Context, ids []string) ([]registry.Asset, error) {
	s.n.Add(1)
	return s.AssetStore.GetMany(ctx, ids)
}
func (s countingAssets) List(ctx context.Context, f registry.AssetFilter) (registry.List[registry.Asset], error) {
	s.n.Add(1)
	return s.AssetStore.List(ctx, f)
}

type countingReleases struct {
	registry.ReleaseStore
	n *atomic.Int64
}

func (s countingReleases) List(ctx context.Context, f registry.ReleaseFilter) (registry.List[registry.Release], error) {
	s.n.Add(1)
	return s.ReleaseStore.List(ctx, f)
}
func (s countingReleases) ForAssets(ctx context.Context, ids []string) ([]registry.Release, error) {
	s.n.Add(1)
	return s.ReleaseStore.ForAssets(ctx, ids)
}

type countingEntities struct {
	registry.EntityStore
	n *atomic.Int64
}

func (s countingEntities) GetMany(ctx context.Context, nits []string) ([]registry.Entity, error) {
	s.n.Add(1)
	return s.EntityStore.GetMany(ctx, nits)
}
func (s countingEntities) GetByNIT(ctx context.Context, nit string) (registry.Entity, error) {
	s.n.Add(1)
	return s.EntityStore.GetByNIT(ctx, nit)
}
func (s countingEntities) List(ctx context.Context, f registry.EntityFilter) (registry.List[registry.Entity], error) {
	s.n.Add(1)
	return s.EntityStore.List(ctx, f)
}

type countingAdoptions struct {
	registry.AdoptionStore
	n *atomic.Int64
}

func (s countingAdoptions) List(ctx context.Context, f registry.AdoptionFilter) (registry.List[registry.Adoption], error) {
	s.n.Add(1)
	return s.AdoptionStore.List(ctx, f)
}
func (s countingAdoptions) ForAssets(ctx context.Context, ids []string) ([]registry.Adoption, error) {
	s.n.Add(1)
	return s.AdoptionStore.ForAssets(ctx, ids)
}
func (s countingAdoptions) Get(ctx context.Context, id string) (registry.Adoption, error) {
	s.n.Add(1)
	return s.AdoptionStore.Get(ctx, id)
}

type countingPurchases struct {
	registry.PurchaseStore
	n *atomic.Int64
}

func (s countingPurchases) GetMany(ctx context.Context, ids []string) ([]registry.Purchase, error) {
	s.n.Add(1)
	return s.PurchaseStore.GetMany(ctx, ids)
}
func (s countingPurchases) List(ctx context.Context, f registry.PurchaseFilter) (registry.List[registry.Purchase], error) {
	s.n.Add(1)
	return s.PurchaseStore.List(ctx, f)
}

type countingLinks struct {
	registry.LinkStore
	n *atomic.Int64
}

func (s countingLinks) ForAssets(ctx context.Context, ids []string, states ...string) ([]registry.PurchaseLink, error) {
	s.n.Add(1)
	return s.LinkStore.ForAssets(ctx, ids, states...)
}
func (s countingLinks) List(ctx context.Context, f registry.LinkFilter) (registry.List[registry.PurchaseLink], error) {
	s.n.Add(1)
	return s.LinkStore.List(ctx, f)
}

// env is a live API over a real SQLite store with the fixtures.
type env struct {
	t       testing.TB
	store   *countingStore
	svc     *registry.Service
	idx     *search.Index
	h       *Handler
	srv     *httptest.Server
	tokens  map[string]string // username → API token
	users   map[string]registry.User
	logs    *bytes.Buffer
	logMu   sync.Mutex
	cfgHook func(*Config)
	// compared counts the queries both executors answered alike.
	compared atomic.Int64
}

// repoChecker accepts https URLs (the real egress policy is gitsync's).
func repoChecker() registry.RepositoryChecker {
	return registry.RepositoryCheckerFunc(func(ctx context.Context, raw string) (registry.RepositoryLocation, error) {
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return registry.RepositoryLocation{}, &registry.InvalidError{Fields: []registry.FieldError{{Field: "url", Message: "only https URLs", Code: registry.CodeURLSchemeNotAllowed}}}
		}
		return registry.RepositoryLocation{URL: "https://" + strings.ToLower(u.Host) + strings.TrimSuffix(u.Path, ".git"), Path: u.Host + u.Path}, nil
	})
}

type syncBuffer struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (s syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func newEnv(t testing.TB, opts ...func(*Config)) *env {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, store: &countingStore{Store: st}, tokens: map[string]string{}, users: map[string]registry.User{}, logs: &bytes.Buffer{}}
	logger := slog.New(slog.NewTextHandler(syncBuffer{&e.logMu, e.logs}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	e.svc = registry.NewService(e.store, registry.WithClock(func() time.Time { return t0 }), registry.WithRepositoryChecker(repoChecker()), registry.WithLogger(logger))
	seed(t, st)
	e.idx, err = search.Open(ctx, st, search.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.idx.Close() })
	cfg := Config{Service: e.svc, Search: e.idx, Logger: logger, Now: func() time.Time { return t0 }}
	for _, o := range opts {
		o(&cfg)
	}
	e.h, err = newHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Every query of every test runs through both executors (exec.go's
	// answers, graphql-go's is compared with it).
	e.h.compareExec = e.compareExecutors
	e.srv = httptest.NewServer(e.h)
	t.Cleanup(e.srv.Close)
	sys := registry.WithActor(ctx, registry.SystemActor("test"))
	for _, u := range []registry.User{
		{Username: "admin", Grants: []registry.Grant{{Role: registry.RoleAdmin}}},
		{Username: "cio.cartagena", Grants: []registry.Grant{{Role: registry.RoleCIO, EntityNIT: nitCartagena}, {Role: registry.RoleProcurement, EntityNIT: nitCartagena}}},
		{Username: "editor.mintic", Grants: []registry.Grant{{Role: registry.RoleEditor, EntityNIT: nitMinTIC}, {Role: registry.RoleCIO, EntityNIT: nitMinTIC}}},
		{Username: "nobody"},
	} {
		if err := e.svc.CreateUser(sys, &u, ""); err != nil {
			t.Fatal(err)
		}
		tok, _, err := e.svc.CreateToken(registry.WithActor(ctx, registry.ActorFor(u)), "", "tests", 0)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[u.Username], e.users[u.Username] = tok, u
	}
	if _, err := e.idx.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	e.store.n.Store(0)
	return e
}

// seed writes the fixtures straight into the store with fixed ids.
func seed(t testing.TB, st registry.Store) {
	t.Helper()
	ctx := t.Context()
	ev := func(action string) *registry.AuditEvent {
		return &registry.AuditEvent{At: t0, Actor: "system:seed", Action: action, TargetKind: "seed", TargetID: "seed"}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range []registry.Entity{
		{ID: "ent-mintic", NIT: nitMinTIC, Name: "Ministerio de Tecnologías de la Información y las Comunicaciones", Sigla: "MinTIC", Orden: registry.OrdenNacional, Sector: "TIC", DepartmentCode: "11", MunicipalityCode: "11001"},
		{ID: "ent-cartagena", NIT: nitCartagena, Name: "Alcaldía Distrital de Cartagena de Indias", Orden: registry.OrdenTerritorial, Sector: "Gobierno territorial", DepartmentCode: "13", MunicipalityCode: "13001"},
		{ID: "ent-medellin", NIT: nitMedellin, Name: "Alcaldía de Medellín", Orden: registry.OrdenTerritorial, Sector: "Gobierno territorial", DepartmentCode: "05", MunicipalityCode: "05001"},
	} {
		e.CheckDigit = registry.NITCheckDigit(e.NIT)
		e.CreatedAt, e.UpdatedAt = at(-400), at(-400)
		must(st.Entities().Create(ctx, &e, ev("entity.create")))
	}
	assets := []registry.Asset{
		{ID: idOrfeo, Kind: registry.AssetPublic, Slug: "orfeo", Name: "Orfeo", PublisherNIT: nitMinTIC,
			RepositoryURL: "https://github.com/example/orfeo", License: "GPL-3.0-or-later", Categories: []string{"document-management", "records-management"},
			DevelopmentStatus: registry.StatusStable, SoftwareType: "standalone/web", Aliases: []string{"ORFEO", "Orfeo GPL"},
			Languages: []registry.LanguageShare{{Name: "PHP", Share: 0.8}, {Name: "JavaScript", Share: 0.2}},
			Descriptions: map[string]registry.Description{
				"es": {ShortDescription: "Sistema de gestión documental y de expedientes electrónicos para entidades públicas.", Features: []string{"Radicación de comunicaciones", "Tablas de retención documental"}},
				"en": {ShortDescription: "Document and electronic records management system for public bodies."},
			},
			Maintenance: registry.Maintenance{Type: "community", Contacts: []registry.Contact{{Name: "Mesa de ayuda Orfeo", Email: "orfeo@example.org"}}},
			Active:      true},
		{ID: idSIIF, Kind: registry.AssetCommercial, Slug: "siif-nacion", Name: "SIIF Nación", Aliases: []string{"SIIF"},
			Categories: []string{"financial"}, Descriptions: map[string]registry.Description{"es": {ShortDescription: "Sistema integrado de información financiera de la Nación."}}, Active: true},
		{ID: idCartApp, Kind: registry.AssetPublic, Slug: "mi-cartagena", Name: "Mi Cartagena App", PublisherNIT: nitCartagena,
			RepositoryURL: "https://gitlab.com/example/mi-cartagena", License: "MIT", Categories: []string{"citizen-engagement"},
			DevelopmentStatus: registry.StatusBeta, Languages: []registry.LanguageShare{{Name: "Kotlin", Share: 1}},
			Descriptions: map[string]registry.Description{"es": {ShortDescription: "Aplicación móvil de notificaciones ciudadanas y trámites."}}, Active: true},
		{ID: idDatos, Kind: registry.AssetPublic, Slug: "portal-datos", Name: "Portal de Datos Abiertos", PublisherNIT: nitMinTIC,
			RepositoryURL: "https://github.com/example/datos", License: "Apache-2.0", Categories: []string{"open-data"},
			DevelopmentStatus: registry.StatusObsolete, Descriptions: map[string]registry.Description{"es": {ShortDescription: "Publicación de datos abiertos."}},
			Active: false, AdminDeactivated: true, InactiveReason: "Reemplazado por datos.gov.co"},
	}
	for i := range assets {
		assets[i].CreatedAt, assets[i].UpdatedAt = at(-300+i), at(-30+i)
		must(st.Assets().Create(ctx, &assets[i], ev("asset.create")))
	}
	rel := func(asset, tag, version string, days int, pre bool) registry.Release {
		return registry.Release{ID: "rel-" + asset[len(asset)-1:] + "-" + tag, AssetID: asset, Tag: tag, IsRelease: version != "", Version: version,
			Commit: strings.Repeat(tag[len(tag)-1:], 40)[:40], Date: at(days), Prerelease: pre, CreatedAt: at(days), UpdatedAt: at(days),
			Publiccode: registry.PubliccodeSnapshot{Present: true, Path: "publiccode.yml", Version: "0.4", Valid: true}}
	}
	for _, r := range []registry.Release{
		rel(idOrfeo, "v1.0.0", "1.0.0", -250, false), rel(idOrfeo, "v1.2.0", "1.2.0", -200, false),
		rel(idOrfeo, "v2.0.0", "2.0.0", -100, false), rel(idOrfeo, "v2.1.0-beta.1", "2.1.0-beta.1", -10, true),
		rel(idOrfeo, "nightly", "", -5, false), rel(idCartApp, "v0.9.0", "0.9.0", -50, false),
	} {
		_, err := st.Releases().Upsert(ctx, &r, ev("release.upsert"))
		must(err)
	}
	for _, a := range []registry.Adoption{
		{ID: idAdoptCart, EntityNIT: nitCartagena, AssetID: idOrfeo, ReleaseTag: "v1.2.0", Status: registry.AdoptionProduction, Environment: "produccion", Verification: registry.VerificationCIOVerified, Since: tp(at(-180))},
		{ID: idAdoptMin, EntityNIT: nitMinTIC, AssetID: idOrfeo, Constraint: "^2.0", Status: registry.AdoptionProduction, Environment: "produccion", Verification: registry.VerificationSelfDeclared},
		{ID: idAdoptApp, EntityNIT: nitCartagena, AssetID: idCartApp, ReleaseTag: "v0.9.0", Status: registry.AdoptionPilot, Verification: registry.VerificationSelfDeclared},
		{ID: idAdoptMed, EntityNIT: nitMedellin, AssetID: idOrfeo, ReleaseTag: "v1.0.0", Status: registry.AdoptionRetired, Verification: registry.VerificationSelfDeclared},
	} {
		a.CreatedAt, a.UpdatedAt = at(-150), at(-150)
		must(st.Adoptions().Create(ctx, &a, ev("adoption.create")))
	}
	ps := []registry.Purchase{
		{ID: idPurchSop, Source: registry.SourceSECOPII, ContractID: "CO1.PCCNTR.1001", ProcessID: "CO1.REQ.1", BuyerNIT: nitCartagena, BuyerName: "ALCALDIA DISTRITAL DE CARTAGENA DE INDIAS",
			Supplier: registry.Party{DocType: "NIT", DocNumber: "900123456", Name: "Soluciones Documentales S.A.S."}, LegalRep: registry.Party{DocType: "CC", DocNumber: "73100200", Name: "Pedro Pérez", NaturalPerson: true},
			Description: "Soporte y mantenimiento del sistema de gestión documental ORFEO", UNSPSC: []string{"81112200"}, Modality: "Contratación directa",
			Value: 150_000_000, SignedAt: tp(at(-220)), Year: 2023, DepartmentCode: "13", SoftwareScore: 0.95, RowHash: "h1"},
		{ID: idPurchApp, Source: registry.SourceSECOPII, ContractID: "CO1.PCCNTR.2002", BuyerNIT: nitCartagena, BuyerName: "ALCALDIA DISTRITAL DE CARTAGENA DE INDIAS",
			Supplier: registry.Party{DocType: "CC", DocNumber: "1047400500", Name: "Ana María Gómez", NaturalPerson: true}, LegalRep: registry.Party{DocType: "CC", DocNumber: "1047400500", Name: "Ana María Gómez", NaturalPerson: true},
			Description: "Desarrollo de aplicación móvil de notificaciones para la ciudadanía", UNSPSC: []string{"81111500"},
			Value: 45_000_000, SignedAt: tp(at(-60)), Year: 2024, DepartmentCode: "13", SoftwareScore: 0.9, RowHash: "h2"},
		{ID: idPurchSIIF, Source: registry.SourceTVEC, ContractID: "TVEC-77", BuyerNIT: nitMinTIC, BuyerName: "MINISTERIO DE TECNOLOGIAS DE LA INFORMACION Y LAS COMUNICACIONES",
			Supplier:    registry.Party{DocType: "NIT", DocNumber: "830001234", Name: "Oracle Colombia Ltda."},
			Description: "Licencias y soporte del sistema financiero SIIF", UNSPSC: []string{"43231500"}, FrameworkAgreement: "CCE-123-AMP-2023",
			Value: 3_000_000_000, SignedAt: tp(at(-30)), Year: 2024, DepartmentCode: "11", SoftwareScore: 0.99, RowHash: "h3"},
	}
	for i := range ps {
		ps[i].CreatedAt, ps[i].UpdatedAt = at(-20), at(-20)
	}
	_, err := st.Purchases().UpsertBatch(ctx, ps, ev("purchase.import"))
	must(err)
	for _, l := range []registry.PurchaseLink{
		{ID: idLinkSop, PurchaseID: idPurchSop, AssetID: idOrfeo, Relation: registry.RelMaintenance, Score: 0.92, Reasons: []string{"alias ORFEO in the description"}, State: registry.LinkConfirmed},
		{ID: idLinkApp, PurchaseID: idPurchApp, AssetID: idCartApp, Relation: registry.RelDevelopment, Score: 0.7, Reasons: []string{"buyer publishes the asset"}, State: registry.LinkSuggested},
		{ID: idLinkSIIF, PurchaseID: idPurchSIIF, AssetID: idSIIF, Relation: registry.RelLicensing, Score: 0.88, Reasons: []string{"alias SIIF"}, State: registry.LinkSuggested},
	} {
		l.CreatedAt, l.UpdatedAt = at(-10), at(-10)
		_, err := st.Links().Upsert(ctx, &l, ev("link.suggest"))
		must(err)
	}
	adv := registry.Advisory{ID: "GHSA-orfe-0001-xss", AssetID: idOrfeo, Summary: "XSS en la radicación", Severity: "HIGH",
		Affected: []registry.AffectedRange{{Introduced: "0", Fixed: "1.2.1"}}, Published: at(-40), Modified: at(-40), CreatedAt: at(-40), UpdatedAt: at(-40)}
	_, err = st.Advisories().Upsert(ctx, &adv, ev("advisory.upsert"))
	must(err)
	for _, m := range []registry.Mirror{
		{ID: "mir-orfeo", AssetID: idOrfeo, URL: "https://github.com/example/orfeo", Path: "github.com/example/orfeo", Status: registry.MirrorOK, LastSyncAt: tp(at(-1)), LastSuccessAt: tp(at(-1)), NextDueAt: at(0)},
		{ID: "mir-app", AssetID: idCartApp, URL: "https://gitlab.com/example/mi-cartagena", Path: "gitlab.com/example/mi-cartagena", Status: registry.MirrorFailed, ErrorCode: registry.CodeFetchFailed, ErrorMessage: "dial tcp 10.1.2.3:443: connection refused", Failures: 3, LastSyncAt: tp(at(-1)), NextDueAt: at(1)},
	} {
		m.CreatedAt, m.UpdatedAt = at(-100), at(-1)
		must(st.Mirrors().Create(ctx, &m, ev("mirror.create")))
	}
}

// result is an HTTP answer.
type result struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r result) json(t testing.TB) map[string]interface{} {
	t.Helper()
	var m map[string]interface{}
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not JSON (%d): %s", r.Status, r.Body)
	}
	return m
}

// code is errors[0].extensions.code.
func (r result) code(t testing.TB) string {
	t.Helper()
	m := r.json(t)
	errs, _ := m["errors"].([]interface{})
	if len(errs) == 0 {
		return ""
	}
	e, _ := errs[0].(map[string]interface{})
	ext, _ := e["extensions"].(map[string]interface{})
	s, _ := ext["code"].(string)
	return s
}

// post sends a GraphQL request as user ("" for anonymous).
func (e *env) post(user, query string, vars map[string]interface{}) result {
	e.t.Helper()
	b, _ := json.Marshal(map[string]interface{}{"query": query, "variables": vars})
	return e.raw(user, http.MethodPost, "application/json", b)
}

func (e *env) raw(user, method, contentType string, body []byte) result {
	e.t.Helper()
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.srv.URL, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[user])
	}
	return e.do(req)
}

func (e *env) do(req *http.Request) result {
	e.t.Helper()
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return result{Status: resp.StatusCode, Header: resp.Header, Body: b}
}
