package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acervo-co/acervo/gitsync/publiccode"
	"github.com/acervo-co/acervo/registry"
)

// TestCatalogues: both catalogues have the same keys, and every key the
// templates and the code use exists (dynamic families listed here).
func TestCatalogues(t *testing.T) {
	cats, err := loadCatalogs(embedded)
	if err != nil {
		t.Fatal(err)
	}
	es, en := cats["es"], cats["en"]
	if m := missingKeys(es, en); len(m) > 0 {
		t.Errorf("en.json lacks %d keys of es.json: %v", len(m), m)
	}
	if m := missingKeys(en, es); len(m) > 0 {
		t.Errorf("es.json lacks %d keys of en.json: %v", len(m), m)
	}
	for k, v := range es {
		if strings.TrimSpace(v) == "" || strings.TrimSpace(en[k]) == "" {
			t.Errorf("key %s is empty in a catalogue", k)
		}
	}
	used := map[string]bool{}
	tmplKey := regexp.MustCompile(`[({]t "([a-z0-9_.-]+)"`)
	err = fs.WalkDir(embedded, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(embedded, p)
		for _, m := range tmplKey.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	goKey := regexp.MustCompile(`\btr\((?:r, )?"([a-z0-9_.-]+)"[,)]`)
	goFiles, _ := fs.Glob(os.DirFS("."), "*.go")
	for _, p := range goFiles {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		b, _ := os.ReadFile(p)
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
	}
	for _, e := range []string{"csrf", "forbidden", "notfound", "conflict", "invalid", "internal", "unauthenticated", "oidc", "oidc_unbound"} {
		used["error."+e+".title"], used["error."+e+".text"] = true, true
	}
	for _, n := range infoPages {
		used["info."+n+".titulo"], used["info."+n+".texto"] = true, true
	}
	for _, sct := range []string{"repositorios", "importaciones", "importacion", "enlaces", "adopciones", "tokens", "auditoria"} {
		used["admin."+sct], used["admin."+sct+"_desc"] = true, true
	}
	for _, p := range searchParams {
		used[p.label] = true
	}
	for i := 1; i <= 12; i++ {
		used["mes."+itoa(int64(i))] = true
	}
	for _, h := range []string{"salida", "adopcion", "aviso", "webhook", "webhook_eliminado", "repositorio", "enlace_confirmado",
		"enlace_rechazado", "adopcion_verificada", "token", "token_revocado"} {
		used["hecho."+h] = true
	}
	// lbl families: every value the domain defines.
	lbl := map[string][]string{
		"kind":         {string(registry.AssetPublic), string(registry.AssetCommercial)},
		"status":       {registry.StatusConcept, registry.StatusDevelopment, registry.StatusBeta, registry.StatusStable, registry.StatusObsolete},
		"adopcion":     {registry.AdoptionEvaluating, registry.AdoptionPilot, registry.AdoptionProduction, registry.AdoptionRetired},
		"verificacion": {registry.VerificationSelfDeclared, registry.VerificationCIOVerified, registry.VerificationProcurementDerived, registry.VerificationForkDerived},
		"relacion": {registry.RelDevelopment, registry.RelImplementation, registry.RelMaintenance, registry.RelSupport, registry.RelLicensing,
			registry.RelHosting, registry.RelTraining, registry.RelAlternative},
		"enlace":      {registry.LinkSuggested, registry.LinkConfirmed, registry.LinkRejected},
		"espejo":      {registry.MirrorNew, registry.MirrorOK, registry.MirrorFailed},
		"importacion": {registry.ImportRunning, registry.ImportDone, registry.ImportFailed},
		"aviso":       {registry.NoticeNewRelease, registry.NoticeAdvisory, registry.NoticeAdoption},
		"orden":       {registry.OrdenNacional, registry.OrdenTerritorial},
		"fuente":      {registry.SourceSECOPII, registry.SourceSECOPI, registry.SourceTVEC, registry.SourceOCDS},
		"categoria":   publiccode.Categories(), // every category of the standard reads in words
	}
	for prefix, vs := range lbl {
		for _, v := range vs {
			used[prefix+"."+strings.ToLower(v)] = true
		}
	}
	for k := range used {
		if _, ok := es[k]; !ok {
			t.Errorf("key %q is used but missing from es.json", k)
		}
	}
	if len(used) < 300 {
		t.Errorf("found only %d used keys: the scan is broken", len(used))
	}
}

func TestCSVDownloads(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	c := f.client(t)
	tests := []struct {
		path   string
		header string
		want   []string
	}{
		{"/tablero/departamentos.csv", "Código DANE", []string{"11,\"Bogotá, D.C.\",2,", "05,Antioquia,1,1"}},
		{"/tablero/versiones.csv", "Activo", []string{"Orfeo," + f.orfeo.Slug + ",v6.0.0,3,1,2,0,0,0,1,0"}},
		{"/tablero/gasto-anual.csv", "Año", []string{"2025,4,605000000,4,4", "2024,2,600000000,2,2"}},
		{"/tablero/gasto-duplicado.csv", "Tipo", []string{"ASSET," + f.kactus.ID + ",Kactus HR,2,2,540000000", "ASSET," + f.orfeo.ID + ",Orfeo,2,2,530000000"}},
		{"/tablero/adopcion.csv", "Activo", []string{"Orfeo," + f.orfeo.Slug + ",05,Antioquia,TERRITORIAL,,1,1,0,1"}},
		{"/antes-de-comprar.csv?q=gesti%C3%B3n+documental", "Fuente", []string{"CO1.PCCNTR.1001", "CO1.PCCNTR.1002", "CO1.PCCNTR.1003"}},
		{"/antes-de-comprar.csv?unspsc=4323", "Fuente", []string{"CO1.PCCNTR.1002", "CO1.PCCNTR.1003", "TVEC-88001"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, body := get(t, c, f.srv.URL+tt.path)
			if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
				!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") {
				t.Fatalf("status %d, headers %v", res.StatusCode, res.Header)
			}
			if !strings.HasPrefix(body, "\ufeff"+tt.header) {
				t.Errorf("CSV starts %q", body[:min(40, len(body))])
			}
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
			if err != nil {
				t.Fatalf("not CSV: %v", err)
			}
			if len(rows) < 2 {
				t.Fatalf("only %d rows", len(rows))
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("CSV lacks %q:\n%s", w, body)
				}
			}
		})
	}
	if res, _ := get(t, c, f.srv.URL+"/tablero/otra.csv"); res.StatusCode != 404 {
		t.Errorf("unknown CSV: %d", res.StatusCode)
	}
}

