package procurement

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acervo-co/acervo/registry"
)

// TestImportRealSamples imports every real sample file: every row lands in
// exactly one of new/updated/unchanged/rejected, nothing is rejected, and a
// second import finds every row unchanged.
func TestImportRealSamples(t *testing.T) {
	cases := []struct {
		file     string
		format   string
		rows     int64
		distinct int64 // purchases stored
		dups     int64 // rows repeating an earlier row's content
	}{
		{"secop2_contratos_ti.csv", "secop2-contratos/soda-csv", 4035, 4035, 0},
		{"secop1_procesos_2026-04.csv", "secop1/soda-csv", 4000, 3859, 141},
		{"secop2_contratos_jbjy-vk9h_fila_api_ejemplo.json", "secop2-contratos/soda-json", 1, 1, 0},
		{"secop2_procesos_p6dx-8zbt_fila_api_ejemplo.json", "secop2-procesos/soda-json", 1, 1, 0},
		{"ocds_colombia_secop1_compiled_release_ocds-k50g02-11-12-475154.json", "ocds/ocds-release", 1, 1, 0},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			dir := t.TempDir()
			svc, ctx := newService(t, dir)
			path := filepath.Join("testdata", "real", c.file)
			first, rej := importFile(t, svc, ctx, dir, path, Options{})
			if first.Format != c.format {
				t.Errorf("format %q, want %q", first.Format, c.format)
			}
			for _, r := range rej {
				t.Errorf("rejected: %v", r)
			}
			want := Summary{Format: c.format, New: c.distinct, Unchanged: c.dups}
			if got := pick(first); got != want {
				t.Errorf("first import: %+v, want %+v", got, want)
			}
			if first.Rows() != c.rows {
				t.Errorf("first import accounts for %d rows, the file has %d", first.Rows(), c.rows)
			}
			var total int64
			for _, src := range []string{registry.SourceSECOPII, registry.SourceSECOPI, registry.SourceOCDS} {
				total += countPurchases(t, svc, src)
			}
			if total != c.distinct {
				t.Errorf("%d purchases stored, want %d", total, c.distinct)
			}
			second, _ := importFile(t, svc, ctx, dir, path, Options{})
			if want := (Summary{Format: c.format, Unchanged: c.rows}); pick(second) != want {
				t.Errorf("second import: %+v, want %+v", pick(second), want)
			}
			if first.RejectsPath != "" {
				if _, err := os.Stat(first.RejectsPath); err == nil {
					t.Errorf("rejects file %s left behind with nothing rejected", first.RejectsPath)
				}
			}
		})
	}
}

func pick(s Summary) Summary {
	return Summary{Format: s.Format, New: s.New, Updated: s.Updated, Unchanged: s.Unchanged, Rejected: s.Rejected}
}

// TestEntityDirectory checks that buyers become entities, merged by NIT
// (name variants kept as aliases), placed by DIVIPOLA code, and that they
// are found by NIT with or without check digit.
func TestEntityDirectory(t *testing.T) {
	dir := t.TempDir()
	svc, ctx := newService(t, dir)
	sum, _ := importFile(t, svc, ctx, dir, "testdata/real/secop2_contratos_ti.csv", Options{})
	if sum.Entities == 0 {
		t.Fatal("no entity recorded")
	}
	// SENA: 899999034, DV 1; many buying units share the NIT.
	for _, q := range []string{"899999034", "8999990341", "899.999.034-1"} {
		e, err := svc.EntityByNIT(ctx, q)
		if err != nil {
			t.Fatalf("EntityByNIT(%q): %v", q, err)
		}
		if e.NIT != "899999034" || e.CheckDigit != 1 {
			t.Fatalf("EntityByNIT(%q) = %s-%d", q, e.NIT, e.CheckDigit)
		}
		if len(e.Aliases) == 0 {
			t.Errorf("SENA has no aliases: its regional units publish under other names")
		}
		if e.Orden != registry.OrdenNacional {
			t.Errorf("SENA orden %q", e.Orden)
		}
	}
	// Glued DV in the source: 8999990619 is DADEP 899999061-9.
	e, err := svc.EntityByNIT(ctx, "899999061")
	if err != nil {
		t.Fatal(err)
	}
	if e.DepartmentCode != "11" || e.MunicipalityCode != "11001" {
		t.Errorf("DADEP placed at %s/%s, want 11/11001", e.DepartmentCode, e.MunicipalityCode)
	}
	// An admin edits an entity; a re-import does not undo it.
	e.Sigla = "DADEP"
	e.Name = "Departamento Administrativo de la Defensoría del Espacio Público"
	admin := registry.WithActor(t.Context(), registry.Actor{UserID: "u1", Grants: []registry.Grant{{Role: registry.RoleAdmin}}})
	if err := svc.UpdateEntity(admin, &e); err != nil {
		t.Fatal(err)
	}
	importFile(t, svc, ctx, dir, "testdata/real/secop2_contratos_ti.csv", Options{})
	got, err := svc.EntityByNIT(ctx, "899999061")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != e.Name || got.Sigla != "DADEP" {
		t.Errorf("after re-import: %q (%q), want the admin's edit", got.Name, got.Sigla)
	}
	anon := t.Context()
	if err := svc.UpdateEntity(anon, &got); err == nil {
		t.Error("an anonymous caller edited an entity")
	}
}

