package match_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/acervo-co/acervo/procurement/match"
	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/sqlite"
)

// Real NITs (check digits verified by UpsertEntity).
const (
	nitHacienda  = "899999090" // Ministerio de Hacienda: publisher of SIIF Nación
	nitCartagena = "890480184" // Alcaldía de Cartagena
	nitPasto     = "891280000" // Alcaldía de Pasto
	nitSysman    = "800021261" // SYSMAN S.A.S.
)

type fixture struct {
	svc     *registry.Service
	sys     context.Context
	orfeo   registry.Asset
	siif    registry.Asset
	sysman  registry.Asset
	clock   *time.Time
	runner  *match.Runner
	runSeq  int
	entity  map[string]registry.Entity
	officer map[string]context.Context // procurement officer per entity
	cio     map[string]context.Context
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := sqlite.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f := &fixture{clock: &now, entity: map[string]registry.Entity{}, officer: map[string]context.Context{}, cio: map[string]context.Context{}}
	f.svc = registry.NewService(st, registry.WithClock(func() time.Time { return *f.clock }))
	f.sys = registry.WithActor(t.Context(), registry.SystemActor("test"))
	for _, e := range []registry.Entity{
		{NIT: nitHacienda, Name: "MINISTERIO DE HACIENDA Y CRÉDITO PÚBLICO", Orden: registry.OrdenNacional, Sector: "Hacienda", DepartmentCode: "11"},
		{NIT: nitCartagena, Name: "ALCALDÍA DE CARTAGENA", Orden: registry.OrdenTerritorial, Sector: "Servicio Público", DepartmentCode: "13"},
		{NIT: nitPasto, Name: "ALCALDÍA DE PASTO", Orden: registry.OrdenTerritorial, Sector: "Servicio Público", DepartmentCode: "52"},
	} {
		e := e
		if _, err := f.svc.UpsertEntity(f.sys, &e); err != nil {
			t.Fatal(err)
		}
		f.entity[e.NIT] = e
		f.officer[e.NIT] = registry.WithActor(t.Context(), registry.Actor{UserID: "u-proc-" + e.NIT, Username: "compras" + e.NIT,
			Grants: []registry.Grant{{Role: registry.RoleProcurement, EntityNIT: e.NIT}}})
		f.cio[e.NIT] = registry.WithActor(t.Context(), registry.Actor{UserID: "u-cio-" + e.NIT, Username: "cio" + e.NIT,
			Grants: []registry.Grant{{Role: registry.RoleCIO, EntityNIT: e.NIT}}})
	}
	f.orfeo = f.asset(t, registry.Asset{Kind: registry.AssetPublic, Name: "Orfeo", Aliases: []string{"ORFEO", "OrfeoGPL"},
		RepositoryURL: "https://git.example.gov.co/correlibre/orfeo", Categories: []string{"document-management"}})
	f.siif = f.asset(t, registry.Asset{Kind: registry.AssetPublic, Name: "SIIF Nación", Aliases: []string{"SIIF", "SIIF Nación"},
		PublisherNIT: nitHacienda, RepositoryURL: "https://git.example.gov.co/minhacienda/siif-nacion", Categories: []string{"accounting"}})
	f.sysman = f.asset(t, registry.Asset{Kind: registry.AssetCommercial, Name: "SYSMAN", Aliases: []string{"SYSMAN", "ERP SYSMAN"},
		Categories: []string{"erp"}, Maintenance: registry.Maintenance{Contractors: []registry.Contractor{{Name: "SYSMAN S.A.S.", NIT: nitSysman, Until: now.AddDate(1, 0, 0)}}}})
	f.runner = match.NewRunner(f.svc, match.Options{}, nil)
	return f
}

func (f *fixture) asset(t *testing.T, a registry.Asset) registry.Asset {
	t.Helper()
	if err := f.svc.CreateAsset(f.sys, &a); err != nil {
		t.Fatal(err)
	}
	return a
}