func TestReadmeIsSanitised(t *testing.T) {
	r := newReadmeRenderer()
	h := string(r.render("k", "# T\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n![i](https://tracker.example/p.png)\n\n"+
		"[ok](https://ok.example) [bad](javascript:alert(3)) <a href=\"https://x.example\" onclick=\"alert(4)\">x</a>\n\n```go\nfmt.Println()\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"))
	for _, bad := range []string{"<script", "alert(1)", "onerror", "<img", "tracker.example", "javascript:", "onclick"} {
		if strings.Contains(h, bad) {
			t.Errorf("rendered README keeps %q:\n%s", bad, h)
		}
	}
	for _, good := range []string{"<h3>T</h3>", `href="https://ok.example"`, `rel="nofollow noreferrer"`, `class="language-go"`, "<table>"} {
		if !strings.Contains(h, good) {
			t.Errorf("rendered README lacks %q:\n%s", good, h)
		}
	}
}

func TestGeo(t *testing.T) {
	g, err := loadGeo(embedded, "data/co_2018_MGN_DPTO_POLITICO.geojson")
	if err != nil {
		t.Fatal(err)
	}
	if len(g.depts) != 33 {
		t.Fatalf("%d departments, want 33", len(g.depts))
	}
	for code, name := range map[string]string{"05": "Antioquia", "11": "Bogotá, D.C.", "76": "Valle del Cauca", "88": "Archipiélago de San Andrés, Providencia y Santa Catalina", "54": "Norte de Santander"} {
		if g.names[code] != name {
			t.Errorf("department %s is %q, want %q", code, g.names[code], name)
		}
	}
	svg := g.choropleth("m", "Título", "Entidades", "Sin datos", map[string]int64{"05": 10, "11": 1}, func(n int64) string { return itoa(n) })
	if strings.Count(svg, "<path") != 33 || !strings.Contains(svg, `data-codigo="05" fill="#0943b5"`) && !strings.Contains(svg, `fill="#0943b5" data-codigo="05"`) {
		t.Errorf("choropleth: %d paths or Antioquia not in the darkest class", strings.Count(svg, "<path"))
	}
	if !strings.Contains(svg, "<title>Antioquia: 10</title>") || !strings.Contains(svg, `role="img"`) {
		t.Error("choropleth lacks per-department titles or its role")
	}
	if _, err := loadGeo(os.DirFS("testdata"), "no-existe.geojson"); err == nil {
		t.Error("a missing boundaries file loads without error")
	}
	if _, err := loadGeo(os.DirFS("testdata"), "geo-sin-codigo.geojson"); err == nil || !strings.Contains(err.Error(), "feature 0 has no DPTO_CCDGO") {
		t.Errorf("a feature without code: %v", err)
	}
}

