package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/sqlite"
)

// TestCmdLink fills an embedded store, runs `acervo link --json`, then
// `acervo link --incremental` after another import.
func TestCmdLink(t *testing.T) {
	dir := t.TempDir()
	st, err := sqlite.Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	svc := registry.NewService(st)
	sys := registry.WithActor(t.Context(), registry.SystemActor("test"))
	orfeo := registry.Asset{Kind: registry.AssetPublic, Name: "Orfeo", Aliases: []string{"ORFEO"}, RepositoryURL: "https://git.example.gov.co/orfeo"}
	if err := svc.CreateAsset(sys, &orfeo); err != nil {
		t.Fatal(err)
	}
	signed := time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)
	purchase := func(id, buyer, desc string, natural bool) registry.Purchase {
		p := registry.Purchase{Source: registry.SourceSECOPII, ContractID: id, BuyerNIT: buyer, Description: desc, Value: 1_000_000,
			SignedAt: &signed, Year: 2025, RowHash: id, SoftwareScore: 0.7}
		if natural {
			p.Supplier = registry.Party{DocType: "CC", DocNumber: "1010101010", Name: "ANA", NaturalPerson: true}
		} else {
			p.Supplier = registry.Party{DocType: "NIT", DocNumber: "900123456", Name: "DOCS S.A.S."}
			p.UNSPSC = []string{"81112200"}
		}
		return p
	}
	var ps []registry.Purchase
	ps = append(ps, purchase("CO1.PCCNTR.1", "890480184", "MANTENIMIENTO Y SOPORTE DEL SISTEMA ORFEO", false),
		purchase("CO1.PCCNTR.2", "890480184", "PRESTACIÓN DE SERVICIOS DE APOYO A LA GESTIÓN PARA LA RADICACIÓN DE CORRESPONDENCIA EN ORFEO", true))
	// A product three entities license, unknown to the registry.
	for i, nit := range []string{"890480184", "891280000", "899999090"} {
		ps = append(ps, purchase(fmt.Sprintf("CO1.PCCNTR.%d", 10+i), nit, "RENOVACIÓN DE LICENCIAS DEL SOFTWARE ZAFIRODOC", false))
	}
	if _, err := svc.ImportPurchases(sys, "run", ps); err != nil {
		t.Fatal(err)
	}
	st.Close()

	var out, errb bytes.Buffer
	env := func(string) string { return "" }
	if code := cmdLink(t.Context(), []string{"--data", dir, "--json"}, env, nil, &out, &errb); code != 0 {
		t.Fatalf("acervo link: exit %d\n%s", code, errb.String())
	}
	var lines []map[string]json.RawMessage
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not JSON: %q", sc.Text())
		}
		lines = append(lines, m)
	}
	var sum linkSummary
	if err := json.Unmarshal(mustJSON(t, lines[len(lines)-1]), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Purchases != 5 || sum.Suggested != 1 || sum.Uses != 1 || sum.Proposed != 1 {
		t.Errorf("summary %+v", sum)
	}
	var sawProposal, sawUse bool
	for _, l := range lines[:len(lines)-1] {
		if p, ok := l["proposal"]; ok && strings.Contains(string(p), "ZAFIRODOC") {
			sawProposal = true
		}
		if c, ok := l["candidates"]; ok && strings.Contains(string(c), `"USE"`) {
			sawUse = true
		}
	}
	if !sawProposal || !sawUse {
		t.Errorf("JSON lines miss the proposal (%v) or the USE verdict (%v):\n%s", sawProposal, sawUse, out.String())
	}

	// Incremental: nothing changed but the proposal (an asset, inactive).
	out.Reset()
	if code := cmdLink(t.Context(), []string{"--data", dir, "--incremental", "--propose=false"}, env, nil, &out, &errb); code != 0 {
		t.Fatalf("acervo link --incremental: exit %d\n%s", code, errb.String())
	}
	if !strings.Contains(out.String(), "0 compras") {
		t.Errorf("incremental output:\n%s", out.String())
	}
	// Usage errors exit 2.
	if code := cmdLink(t.Context(), []string{"--data", dir, "--threshold", "2"}, env, nil, &out, &errb); code != 2 {
		t.Errorf("bad threshold: exit %d", code)
	}
	if code := cmdLink(t.Context(), []string{"--data", dir, "extra"}, env, nil, &out, &errb); code != 2 {
		t.Errorf("extra argument: exit %d", code)
	}
}

func mustJSON(t *testing.T, m map[string]json.RawMessage) []byte {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
