package match_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/acervo-co/acervo/procurement/match"
	"github.com/acervo-co/acervo/procurement/match/internal/labelled"
	"github.com/acervo-co/acervo/registry"
)

func proposalNames(ps []match.Proposal) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

// TestProposerOnLabelledSet: with an empty registry, the commercial products
// that several entities bought in the labelled sample come out as
// proposals; with the gazetteer loaded, the ones it knows do not.
func TestProposerOnLabelledSet(t *testing.T) {
	ps := labelled.Purchases(t, filepath.Join(labelledDir, "purchases.csv"))
	empty := match.NewProposer(match.Build(nil), 3)
	for i := range ps {
		empty.Add(&ps[i])
	}
	got := proposalNames(empty.Proposals())
	t.Logf("proposals with an empty registry: %v", got)
	for _, want := range []string{"SYSMAN", "ADOBE", "HAS SQL", "ISOLUCION"} {
		if !slices.Contains(got, want) {
			t.Errorf("%s, bought by several entities, was not proposed", want)
		}
	}
	for _, not := range []string{"CONTABLE", "PARA", "SAS", "DESARROLLO"} {
		if slices.Contains(got, not) {
			t.Errorf("%q is not a product name", not)
		}
	}
	assets := labelled.Assets(t, filepath.Join(labelledDir, "assets.json"))
	known := match.NewProposer(match.Build(labelled.Infos(assets)), 3)
	for i := range ps {
		known.Add(&ps[i])
	}
	got = proposalNames(known.Proposals())
	t.Logf("proposals next to the gazetteer: %v", got)
	for _, name := range []string{"SYSMAN", "ADOBE", "HAS SQL", "ISOLUCION", "ARCGIS"} {
		if slices.Contains(got, name) {
			t.Errorf("%s is an asset already, yet proposed", name)
		}
	}
}

// TestProposeAcceptReject: proposals become inactive COMMERCIAL assets; a
// person accepts one (the matcher then links to it) and rejects another
// (never proposed again).
func TestProposeAcceptReject(t *testing.T) {
	f := newFixture(t)
	var ps []registry.Purchase
	for i, buyer := range []string{nitCartagena, nitPasto, nitHacienda} {
		ps = append(ps,
			purchase("CO1.PCCNTR.20"+string(rune('0'+i)), buyer, "90012345"+string(rune('0'+i)), "DISTRIBUIDOR "+string(rune('A'+i))+" S.A.S.", "43232300",
				"RENOVACIÓN DE LICENCIAS DEL SOFTWARE TABULARIUM PARA LA ENTIDAD", 10_000_000, false),
			purchase("CO1.PCCNTR.30"+string(rune('0'+i)), buyer, "90054321"+string(rune('0'+i)), "OTRO "+string(rune('A'+i))+" S.A.S.", "43232300",
				"SUSCRIPCIÓN A LA PLATAFORMA KRONIAX DE MESA DE AYUDA", 5_000_000, false),
		)
	}
	for i := range ps {
		ps[i].SoftwareScore = 0.8
	}
	f.importPurchases(t, ps...)
	created, err := f.runner.Propose(t.Context(), 3)
	if err != nil {
		t.Fatal(err)
	}
	names := proposalNames(created)
	if !slices.Contains(names, "TABULARIUM") || !slices.Contains(names, "KRONIAX") {
		t.Fatalf("proposals %v, want TABULARIUM and KRONIAX", names)
	}
	proposed, err := f.svc.ProposedAssets(f.sys, registry.Page{First: 20})
	if err != nil || len(proposed.Items) != 2 {
		t.Fatalf("proposed assets: %+v, %v", proposed.Items, err)
	}
	// Not an asset yet: no links.
	if _, err := f.runner.Full(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	var tab, kro registry.Asset
	for _, a := range proposed.Items {
		if a.Active || a.InactiveReason != registry.ReasonProposed || a.Kind != registry.AssetCommercial {
			t.Errorf("proposed asset %+v", a)
		}
		switch a.Name {
		case "Tabularium":
			tab = a
		case "Kroniax":
			kro = a
		}
	}
	if l, _ := f.svc.Store().Links().ForAssets(f.sys, []string{tab.ID, kro.ID}); len(l) != 0 {
		t.Errorf("links to proposals not yet accepted: %+v", l)
	}
	// Anonymous readers cannot decide; a procurement officer can.
	if _, err := f.svc.DecideProposedAsset(t.Context(), tab.ID, true); err == nil {
		t.Error("anonymous acceptance went through")
	}
	acc, err := f.svc.DecideProposedAsset(f.officer[nitPasto], tab.ID, true)
	if err != nil || !acc.Active || acc.InactiveReason != "" {
		t.Fatalf("accepted: %+v, %v", acc, err)
	}
	rej, err := f.svc.DecideProposedAsset(f.officer[nitPasto], kro.ID, false)
	if err != nil || rej.Active || rej.InactiveReason != registry.ReasonProposalRejected {
		t.Fatalf("rejected: %+v, %v", rej, err)
	}
	if _, err := f.svc.DecideProposedAsset(f.officer[nitPasto], kro.ID, true); err == nil {
		t.Error("a rejected proposal was accepted later")
	}
	st, err := f.runner.Incremental(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Suggested != 3 {
		t.Errorf("after accepting TABULARIUM: %+v, want its 3 licence purchases suggested", st)
	}
	again, err := f.runner.Propose(t.Context(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 0 {
		t.Errorf("proposed again: %v", proposalNames(again))
	}
}