// TestOfficerActions walks every write of the pages: record an adoption
// (and refuse a bad one), decide a link, verify an adoption, tokens,
// webhooks, the inbox and registering a repository; and refuses them to
// the wrong roles.
func TestOfficerActions(t *testing.T) {
	f := newFixture(t, fixtureOpts{noIdx: true})
	anon, cio, proc, admin := f.client(t), f.client(t), f.client(t), f.client(t)
	f.signIn(t, cio, cioUser)
	f.signIn(t, proc, procUser)
	f.signIn(t, admin, adminUser)
	ctx := context.Background()

	expect := func(name string, res *http.Response, status int, location string) {
		t.Helper()
		if res.StatusCode != status {
			t.Errorf("%s: status %d, want %d", name, res.StatusCode, status)
		}
		if location != "" && !strings.HasPrefix(res.Header.Get("Location"), location) {
			t.Errorf("%s: redirected to %q, want %q…", name, res.Header.Get("Location"), location)
		}
	}
	adopt := "/activos/" + f.orfeo.Slug + "/adopciones"
	expect("anonymous adoption", f.post(t, anon, adopt, url.Values{"entidad": {mintic}}), http.StatusUnauthorized, "")
	expect("adoption for another entity", f.post(t, cio, adopt, url.Values{"entidad": {dnp}, "estado": {"PILOT"}, "entorno": {"x"}}), http.StatusForbidden, "")
	expect("adoption of an unknown release", f.post(t, cio, adopt, url.Values{"entidad": {mintic}, "version": {"v9.9.9"}}), http.StatusBadRequest, "")
	expect("adoption", f.post(t, cio, adopt, url.Values{"entidad": {mintic}, "version": {"v6.0.0"}, "estado": {"PRODUCTION"}}), http.StatusSeeOther, "/activos/"+f.orfeo.Slug+"?hecho=adopcion")
	expect("same adoption again", f.post(t, cio, adopt, url.Values{"entidad": {mintic}, "version": {"v6.0.0"}}), http.StatusConflict, "")
	l, err := f.store.Adoptions().List(ctx, registry.AdoptionFilter{EntityNIT: mintic, AssetID: f.orfeo.ID})
	if err != nil || len(l.Items) != 1 || l.Items[0].ReleaseTag != "v6.0.0" || l.Items[0].Verification != registry.VerificationSelfDeclared {
		t.Fatalf("recorded adoption: %+v, %v", l.Items, err)
	}

	// Link review: only the buyer's procurement officer (or cio, admin).
	expect("link by another entity", f.post(t, cio, "/admin/enlaces/"+f.linkID, url.Values{"decision": {"confirmar"}}), http.StatusForbidden, "")
	_, body := get(t, proc, f.srv.URL+"/admin/enlaces")
	if !strings.Contains(body, "Capacitación en el uso de Mercurio SGDEA") || strings.Contains(body, "ALCALDIA DE SANTIAGO DE CALI") {
		t.Errorf("the DNP officer's queue shows the wrong links")
	}
	expect("confirm link", f.post(t, proc, "/admin/enlaces/"+f.linkID, url.Values{"decision": {"confirmar"}}), http.StatusSeeOther, "/admin/enlaces?hecho=enlace_confirmado")
	if lk, _ := f.store.Links().Get(ctx, f.linkID); lk.State != registry.LinkConfirmed {
		t.Errorf("link state %s after confirm", lk.State)
	}

	// Adoption verification: MinTIC's CIO only.
	expect("verify by another entity", f.post(t, proc, "/admin/adopciones/"+f.pendingID+"/verificar", nil), http.StatusForbidden, "")
	expect("verify", f.post(t, cio, "/admin/adopciones/"+f.pendingID+"/verificar", nil), http.StatusSeeOther, "/admin/adopciones?hecho=adopcion_verificada")
	if ad, _ := f.store.Adoptions().Get(ctx, f.pendingID); ad.Pending || ad.Verification != registry.VerificationCIOVerified {
		t.Errorf("adoption after verify: pending %v, %s", ad.Pending, ad.Verification)
	}

	// Tokens: shown once, then revoked.
	res := f.post(t, cio, "/admin/tokens", url.Values{"nombre": {"integración"}, "dias": {"30"}})
	expect("token", res, http.StatusOK, "")
	ts, _ := f.store.Tokens().ListByUser(ctx, userID(t, f, cioUser))
	if len(ts) != 1 {
		t.Fatalf("%d tokens", len(ts))
	}
	expect("token of 400 days", f.post(t, cio, "/admin/tokens", url.Values{"nombre": {"x"}, "dias": {"400"}}), http.StatusBadRequest, "")
	expect("revoke another's token", f.post(t, proc, "/admin/tokens/"+ts[0].ID+"/revocar", nil), http.StatusForbidden, "")
	expect("revoke", f.post(t, cio, "/admin/tokens/"+ts[0].ID+"/revocar", nil), http.StatusSeeOther, "/admin/tokens?hecho=token_revocado")

	// Webhooks and inbox.
	expect("webhook by procurement", f.post(t, proc, "/entidades/"+mintic+"/webhooks", url.Values{"url": {"https://hooks.example/acervo"}}), http.StatusForbidden, "")
	expect("bad webhook", f.post(t, cio, "/entidades/"+mintic+"/webhooks", url.Values{"url": {"ftp://x"}}), http.StatusBadRequest, "")
	expect("webhook", f.post(t, cio, "/entidades/"+mintic+"/webhooks", url.Values{"url": {"https://hooks.example/acervo"}}), http.StatusOK, "")
	ws, _ := f.store.Webhooks().ListByEntity(ctx, mintic)
	if len(ws) != 1 || !strings.HasPrefix(ws[0].Secret, "whsec_") {
		t.Fatalf("webhooks: %+v", ws)
	}
	sys := registry.WithActor(ctx, registry.SystemActor("notify"))
	next := f.clock.Now().Add(time.Minute)
	must(t, f.svc.RecordWebhookAttempt(sys, &registry.WebhookDelivery{ID: registry.NewID(f.clock.Now()), WebhookID: ws[0].ID,
		NoticeID: "n1", Attempts: 2, LastStatus: 503, NextTryAt: &next, CreatedAt: f.clock.Now()}), "delivery")
	_, body = get(t, cio, f.srv.URL+"/entidades/"+mintic)
	if strings.Contains(body, ws[0].Secret) {
		t.Error("the entity page shows the webhook secret again")
	}
	if !strings.Contains(body, "por reintentar (HTTP 503, 2 intentos)") {
		t.Error("the entity page lacks the webhook's delivery log")
	}
	expect("delete webhook", f.post(t, cio, "/entidades/"+mintic+"/webhooks/"+ws[0].ID+"/eliminar", nil), http.StatusSeeOther, "/entidades/"+mintic)
	ns, _ := f.store.Notices().List(ctx, registry.NoticeFilter{EntityNIT: mintic})
	expect("read notice of another entity", f.post(t, proc, "/entidades/"+mintic+"/avisos/"+ns.Items[0].ID+"/leido", nil), http.StatusForbidden, "")
	expect("read notice", f.post(t, cio, "/entidades/"+mintic+"/avisos/"+ns.Items[0].ID+"/leido", nil), http.StatusSeeOther, "/entidades/"+mintic)
	if n, _ := f.store.Notices().Get(ctx, ns.Items[0].ID); n.ReadAt == nil {
		t.Error("notice not marked read")
	}
	_, body = get(t, anon, f.srv.URL+"/entidades/"+mintic)
	if strings.Contains(body, "Bandeja de avisos") {
		t.Error("anonymous readers see the inbox")
	}

	// Repositories.
	expect("bad repository", f.post(t, admin, "/admin/repositorios", url.Values{"url": {"ftp://x/y"}}), http.StatusBadRequest, "")
	res = f.post(t, admin, "/admin/repositorios", url.Values{"url": {"https://gitlab.com/alcaldia/pqrsd.git"}})
	expect("repository", res, http.StatusSeeOther, "/admin/repositorios?hecho=repositorio&espejo=")
	r2, body := get(t, admin, f.srv.URL+res.Header.Get("Location"))
	if r2.Header.Get("Refresh") == "" || !strings.Contains(body, "pqrsd") {
		t.Error("the page of a repository waiting for its first sync does not refresh itself")
	}

	// Import runs are for administrators.
	if r, _ := get(t, cio, f.srv.URL+"/admin/importaciones"); r.StatusCode != http.StatusForbidden {
		t.Errorf("a cio opens the imports: %d", r.StatusCode)
	}
	// Every write above is in the audit log.
	_, body = get(t, admin, f.srv.URL+"/admin/auditoria")
	for _, a := range []string{"adoption.create", "link.confirm", "adoption.verify", "token.create", "token.revoke", "webhook.create", "mirror.create", "session.signin"} {
		if !strings.Contains(body, a) {
			t.Errorf("audit log lacks %s", a)
		}
	}
}