// purchase builds a valid SECOP II purchase.
func purchase(id, buyer, supplierNIT, supplierName, unspsc, desc string, value int64, natural bool) registry.Purchase {
	signed := time.Date(2025, 5, 10, 0, 0, 0, 0, time.UTC)
	p := registry.Purchase{Source: registry.SourceSECOPII, ContractID: id, BuyerNIT: buyer, Description: desc,
		Supplier: registry.Party{Name: supplierName, NaturalPerson: natural}, Value: value, SignedAt: &signed, Year: 2025,
		ContractType: "Prestación de servicios", RowHash: fmt.Sprintf("%s-%d-%s", id, value, desc)}
	if supplierNIT != "" {
		p.Supplier.DocType, p.Supplier.DocNumber = "NIT", supplierNIT
	}
	if unspsc != "" {
		p.UNSPSC = []string{unspsc}
	}
	return p
}

func (f *fixture) importPurchases(t *testing.T, ps ...registry.Purchase) []registry.Purchase {
	t.Helper()
	f.runSeq++
	if _, err := f.svc.ImportPurchases(f.sys, fmt.Sprintf("run-%d", f.runSeq), ps); err != nil {
		t.Fatal(err)
	}
	return ps
}

func (f *fixture) link(t *testing.T, purchaseID, assetID string) (registry.PurchaseLink, bool) {
	t.Helper()
	l, err := f.svc.Store().Links().List(f.sys, registry.LinkFilter{PurchaseID: purchaseID, AssetID: assetID, Page: registry.Page{First: 5}})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Items) == 0 {
		return registry.PurchaseLink{}, false
	}
	return l.Items[0], true
}

func (f *fixture) basePurchases(t *testing.T) []registry.Purchase {
	return f.importPurchases(t,
		// A firm maintains the municipality's ORFEO: MAINTENANCE.
		purchase("CO1.PCCNTR.1", nitCartagena, "900123456", "SOLUCIONES DOCUMENTALES S.A.S.", "81112200",
			"SOPORTE; MANTENIMIENTO PREVENTIVO Y CORRECTIVO DE LA PLATAFORMA DE GESTIÓN DOCUMENTAL ORFEO DE LA ALCALDÍA", 48_000_000, false),
		// A clerk registers payments in SIIF Nación: USE, never a link.
		purchase("CO1.PCCNTR.2", nitCartagena, "", "MARÍA PÉREZ", "80111600",
			"PRESTACIÓN DE SERVICIOS PROFESIONALES PARA EL REGISTRO DE PAGOS Y CONCILIACIÓN EN EL APLICATIVO SIIF NACIÓN", 30_000_000, true),
		// SYSMAN's own firm updates its product: known contractor.
		purchase("CO1.PCCNTR.3", nitPasto, nitSysman, "SYSMAN S.A.S.", "81112200",
			"SOPORTE TÉCNICO Y ACTUALIZACIÓN DEL SOFTWARE SYSMAN MÓDULOS CONTABILIDAD Y TESORERÍA", 25_000_000, false),
		// Nothing named.
		purchase("CO1.PCCNTR.4", nitPasto, "900999999", "PAPELERÍA S.A.S.", "44121700", "COMPRA DE PAPELERÍA Y ÚTILES DE OFICINA", 3_000_000, false),
	)
}

