package backup_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/backup"
	"github.com/acervo-co/acervo/registry/sqlite"
)

func open(t *testing.T) registry.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// seed writes one record of most kinds through the Service.
func seed(t *testing.T, st registry.Store) {
	t.Helper()
	now := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	svc := registry.NewService(st, registry.WithClock(func() time.Time { return now }))
	ctx := registry.WithActor(context.Background(), registry.SystemActor("test"))
	if _, err := svc.UpsertEntity(ctx, &registry.Entity{NIT: "899999011", Name: "Departamento Nacional de Planeación", Orden: registry.OrdenNacional, DepartmentCode: "11", MunicipalityCode: "11001"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.CreateUser(ctx, &registry.User{Username: "cio.dnp", Grants: []registry.Grant{{Role: registry.RoleCIO, EntityNIT: "899999011"}}}, ""); err != nil {
		t.Fatal(err)
	}
	a := &registry.Asset{Kind: registry.AssetCommercial, Name: "Producto ERP", License: "LicenseRef-Propietaria", Aliases: []string{"ERP X"}}
	if err := svc.CreateAsset(ctx, a); err != nil {
		t.Fatal(err)
	}
	signed := now.AddDate(-1, 0, 0)
	ps := []registry.Purchase{{ID: registry.NewID(now), Source: registry.SourceSECOPII, ContractID: "CO1.PCCNTR.1", BuyerNIT: "899999011", BuyerName: "DNP",
		Supplier: registry.Party{DocType: "CC", DocNumber: "1037609915", Name: "Persona Natural", NaturalPerson: true}, Value: 31500000, SignedAt: &signed, Year: 2024, RowHash: "h1"}}
	if _, err := st.Purchases().UpsertBatch(ctx, ps, nil); err != nil {
		t.Fatal(err)
	}
	l := &registry.PurchaseLink{PurchaseID: ps[0].ID, AssetID: a.ID, Relation: registry.RelLicensing, Score: 0.9, Reasons: []string{"nombra ERP X"}}
	if _, err := svc.SuggestLink(ctx, l); err != nil {
		t.Fatal(err)
	}
	if err := svc.RecordAdoption(ctx, &registry.Adoption{EntityNIT: "899999011", AssetID: a.ID, Status: registry.AdoptionProduction}); err != nil {
		t.Fatal(err)
	}
}

func TestExportRestoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := open(t)
	seed(t, src)
	var first bytes.Buffer
	counts, err := backup.Export(ctx, src, &first)
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{registry.KindEntity, registry.KindUser, registry.KindAsset, registry.KindPurchase, registry.KindLink, registry.KindAdoption, "audit"} {
		if counts[kind] == 0 {
			t.Errorf("export wrote no %s", kind)
		}
	}
	dst := open(t)
	if _, err := backup.Restore(ctx, dst, bytes.NewReader(first.Bytes())); err != nil {
		t.Fatal(err)
	}
	var second bytes.Buffer
	if _, err := backup.Export(ctx, dst, &second); err != nil {
		t.Fatal(err)
	}
	// The restored store exports the same records (revisions and sequence
	// numbers may differ; compare kinds and ids line by line).
	a, b := idsOf(t, first.String()), idsOf(t, second.String())
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("round trip changed the records:\nbefore %v\nafter  %v", a, b)
	}
	// A restore into a store that is not empty is refused.
	if _, err := backup.Restore(ctx, dst, bytes.NewReader(first.Bytes())); !errors.Is(err, backup.ErrNotEmpty) {
		t.Errorf("restore into a non-empty store: %v, want ErrNotEmpty", err)
	}
}

func TestRestoreReportsBadLine(t *testing.T) {
	in := `{"format":"acervo-backup","version":1}
{"kind":"entity","record":{"nit":"899999011","name":"DNP"}}
{"kind":"entity","record":
`
	_, err := backup.Restore(context.Background(), open(t), strings.NewReader(in))
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("want an error naming line 3, got %v", err)
	}
	if _, err := backup.Restore(context.Background(), open(t), strings.NewReader("hola\n")); err == nil || !strings.Contains(err.Error(), "not an Acervo backup") {
		t.Errorf("want a clear refusal of a non-backup, got %v", err)
	}
}

func idsOf(t *testing.T, dump string) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(dump), "\n")[1:] {
		kind := line[strings.Index(line, `"kind":"`)+8:]
		kind = kind[:strings.IndexByte(kind, '"')]
		i := strings.Index(line, `"id":"`)
		id := ""
		if i >= 0 {
			id = line[i+6:]
			id = id[:strings.IndexByte(id, '"')]
		}
		out = append(out, kind+" "+id)
	}
	return out
}