func userID(t *testing.T, f *fixture, name string) string {
	u, err := f.store.Users().GetByUsername(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func TestImportRejects(t *testing.T) {
	f := newFixture(t, fixtureOpts{noIdx: true})
	ctx := registry.WithActor(context.Background(), registry.SystemActor("cli"))
	rej := t.TempDir() + "/rejects.csv"
	fh, err := os.Create(rej)
	must(t, err, "rejects")
	w := csv.NewWriter(fh)
	must(t, w.WriteAll([][]string{{"line", "column", "reason"}, {"12", "7", `valor_del_contrato: "abc" no es un número`},
		{"40", "3", "nit_entidad: dígito de verificación 5, debería ser 7"}}), "rejects")
	fh.Close()
	run := &registry.ImportRun{Format: "secop2", Source: "contratos.csv", RejectsPath: rej, Rejected: 2}
	must(t, f.svc.StartImportRun(ctx, run), "run")
	admin := f.client(t)
	f.signIn(t, admin, adminUser)
	res, body := get(t, admin, f.srv.URL+"/admin/importaciones/"+run.ID)
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	for _, w := range []string{"valor_del_contrato: &#34;abc&#34; no es un número", "<td class=\"num\">40</td>", "debería ser 7"} {
		if !strings.Contains(body, w) {
			t.Errorf("import page lacks %q", w)
		}
	}
}

// slowText holds purchase searches until released, as a large registry's
// check takes long.
type slowText struct {
	registry.TextSearcher
	release chan struct{}
	calls   *atomic.Int32 // purchase searches: one per check
}

func (s slowText) SearchPurchaseIDs(ctx context.Context, text, unspsc string, limit int) ([]string, error) {
	s.calls.Add(1)
	<-s.release
	return s.TextSearcher.SearchPurchaseIDs(ctx, text, unspsc, limit)
}

// TestAntesInBackground: a check that takes long does not hold the page:
// it shows the public software found and reloads itself until the answer is
// ready; the CSV download waits for it. The page, its printable view and
// the download share one check.
func TestAntesInBackground(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	release := make(chan struct{})
	var calls atomic.Int32
	f.server.text = slowText{TextSearcher: f.server.text, release: release, calls: &calls}
	c := f.client(t)
	res, body := get(t, c, f.srv.URL+"/antes-de-comprar?q=gesti%C3%B3n+documental")
	if res.StatusCode != 200 || res.Header.Get("Refresh") == "" || !strings.Contains(body, "Estamos reuniendo las compras previas") ||
		!strings.Contains(body, ">Orfeo</a>") || strings.Contains(body, "$ 625.000.000") {
		t.Fatalf("pending check: status %d, Refresh %q", res.StatusCode, res.Header.Get("Refresh"))
	}
	done := make(chan string)
	go func() {
		_, csv := get(t, c, f.srv.URL+"/antes-de-comprar.csv?q=gesti%C3%B3n+documental")
		done <- csv
	}()
	close(release)
	if csv := <-done; !strings.Contains(csv, "CO1.PCCNTR.1001") {
		t.Errorf("the CSV download did not wait for the check:\n%s", csv)
	}
	for i := 0; ; i++ {
		res, body = get(t, c, f.srv.URL+"/antes-de-comprar?q=gesti%C3%B3n+documental")
		if res.Header.Get("Refresh") == "" {
			break
		}
		if i == 100 {
			t.Fatal("the check never finished")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(body, "$ 625.000.000") || strings.Contains(body, "Estamos reuniendo") {
		t.Error("the finished check is not shown")
	}
	if res, body := get(t, c, f.srv.URL+"/antes-de-comprar?q=gesti%C3%B3n+documental&vista=imprimir"); res.StatusCode != 200 || !strings.Contains(body, "$ 625.000.000") {
		t.Errorf("printable view: status %d", res.StatusCode)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("the page, the CSV and the printable view ran %d checks, want 1", n)
	}
}

// TestAntesFitsCapped: a common need can fit dozens of public assets; the
// page shows the best antesPageFits, says how many more there are and
// links to the printable view, which lists them all.
func TestAntesFitsCapped(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := registry.WithActor(context.Background(), registry.SystemActor("cli"))
	for i := range antesPageFits + 3 {
		a, _, err := f.svc.RegisterRepository(ctx, fmt.Sprintf("https://github.com/alcaldia-%d/archivo.git", i))
		must(t, err, "register")
		a.Name = fmt.Sprintf("Archivo municipal %d", i)
		a.Descriptions = map[string]registry.Description{"es": {ShortDescription: "Gestión documental y archivo de una alcaldía"}}
		must(t, f.svc.UpdateAsset(ctx, &a), "update")
	}
	c := f.client(t)
	page := func(path string) string {
		for range 200 {
			res, body := get(t, c, f.srv.URL+path)
			if res.StatusCode != 200 {
				t.Fatalf("%s: status %d", path, res.StatusCode)
			}
			if res.Header.Get("Refresh") == "" {
				return body
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("%s: the check never finished", path)
		return ""
	}
	cards := func(body string) int {
		i := strings.Index(body, `id="h-publicos"`)
		j := strings.Index(body, `id="h-previas"`)
		if i < 0 || j < i {
			t.Fatal("the public software section is missing")
		}
		return strings.Count(body[i:j], `<li class="tarjeta">`)
	}
	body := page("/antes-de-comprar?q=gesti%C3%B3n+documental")
	total := antesPageFits + 3 + 2 // the new assets, Orfeo and Mercurio
	if n := cards(body); n != antesPageFits {
		t.Errorf("the page shows %d public assets, want %d", n, antesPageFits)
	}
	if want := fmt.Sprintf("Y %d activos públicos más.", total-antesPageFits); !strings.Contains(body, want) {
		t.Errorf("the page does not say %q", want)
	}
	if !strings.Contains(body, fmt.Sprintf("<strong>%d</strong> activos públicos", total)) {
		t.Errorf("the summary does not count all %d public assets", total)
	}
	if n := cards(page("/antes-de-comprar?q=gesti%C3%B3n+documental&vista=imprimir")); n != total {
		t.Errorf("the printable view shows %d public assets, want %d", n, total)
	}
}

// TestAntesUnpriced: a purchase recorded at $ 1 (SECOP's "no value") is
// counted, but the minimum the page shows is a real price, and the page
// says why one purchase is left out of it. A cancelled order is no prior
// purchase at all, and the page says so.
func TestAntesUnpriced(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := registry.WithActor(context.Background(), registry.SystemActor("import"))
	run := &registry.ImportRun{Format: "secop2", Source: "unpriced.csv"}
	must(t, f.svc.StartImportRun(ctx, run), "run")
	at := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	_, err := f.svc.ImportPurchases(ctx, run.ID, []registry.Purchase{{Source: registry.SourceSECOPII, ContractID: "CO1.PCCNTR.9001",
		BuyerNIT: dnp, BuyerName: "DEPARTAMENTO NACIONAL DE PLANEACION", Description: "Convenio de gestión documental sin valor",
		Value: 1, SignedAt: &at, Year: 2025, RowHash: "u1", SoftwareScore: 0.9, DepartmentCode: "11"}, {Source: registry.SourceTVEC,
		ContractID: "9002", BuyerNIT: dnp, BuyerName: "DEPARTAMENTO NACIONAL DE PLANEACION", Description: "Orden de compra de gestión documental",
		Status: "Cancelada", Value: 987_654_321, SignedAt: &at, Year: 2025, RowHash: "u2", SoftwareScore: 0.9, DepartmentCode: "11"}})
	must(t, err, "purchase")
	c := f.client(t)
	var body string
	for range 200 {
		res, b := get(t, c, f.srv.URL+"/antes-de-comprar?q=gesti%C3%B3n+documental")
		body = b
		if res.Header.Get("Refresh") == "" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(body, "1 compra con un valor menor de $ 10.000") {
		t.Error("the page does not say that one purchase is left out of the prices")
	}
	if !strings.Contains(body, "1 registro de un proceso que no terminó en contrato") || strings.Contains(body, "987.654.321") {
		t.Error("the cancelled order counts as a prior purchase, or the page does not say it was left out")
	}
	// The entity's page lists the cancelled order, says it is not added up,
	// and its totals leave it out.
	_, ent := get(t, c, f.srv.URL+"/entidades/"+dnp)
	if n := strings.Count(ent, "987.654.321"); n != 1 || !strings.Contains(ent, "Cancelada: no se suma a los totales") {
		t.Errorf("the entity page shows the cancelled order's value %d times (want once, in its list, marked)", n)
	}
	every, err := f.svc.Store().Purchases().Aggregate(ctx, registry.PurchaseFilter{BuyerNIT: dnp})
	must(t, err, "aggregate")
	if want := "<strong>" + formatPesos("es", every[0].Total-987_654_321) + "</strong>"; !strings.Contains(ent, want) {
		t.Errorf("the entity's total is not %s, every record but the cancelled order", want)
	}
	i := strings.Index(body, "Valor mínimo")
	if i < 0 || strings.Contains(body[i:i+80], "$ 1<") {
		t.Errorf("the minimum is the $ 1 purchase: %q", body[max(i, 0):max(i, 0)+80])
	}
}
