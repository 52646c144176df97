package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/search"
	"github.com/acervo-co/acervo/registry/sqlite"
)

// TestCmdReindex builds the index of a data directory, rebuilds it, and
// refuses clearly while another process holds it.
func TestCmdReindex(t *testing.T) {
	dir := t.TempDir()
	st, err := sqlite.Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	svc := registry.NewService(st)
	sys := registry.WithActor(t.Context(), registry.SystemActor("test"))
	for _, name := range []string{"Orfeo", "Gestión de Expedientes"} {
		a := registry.Asset{Kind: registry.AssetCommercial, Name: name}
		if err := svc.CreateAsset(sys, &a); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.ImportPurchases(sys, "run", []registry.Purchase{{Source: registry.SourceSECOPII, ContractID: "C-1", BuyerNIT: "890480184",
		Description: "Soporte de Orfeo", Value: 1000, Year: 2025, RowHash: "1"}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	env := func(string) string { return "" }
	reindex := func() (int, map[string]any, string) {
		var out, errb bytes.Buffer
		code := cmdReindex(t.Context(), []string{"--data", dir, "--json"}, env, nil, &out, &errb)
		var m map[string]any
		_ = json.Unmarshal(out.Bytes(), &m)
		return code, m, errb.String()
	}
	for i := 0; i < 2; i++ { // a new index, then a rebuild of the existing one
		code, m, errs := reindex()
		if code != 0 || m["documents"] != float64(3) || m["seq"].(float64) <= 0 || m["index"] != filepath.Join(dir, "search") {
			t.Fatalf("run %d: exit %d %v\n%s", i, code, m, errs)
		}
	}
	// The rebuilt index answers.
	st, err = sqlite.Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ix, err := search.Open(t.Context(), st, search.Options{Dir: filepath.Join(dir, "search")})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if ix.Rebuilds() != 0 {
		t.Fatal("the index reindex left was rebuilt again on open")
	}
	r, err := ix.SearchAssets(t.Context(), search.AssetQuery{Text: "gestion expedientes", Page: registry.Page{First: 5}})
	if err != nil || r.Total != 1 {
		t.Fatalf("search after reindex: %v %+v", err, r)
	}
	// While a server holds the store, the command says so and exits 2.
	code, _, errs := reindex()
	if code != 2 || !strings.Contains(errs, "acervo") {
		t.Fatalf("reindex of a held data directory: exit %d\n%s", code, errs)
	}
}