// TestMaskedForAnonymous checks that natural persons' document numbers are
// stored but never shown to anonymous readers.
func TestMaskedForAnonymous(t *testing.T) {
	dir := t.TempDir()
	svc, ctx := newService(t, dir)
	importFile(t, svc, ctx, dir, "testdata/real/secop2_contratos_jbjy-vk9h_fila_api_ejemplo.json", Options{})
	importFile(t, svc, ctx, dir, "testdata/real/secop2_contratos_ti.csv", Options{})
	// CO1.PCCNTR.5064115: a person (cédula 63445943) hired by Floridablanca.
	stored, err := svc.Store().Purchases().GetByKey(ctx, registry.SourceSECOPII, "CO1.PCCNTR.5064115")
	if err != nil {
		t.Fatal(err)
	}
	if stored.Supplier.DocNumber != "63445943" || !stored.Supplier.NaturalPerson {
		t.Fatalf("stored supplier %+v", stored.Supplier)
	}
	anon, err := svc.PurchaseByKey(t.Context(), registry.SourceSECOPII, "CO1.PCCNTR.5064115")
	if err != nil {
		t.Fatal(err)
	}
	if anon.Supplier.DocNumber != "" || anon.Supplier.Name == "" {
		t.Errorf("anonymous reader sees supplier %+v", anon.Supplier)
	}
	signed := registry.WithActor(t.Context(), registry.Actor{UserID: "u1"})
	if p, _ := svc.PurchaseByKey(signed, registry.SourceSECOPII, "CO1.PCCNTR.5064115"); p.Supplier.DocNumber != "63445943" {
		t.Errorf("signed-in reader sees %q", p.Supplier.DocNumber)
	}
	// The legal representative of the API row is a person too.
	p, err := svc.PurchaseByKey(t.Context(), registry.SourceSECOPII, "CO1.PCCNTR.5361557")
	if err != nil {
		t.Fatal(err)
	}
	if p.LegalRep.DocNumber != "" || p.Supplier.DocNumber != "901623692" {
		t.Errorf("anonymous reader sees legal rep %+v, supplier %+v", p.LegalRep, p.Supplier)
	}
	l, err := svc.Purchases(t.Context(), registry.PurchaseFilter{Page: registry.Page{First: 100}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range l.Items {
		if p.Supplier.NaturalPerson && p.Supplier.DocNumber != "" || p.LegalRep.DocNumber != "" {
			t.Fatalf("list shows a person's document: %+v", p.Supplier)
		}
	}
	var masked int
	for _, p := range l.Items {
		if p.Supplier.NaturalPerson {
			masked++
		}
	}
	if masked == 0 {
		t.Error("no natural person in the first page: the test proves nothing")
	}
}

// TestImportUpdatesChangedRows changes a few rows and re-imports: they are
// counted updated, the rest unchanged.
func TestImportUpdatesChangedRows(t *testing.T) {
	dir := t.TempDir()
	svc, ctx := newService(t, dir)
	src, err := os.ReadFile("testdata/real/secop2_contratos_ti.csv")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	importFile(t, svc, ctx, dir, path, Options{})
	changed := strings.Replace(string(src), ",16500000,16500000\r\n", ",16600000,16500000\r\n", 1)
	changed = strings.Replace(changed, "MUNICIPIO DE SABANETA,", "MUNICIPIO DE SABANETA ANTIOQUIA,", 1)
	if changed == string(src) {
		t.Fatal("fixture edit did not apply")
	}
	if err := os.WriteFile(path, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, _ := importFile(t, svc, ctx, dir, path, Options{})
	if want := (Summary{Format: "secop2-contratos/soda-csv", Updated: 2, Unchanged: 4033}); pick(sum) != want {
		t.Errorf("%+v, want %+v", pick(sum), want)
	}
	p, err := svc.Store().Purchases().GetByKey(ctx, registry.SourceSECOPII, "CO1.PCCNTR.5064115")
	if err != nil {
		t.Fatal(err)
	}
	if p.Value != 16600000 || p.Rev != 2 {
		t.Errorf("updated row: value %d rev %d", p.Value, p.Rev)
	}
	// The alias of Sabaneta's new spelling is kept.
	e, err := svc.EntityByNIT(ctx, "890980331")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range append(e.Aliases, e.Name) {
		found = found || a == "MUNICIPIO DE SABANETA ANTIOQUIA"
	}
	if !found {
		t.Errorf("entity %q aliases %v lack the new spelling", e.Name, e.Aliases)
	}
}
