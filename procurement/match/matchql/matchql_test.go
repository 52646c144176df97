package matchql_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acervo-co/acervo/graphql"
	"github.com/acervo-co/acervo/procurement/match"
	"github.com/acervo-co/acervo/procurement/match/internal/labelled"
	"github.com/acervo-co/acervo/procurement/match/matchql"
	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/sqlite"
)

const (
	nitCartagena = "890480184"
	nitPasto     = "891280000"
	nitHacienda  = "899999090"
)

func gid(typ, id string) string { return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + id)) }

type gqlResp struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func post(t *testing.T, url, token, query string) gqlResp {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"query": query})
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out gqlResp
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func field[T any](t *testing.T, r gqlResp, name string) T {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	var v T
	if err := json.Unmarshal(r.Data[name], &v); err != nil {
		t.Fatalf("%s: %v in %s", name, err, r.Data[name])
	}
	return v
}

// TestGraphQLEndToEnd serves the real GraphQL API with the extension over
// a real store and asks every field.
func TestGraphQLEndToEnd(t *testing.T) {
	st, err := sqlite.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 5, 2, 10, 0, 0, 0, time.UTC)
	svc := registry.NewService(st, registry.WithClock(func() time.Time { return now }))
	sys := registry.WithActor(t.Context(), registry.SystemActor("test"))
	for _, e := range []registry.Entity{{NIT: nitCartagena, Name: "ALCALDÍA DE CARTAGENA", Orden: registry.OrdenTerritorial, DepartmentCode: "13"},
		{NIT: nitPasto, Name: "ALCALDÍA DE PASTO", Orden: registry.OrdenTerritorial, DepartmentCode: "52"},
		{NIT: nitHacienda, Name: "MINISTERIO DE HACIENDA", Orden: registry.OrdenNacional, DepartmentCode: "11"}} {
		if _, err := svc.UpsertEntity(sys, &e); err != nil {
			t.Fatal(err)
		}
	}
	orfeo := registry.Asset{Kind: registry.AssetPublic, Name: "Orfeo", Aliases: []string{"ORFEO"}, RepositoryURL: "https://github.com/correlibre/orfeo",
		Categories: []string{"document-management"}}
	if err := svc.CreateAsset(sys, &orfeo); err != nil {
		t.Fatal(err)
	}
	for i, tag := range []string{"v1.0.0", "v2.0.0"} {
		r := registry.Release{AssetID: orfeo.ID, Tag: tag, IsRelease: true, Version: tag[1:], Commit: strings.Repeat("c", 40), Date: now.AddDate(0, i-2, 0)}
		if _, err := svc.RecordRelease(sys, &r); err != nil {
			t.Fatal(err)
		}
	}
	cio := registry.WithActor(t.Context(), registry.Actor{UserID: "cio", Grants: []registry.Grant{{Role: registry.RoleCIO, EntityNIT: nitPasto}}})
	if err := svc.RecordAdoption(cio, &registry.Adoption{EntityNIT: nitPasto, AssetID: orfeo.ID, ReleaseTag: "v1.0.0", Status: registry.AdoptionProduction}); err != nil {
		t.Fatal(err)
	}
	var ps []registry.Purchase
	for i, nit := range []string{nitCartagena, nitPasto, nitHacienda} {
		signed := time.Date(2025, 3, 1+i, 0, 0, 0, 0, time.UTC)
		ps = append(ps, registry.Purchase{Source: registry.SourceSECOPII, ContractID: fmt.Sprintf("CO1.PCCNTR.%d", 70+i), BuyerNIT: nit,
			Supplier: registry.Party{DocType: "NIT", DocNumber: "900123456", Name: "DOCUMENTAL S.A.S."}, UNSPSC: []string{"81112200"},
			Description: "SOPORTE Y MANTENIMIENTO DE LA PLATAFORMA DE GESTIÓN DOCUMENTAL ORFEO", Value: int64(20_000_000 * (i + 1)),
			SignedAt: &signed, Year: 2025, SoftwareScore: 0.9, RowHash: fmt.Sprint(i)})
	}
	if _, err := svc.ImportPurchases(sys, "run", ps); err != nil {
		t.Fatal(err)
	}
	if err := st.Users().Create(t.Context(), &registry.User{ID: "admin", Username: "admin", Grants: []registry.Grant{{Role: registry.RoleAdmin}}, CreatedAt: now, UpdatedAt: now}, nil); err != nil {
		t.Fatal(err)
	}
	admin := registry.WithActor(t.Context(), registry.Actor{UserID: "admin", Grants: []registry.Grant{{Role: registry.RoleAdmin}}})
	token, _, err := svc.CreateToken(admin, "admin", "test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	runner := match.NewRunner(svc, match.Options{}, nil)
	h, err := graphql.NewHandler(graphql.Config{Service: svc, Now: func() time.Time { return now },
		Extensions: []graphql.Extension{matchql.Extension(matchql.Deps{Service: svc, Runner: runner})}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	url := srv.URL

	// The matcher, run by an administrator; anonymous callers are refused.
	r := post(t, url, "", `mutation { runMatcher(full: true) { suggested } }`)
	if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
		t.Errorf("anonymous runMatcher: %+v", r.Errors)
	}
	stats := field[struct{ Purchases, Suggested int }](t, post(t, url, token, `mutation { runMatcher(full: true) { purchases suggested } }`), "runMatcher")
	if stats.Purchases != 3 || stats.Suggested != 3 {
		t.Errorf("runMatcher %+v", stats)
	}

	cands := field[[]struct {
		Asset      struct{ Name string }
		Relation   string
		Suggestion bool
		Reasons    []string
	}](t, post(t, url, "", fmt.Sprintf(`{ purchaseCandidates(purchaseId: %q) { asset { name } relation suggestion reasons } }`, gid("Purchase", ps[0].ID))), "purchaseCandidates")
	if len(cands) == 0 || cands[0].Asset.Name != "Orfeo" || cands[0].Relation != registry.RelMaintenance || !cands[0].Suggestion || len(cands[0].Reasons) == 0 {
		t.Errorf("purchaseCandidates %+v", cands)
	}

	bb := field[struct {
		PurchaseCount   int
		WithoutContract int
		Total           int64
		ByYear          []struct {
			Year, Count int
			Median      int64
		}
		Assets []struct {
			Asset           struct{ Name string }
			AdopterCount    int
			LatestRelease   struct{ Tag string }
			LinkedPurchases int
		}
		BudgetNote string
		Csv        string
	}](t, post(t, url, "", `{ antesDeComprar(unspsc: "811122", budget: 100000000) { purchaseCount withoutContract total byYear { year count median }
		assets { asset { name } adopterCount latestRelease { tag } linkedPurchases } budgetNote csv } }`), "antesDeComprar")
	if bb.PurchaseCount != 3 || bb.WithoutContract != 0 || bb.Total != 120_000_000 || len(bb.ByYear) != 1 || bb.ByYear[0].Median != 40_000_000 ||
		len(bb.Assets) != 1 || bb.Assets[0].AdopterCount != 1 || bb.Assets[0].LatestRelease.Tag != "v2.0.0" || bb.Assets[0].LinkedPurchases != 3 ||
		bb.BudgetNote == "" || !strings.HasPrefix(bb.Csv, "antes_de_comprar,") {
		t.Errorf("antesDeComprar %+v", bb)
	}
	if r := post(t, url, "", `{ antesDeComprar(unspsc: "8x") { total } }`); len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "INVALID" {
		t.Errorf("bad UNSPSC: %+v", r.Errors)
	}

	am := field[struct {
		Cells []struct {
			Asset    struct{ Name string }
			Entities int
		}
		Csv string
	}](t, post(t, url, "", `{ adoptionMatrix { cells { asset { name } entities } csv } }`), "adoptionMatrix")
	if len(am.Cells) != 1 || am.Cells[0].Entities != 1 || !strings.Contains(am.Csv, "Orfeo") {
		t.Errorf("adoptionMatrix %+v", am)
	}
	vc := field[struct {
		Summaries []struct {
			AssetName   string
			BehindMajor int
		}
	}](t, post(t, url, "", fmt.Sprintf(`{ versionCurrency(assetId: %q) { summaries { assetName behindMajor } } }`, gid("Asset", orfeo.ID))), "versionCurrency")
	if len(vc.Summaries) != 1 || vc.Summaries[0].BehindMajor != 1 {
		t.Errorf("versionCurrency %+v", vc)
	}
	ds := field[struct {
		Groups []struct {
			Kind, Label string
			Entities    int
		}
	}](t, post(t, url, "", `{ duplicatedSpending(fromYear: 2024, toYear: 2026, minEntities: 3) { groups { kind label entities } } }`), "duplicatedSpending")
	if len(ds.Groups) != 2 || ds.Groups[0].Entities != 3 {
		t.Errorf("duplicatedSpending %+v", ds)
	}
	tr := field[struct {
		Points []struct {
			Year  int
			Total int64
		}
	}](t, post(t, url, "", `{ spendingTrends { points { year total } } }`), "spendingTrends")
	if len(tr.Points) != 1 || tr.Points[0].Total != 120_000_000 {
		t.Errorf("spendingTrends %+v", tr)
	}
	lr := field[struct {
		Items []struct {
			Link     struct{ State string }
			Purchase struct{ ContractId string }
		}
	}](t, post(t, url, token, fmt.Sprintf(`{ linksToReview(entityNit: %q) { items { link { state } purchase { contractId } } next } }`, nitPasto)), "linksToReview")
	if len(lr.Items) != 1 || lr.Items[0].Link.State != registry.LinkSuggested {
		t.Errorf("linksToReview %+v", lr)
	}
	osv := `{"id":"GHSA-x","summary":"fallo","affected":[{"package":{"name":"github.com/correlibre/orfeo"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"2.0.0"}]}]}]}`
	imp := field[struct {
		New      int
		Problems []struct{ Reason string }
	}](t, post(t, url, token, fmt.Sprintf(`mutation { importAdvisories(osv: %q) { new problems { reason } } }`, osv)), "importAdvisories")
	if imp.New != 1 || len(imp.Problems) != 0 {
		t.Errorf("importAdvisories %+v", imp)
	}
	pa := field[[]struct{ Name string }](t, post(t, url, token, `{ proposedAssets { name } }`), "proposedAssets")
	if len(pa) != 0 {
		t.Errorf("proposedAssets %+v", pa)
	}
}

// TestGraphQLOnLabelledData loads the real SECOP rows of the labelled set
// and its gazetteer into a store, runs the matcher through GraphQL and
// asks the analytics about them: the whole path on real data.
func TestGraphQLOnLabelledData(t *testing.T) {
	dir := "../testdata/labelled"
	assets := labelled.Assets(t, filepath.Join(dir, "assets.json"))
	ps := labelled.Purchases(t, filepath.Join(dir, "purchases.csv"))
	gold := labelled.Gold(t, filepath.Join(dir, "gold.csv"))
	st, err := sqlite.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := registry.NewService(st)
	sys := registry.WithActor(t.Context(), registry.SystemActor("test"))
	slugOf := map[string]string{}
	for _, a := range assets {
		a.ID = ""
		if err := svc.CreateAsset(sys, &a); err != nil {
			t.Fatalf("%s: %v", a.Slug, err)
		}
		slugOf[a.ID] = a.Slug
	}
	byContract := map[string]string{}
	for i := range ps {
		p := &ps[i]
		p.ID, p.RowHash, p.SoftwareScore = "", p.ContractID, 0.7
		if !registry.ValidNIT(p.BuyerNIT) {
			p.BuyerNIT = ""
		}
	}
	for i := 0; i < len(ps); i += 200 {
		if _, err := svc.ImportPurchases(sys, "labelled", ps[i:min(i+200, len(ps))]); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range ps {
		byContract[p.ID] = p.ContractID
	}
	runner := match.NewRunner(svc, match.Options{}, nil)
	h, err := graphql.NewHandler(graphql.Config{Service: svc, Timeout: time.Minute, Extensions: []graphql.Extension{matchql.Extension(matchql.Deps{Service: svc, Runner: runner})}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	if err := st.Users().Create(t.Context(), &registry.User{ID: "admin", Username: "admin", Grants: []registry.Grant{{Role: registry.RoleAdmin}}, CreatedAt: time.Now(), UpdatedAt: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	token, _, err := svc.CreateToken(registry.WithActor(t.Context(), registry.Actor{UserID: "admin", Grants: []registry.Grant{{Role: registry.RoleAdmin}}}), "admin", "e2e", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	stats := field[struct{ Purchases, Suggested int }](t, post(t, srv.URL, token, `mutation { runMatcher(full: true) { purchases suggested } }`), "runMatcher")
	if stats.Purchases != len(ps) {
		t.Errorf("matched %d purchases, want %d", stats.Purchases, len(ps))
	}
	// The stored suggestions score as the in-memory matcher does.
	links, err := st.Links().ForAssets(t.Context(), keys(slugOf), registry.LinkSuggested)
	if err != nil {
		t.Fatal(err)
	}
	tp, fp := 0, 0
	for _, l := range links {
		if l.Relation == registry.RelAlternative {
			continue
		}
		g, ok := gold[[2]string{byContract[l.PurchaseID], slugOf[l.AssetID]}]
		switch {
		case ok && g.Certainty == "unsure":
		case ok && g.Relation != "NONE" && g.Relation != match.RelUse:
			tp++
		default:
			fp++
		}
	}
	t.Logf("stored direct suggestions: %d right, %d wrong (of %d suggestions)", tp, fp, len(links))
	if tp+fp == 0 || float64(tp)/float64(tp+fp) < 0.9 {
		t.Errorf("stored suggestions: %d right, %d wrong", tp, fp)
	}
	// SIIF payment clerks are never linked.
	for _, l := range links {
		if slugOf[l.AssetID] == "siif-nacion" && byContract[l.PurchaseID] == "CO1.PCCNTR.6235419" {
			t.Errorf("the SIIF payments clerk was linked: %+v", l)
		}
	}
	ds := field[struct {
		Groups []struct {
			Kind, Label string
			Entities    int
			Total       int64
		}
	}](t, post(t, srv.URL, "", `{ duplicatedSpending(fromYear: 2023, toYear: 2026, minEntities: 4) { groups { kind label entities total } } }`), "duplicatedSpending")
	found := map[string]int{}
	for _, g := range ds.Groups {
		found[g.Label] = g.Entities
	}
	for _, name := range []string{"Google Workspace", "Adobe Creative Cloud", "SYSMAN"} {
		if found[name] < 4 {
			t.Errorf("duplicated spending misses %s: %+v", name, ds.Groups)
		}
	}
	bb := field[struct {
		PurchaseCount int
		Total         int64
		Assets        []struct{ Asset struct{ Name string } }
	}](t, post(t, srv.URL, "", `{ antesDeComprar(unspsc: "811122") { purchaseCount total assets { asset { name } } } }`), "antesDeComprar")
	if bb.PurchaseCount < 20 || bb.Total <= 0 || len(bb.Assets) == 0 {
		t.Errorf("antesDeComprar on software maintenance: %+v", bb)
	}
	t.Logf("antes de comprar, UNSPSC 811122: %d purchases, %s, assets %v", bb.PurchaseCount, registry.Pesos(bb.Total), bb.Assets)
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