// TestRunnerFullAndDecisions runs the matcher over a real store, then
// walks every decision path: reject (never re-suggested), confirm (proposes
// a PROCUREMENT_DERIVED adoption), CIO verification, and the refusals.
func TestRunnerFullAndDecisions(t *testing.T) {
	f := newFixture(t)
	ps := f.basePurchases(t)
	var results []match.Result
	st, err := f.runner.Full(t.Context(), func(r match.Result) error { results = append(results, r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if st.Purchases != 4 || st.Suggested != 2 || st.Uses != 1 {
		t.Fatalf("stats %+v: want 4 purchases, 2 suggestions, 1 use", st)
	}
	orfeoLink, ok := f.link(t, ps[0].ID, f.orfeo.ID)
	if !ok || orfeoLink.State != registry.LinkSuggested || orfeoLink.Relation != registry.RelMaintenance {
		t.Fatalf("ORFEO maintenance contract: link %+v (found %v), want a SUGGESTED MAINTENANCE link", orfeoLink, ok)
	}
	if len(orfeoLink.Reasons) == 0 {
		t.Error("a suggestion carries its reasons")
	}
	if _, ok := f.link(t, ps[1].ID, f.siif.ID); ok {
		t.Error("the clerk registering payments in SIIF Nación was linked; it only uses the system")
	}
	sysLink, ok := f.link(t, ps[2].ID, f.sysman.ID)
	if !ok || sysLink.Relation != registry.RelMaintenance {
		t.Fatalf("SYSMAN update by its vendor: %+v (found %v), want MAINTENANCE", sysLink, ok)
	}
	var sawUse bool
	for _, r := range results {
		for _, c := range r.Candidates {
			if r.PurchaseID == ps[1].ID && c.Relation == match.RelUse {
				sawUse = true
			}
		}
	}
	if !sawUse {
		t.Error("the USE verdict on the SIIF clerk is reported to emit")
	}

	// Refusals: anonymous, another entity's officer, an editor.
	anon := t.Context()
	if _, err := f.svc.DecidePurchaseLink(anon, orfeoLink.ID, true); !errors.Is(err, registry.ErrUnauthenticated) {
		t.Errorf("anonymous decision: %v, want ErrUnauthenticated", err)
	}
	if _, err := f.svc.DecidePurchaseLink(f.officer[nitPasto], orfeoLink.ID, true); !errors.Is(err, registry.ErrForbidden) {
		t.Errorf("another entity's officer: %v, want ErrForbidden", err)
	}
	editor := registry.WithActor(t.Context(), registry.Actor{UserID: "u-ed", Grants: []registry.Grant{{Role: registry.RoleEditor, EntityNIT: nitCartagena}}})
	if _, err := f.svc.DecidePurchaseLink(editor, orfeoLink.ID, true); !errors.Is(err, registry.ErrForbidden) {
		t.Errorf("an editor: %v, want ErrForbidden", err)
	}

	// Reject SYSMAN's link (Pasto's procurement officer); audited.
	rej, err := f.svc.DecidePurchaseLink(f.officer[nitPasto], sysLink.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if rej.State != registry.LinkRejected || rej.DecidedBy != "u-proc-"+nitPasto {
		t.Fatalf("rejected link: %+v", rej)
	}
	ev, err := f.svc.Store().Audit().List(f.sys, registry.AuditFilter{TargetID: sysLink.ID, Action: "link.reject", Page: registry.Page{First: 5}})
	if err != nil || len(ev.Items) != 1 || ev.Items[0].Actor != "u-proc-"+nitPasto {
		t.Fatalf("audit of the rejection: %+v, %v", ev.Items, err)
	}
	// No adoption comes out of a rejection.
	if ads, _ := f.svc.Store().Adoptions().ForAssets(f.sys, []string{f.sysman.ID}); len(ads) != 0 {
		t.Errorf("a rejected link proposed adoptions: %+v", ads)
	}

	// Confirm ORFEO's link (Cartagena's CIO): proposes a pending,
	// PROCUREMENT_DERIVED adoption with the contract as evidence.
	conf, err := f.svc.DecidePurchaseLink(f.cio[nitCartagena], orfeoLink.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if conf.State != registry.LinkConfirmed {
		t.Fatalf("confirmed link: %+v", conf)
	}
	ads, err := f.svc.Store().Adoptions().ForAssets(f.sys, []string{f.orfeo.ID})
	if err != nil || len(ads) != 1 {
		t.Fatalf("adoptions of ORFEO after confirming: %+v, %v", ads, err)
	}
	ad := ads[0]
	if ad.EntityNIT != nitCartagena || ad.Verification != registry.VerificationProcurementDerived || !ad.Pending ||
		len(ad.Evidence) != 1 || ad.Evidence[0].Ref != "SECOP_II:CO1.PCCNTR.1" {
		t.Fatalf("proposed adoption: %+v", ad)
	}

	// Verification: the procurement officer cannot, another CIO cannot,
	// the entity's CIO can.
	if _, err := f.svc.VerifyAdoption(f.officer[nitCartagena], ad.ID); !errors.Is(err, registry.ErrForbidden) {
		t.Errorf("procurement officer verifying: %v, want ErrForbidden", err)
	}
	if _, err := f.svc.VerifyAdoption(f.cio[nitPasto], ad.ID); !errors.Is(err, registry.ErrForbidden) {
		t.Errorf("another entity's CIO verifying: %v, want ErrForbidden", err)
	}
	ver, err := f.svc.VerifyAdoption(f.cio[nitCartagena], ad.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ver.Verification != registry.VerificationCIOVerified || ver.Pending || ver.VerifiedBy != "u-cio-"+nitCartagena {
		t.Fatalf("verified adoption: %+v", ver)
	}

	// A second full run changes no decision and suggests nothing new.
	st, err = f.runner.Full(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Suggested != 0 {
		t.Errorf("second run suggested %d new links", st.Suggested)
	}
	if l, _ := f.link(t, ps[2].ID, f.sysman.ID); l.State != registry.LinkRejected {
		t.Errorf("the rejected link came back as %s", l.State)
	}
	if l, _ := f.link(t, ps[0].ID, f.orfeo.ID); l.State != registry.LinkConfirmed {
		t.Errorf("the confirmed link is now %s", l.State)
	}
}

// TestRunnerIncremental: after an import only the new rows are matched;
// a changed alias re-matches that asset against every purchase and
// withdraws suggestions it no longer supports.
func TestRunnerIncremental(t *testing.T) {
	f := newFixture(t)
	f.basePurchases(t)
	if _, err := f.runner.Full(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	st, err := f.runner.Incremental(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Purchases != 0 {
		t.Errorf("nothing changed, yet %d purchases were matched", st.Purchases)
	}
	newer := f.importPurchases(t,
		purchase("CO1.PCCNTR.10", nitPasto, "900555111", "DOCUMENTOS DIGITALES S.A.S.", "81111500",
			"DESARROLLO E IMPLEMENTACIÓN DE NUEVAS FUNCIONALIDADES EN ORFEO PARA LA VENTANILLA ÚNICA", 90_000_000, false),
		purchase("CO1.PCCNTR.11", nitPasto, "900555112", "MESA DE AYUDA LTDA", "81111800",
			"SOPORTE TÉCNICO DEL SISTEMA DE GESTIÓN DOCUMENTAL GESDOC PLUS", 12_000_000, false),
	)
	st, err = f.runner.Incremental(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Purchases != 2 || st.Suggested != 1 {
		t.Fatalf("incremental after importing 2 rows: %+v, want 2 purchases and 1 suggestion", st)
	}
	if l, ok := f.link(t, newer[0].ID, f.orfeo.ID); !ok || l.Relation != registry.RelDevelopment {
		t.Errorf("new ORFEO development contract: %+v (found %v)", l, ok)
	}

	// A new alias for an existing asset finds the older purchase.
	gesdoc := f.asset(t, registry.Asset{Kind: registry.AssetCommercial, Name: "Gesdoc", Aliases: []string{"GESDOC", "GESDOC PLUS"}})
	st, err = f.runner.Incremental(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.AssetsReRun != 1 || st.Suggested != 1 {
		t.Fatalf("after a new asset: %+v, want 1 asset re-run and 1 suggestion", st)
	}
	l, ok := f.link(t, newer[1].ID, gesdoc.ID)
	if !ok || l.State != registry.LinkSuggested {
		t.Fatalf("GESDOC support contract: %+v (found %v)", l, ok)
	}

	// The alias goes away: the suggestion is withdrawn (audited).
	cur, err := f.svc.Asset(f.sys, gesdoc.ID)
	if err != nil {
		t.Fatal(err)
	}
	cur.Aliases, cur.Name = []string{"Gestor Documental Alfa"}, "Gestor Documental Alfa"
	if err := f.svc.UpdateAsset(f.sys, &cur, "aliases", "name"); err != nil {
		t.Fatal(err)
	}
	st, err = f.runner.Incremental(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Withdrawn != 1 {
		t.Fatalf("after removing the alias: %+v, want 1 withdrawn", st)
	}
	if _, ok := f.link(t, newer[1].ID, gesdoc.ID); ok {
		t.Error("the unsupported suggestion is still there")
	}
	ev, err := f.svc.Store().Audit().List(f.sys, registry.AuditFilter{Action: "link.withdraw", Page: registry.Page{First: 5}})
	if err != nil || len(ev.Items) != 1 {
		t.Errorf("withdrawal audit: %+v, %v", ev.Items, err)
	}
}

// TestWithdrawKeepsDecisions: a decided link is never withdrawn.
func TestWithdrawKeepsDecisions(t *testing.T) {
	f := newFixture(t)
	ps := f.basePurchases(t)
	if _, err := f.runner.Full(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	l, _ := f.link(t, ps[0].ID, f.orfeo.ID)
	if _, err := f.svc.DecidePurchaseLink(f.officer[nitCartagena], l.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.WithdrawSuggestion(f.sys, l.ID); !errors.Is(err, registry.ErrInvalid) {
		t.Errorf("withdrawing a rejected link: %v, want ErrInvalid", err)
	}
	if err := f.svc.WithdrawSuggestion(f.officer[nitCartagena], l.ID); !errors.Is(err, registry.ErrForbidden) {
		t.Errorf("an officer withdrawing: %v, want ErrForbidden", err)
	}
}

// TestChangedPurchaseAndAdoptionNotice: a purchase whose description
// changes loses the suggestion it no longer supports; confirming a
// MAINTENANCE link notifies the buyer that an adoption waits for its CIO.
func TestChangedPurchaseAndAdoptionNotice(t *testing.T) {
	f := newFixture(t)
	ps := f.basePurchases(t)
	if _, err := f.runner.Full(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	// SYSMAN's contract is re-published without naming the product, by
	// another supplier.
	changed := ps[2]
	changed.Description, changed.RowHash = "SOPORTE TÉCNICO DEL SOFTWARE CONTABLE DE LA ALCALDÍA", "changed"
	changed.Supplier = registry.Party{DocType: "NIT", DocNumber: "900777888", Name: "OTRA FIRMA S.A.S."}
	f.importPurchases(t, changed)
	st, err := f.runner.Incremental(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Purchases != 1 || st.Withdrawn != 1 {
		t.Fatalf("after the change: %+v, want 1 purchase re-matched and 1 suggestion withdrawn", st)
	}
	if _, ok := f.link(t, ps[2].ID, f.sysman.ID); ok {
		t.Error("the SYSMAN suggestion survived the change")
	}

	l, _ := f.link(t, ps[0].ID, f.orfeo.ID)
	if _, err := f.svc.DecidePurchaseLink(f.officer[nitCartagena], l.ID, true); err != nil {
		t.Fatal(err)
	}
	_, ns, err := f.svc.CatchUpNotices(f.sys, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	var got []registry.Notice
	for _, n := range ns {
		if n.Kind == registry.NoticeAdoption {
			got = append(got, n)
		}
	}
	if len(got) != 1 || got[0].EntityNIT != nitCartagena || got[0].AssetID != f.orfeo.ID {
		t.Fatalf("adoption notices %+v", got)
	}
	// Verified adoptions notify nobody again.
	if _, err := f.svc.VerifyAdoption(f.cio[nitCartagena], got[0].AdoptionID); err != nil {
		t.Fatal(err)
	}
	_, ns, err = f.svc.CatchUpNotices(f.sys, 0, 10000)
	if err != nil || len(ns) != 0 {
		t.Errorf("second catch-up: %d notices, %v", len(ns), err)
	}
}

// TestConfirmPaths: only IMPLEMENTATION, MAINTENANCE and SUPPORT
// confirmations propose an adoption, once per entity and asset.
func TestConfirmPaths(t *testing.T) {
	f := newFixture(t)
	ps := f.importPurchases(t,
		purchase("CO1.PCCNTR.50", nitPasto, "900100100", "A S.A.S.", "81112500", "LICENCIAS DE ORFEO", 1_000_000, false),
		purchase("CO1.PCCNTR.51", nitPasto, "900100101", "B S.A.S.", "81111500", "DESARROLLO DE ORFEO", 1_000_000, false),
		purchase("CO1.PCCNTR.52", nitPasto, "900100102", "C S.A.S.", "81112200", "SOPORTE DE ORFEO", 1_000_000, false),
		purchase("CO1.PCCNTR.53", nitPasto, "900100103", "D S.A.S.", "81111500", "IMPLEMENTACIÓN DE ORFEO", 1_000_000, false),
	)
	rels := []string{registry.RelLicensing, registry.RelDevelopment, registry.RelSupport, registry.RelImplementation}
	var links []registry.PurchaseLink
	for i, p := range ps {
		l := registry.PurchaseLink{PurchaseID: p.ID, AssetID: f.orfeo.ID, Relation: rels[i], Score: 0.8, Reasons: []string{"prueba"}}
		if _, err := f.svc.SuggestLink(f.sys, &l); err != nil {
			t.Fatal(err)
		}
		links = append(links, l)
	}
	adoptions := func() []registry.Adoption {
		ads, err := f.svc.Store().Adoptions().ForAssets(f.sys, []string{f.orfeo.ID})
		if err != nil {
			t.Fatal(err)
		}
		return ads
	}
	for _, i := range []int{0, 1} {
		if _, err := f.svc.DecidePurchaseLink(f.officer[nitPasto], links[i].ID, true); err != nil {
			t.Fatal(err)
		}
		if ads := adoptions(); len(ads) != 0 {
			t.Errorf("confirming a %s link proposed %+v", rels[i], ads)
		}
	}
	if _, err := f.svc.DecidePurchaseLink(f.officer[nitPasto], links[2].ID, true); err != nil {
		t.Fatal(err)
	}
	if ads := adoptions(); len(ads) != 1 || !ads[0].Pending || ads[0].Verification != registry.VerificationProcurementDerived {
		t.Fatalf("confirming SUPPORT: %+v", ads)
	}
	if _, err := f.svc.DecidePurchaseLink(f.cio[nitPasto], links[3].ID, true); err != nil {
		t.Fatal(err)
	}
	if ads := adoptions(); len(ads) != 1 {
		t.Errorf("a second confirmation proposed another adoption: %+v", ads)
	}
	// Suggesting again never reopens a decision.
	again := registry.PurchaseLink{PurchaseID: ps[0].ID, AssetID: f.orfeo.ID, Relation: registry.RelLicensing, Score: 0.9}
	if _, err := f.svc.SuggestLink(f.sys, &again); err != nil {
		t.Fatal(err)
	}
	if again.State != registry.LinkConfirmed {
		t.Errorf("re-suggested a confirmed link: state %s", again.State)
	}
	// A missing link is not found.
	if _, err := f.svc.DecidePurchaseLink(f.officer[nitPasto], "no-such-link", true); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("deciding a missing link: %v", err)
	}
}
