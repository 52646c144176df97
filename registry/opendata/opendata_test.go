package opendata_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/opendata"
	"github.com/acervo-co/acervo/registry/sqlite"
)

func TestDumpHasNoPersonalData(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	svc := registry.NewService(st, registry.WithClock(func() time.Time { return now }))
	sys := registry.WithActor(ctx, registry.SystemActor("test"))
	if _, err := svc.UpsertEntity(sys, &registry.Entity{NIT: "899999011", Name: "Departamento Nacional de Planeación"}); err != nil {
		t.Fatal(err)
	}
	a := &registry.Asset{Kind: registry.AssetCommercial, Name: "Producto ERP", Aliases: []string{"ERP X"}}
	if err := svc.CreateAsset(sys, a); err != nil {
		t.Fatal(err)
	}
	signed := now.AddDate(-1, 0, 0)
	ps := []registry.Purchase{
		{ID: registry.NewID(now), Source: registry.SourceSECOPII, ContractID: "CO1.PCCNTR.1", BuyerNIT: "899999011", BuyerName: "DNP",
			Supplier: registry.Party{DocType: "CC", DocNumber: "1037609915", Name: "Persona Natural Ejemplo", NaturalPerson: true}, Value: 31500000, SignedAt: &signed, Year: 2024, RowHash: "a"},
		{ID: registry.NewID(now.Add(time.Second)), Source: registry.SourceSECOPII, ContractID: "CO1.PCCNTR.2", BuyerNIT: "899999011", BuyerName: "DNP",
			Supplier: registry.Party{DocType: "NIT", DocNumber: "900123456", Name: "Empresa de Software SAS"}, LegalRep: registry.Party{DocType: "CC", DocNumber: "79123456", Name: "Representante Legal"}, Value: 120000000, SignedAt: &signed, Year: 2024, RowHash: "b"},
	}
	if _, err := st.Purchases().UpsertBatch(sys, ps, nil); err != nil {
		t.Fatal(err)
	}
	buyer := registry.WithActor(ctx, registry.Actor{UserID: "u1", Grants: []registry.Grant{{Role: registry.RoleProcurement, EntityNIT: "899999011"}}})
	for _, p := range ps {
		l := &registry.PurchaseLink{PurchaseID: p.ID, AssetID: a.ID, Relation: registry.RelLicensing, Score: 0.9}
		if _, err := svc.SuggestLink(sys, l); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.DecidePurchaseLink(buyer, l.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	sum, err := opendata.Write(ctx, st, dir, now)
	if err != nil {
		t.Fatal(err)
	}
	if sum["compras_enlazadas"] != 2 || sum["activos"] != 1 {
		t.Errorf("summary %v: want 2 linked purchases and 1 asset", sum)
	}
	all := ""
	for _, name := range []string{"activos", "versiones", "adopciones_verificadas", "compras_enlazadas"} {
		for _, ext := range []string{".csv", ".json"} {
			b, err := os.ReadFile(filepath.Join(dir, name+ext))
			if err != nil {
				t.Fatal(err)
			}
			all += string(b)
		}
	}
	for _, personal := range []string{"1037609915", "Persona Natural Ejemplo", "79123456", "Representante Legal"} {
		if strings.Contains(all, personal) {
			t.Errorf("the open-data dump contains personal data %q", personal)
		}
	}
	if !strings.Contains(all, "Empresa de Software SAS") || !strings.Contains(all, "120000000") {
		t.Error("a company supplier and the contract value are public and must be in the dump")
	}
	// The dictionary describes every column of every dataset.
	f, err := os.Open(filepath.Join(dir, "diccionario.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ds := range opendata.Datasets() {
		n += len(ds.Columns)
	}
	if len(rows)-1 != n {
		t.Errorf("dictionary has %d rows, want %d", len(rows)-1, n)
	}
	for _, r := range rows[1:] {
		if r[3] == "" || r[4] == "" || r[7] == "" || r[8] == "" || r[6] == "" {
			t.Errorf("dictionary row %v lacks a Spanish or English name or description or type", r)
		}
	}
}
