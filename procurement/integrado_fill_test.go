package procurement

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// TestIntegradoFillsGaps: SECOP Integrado repeats SECOP II contracts with
// fewer fields. Imported after the SECOP II dataset, its rows change what
// they say (a new value, a new state) and keep what they do not carry (the
// UNSPSC codes, the supplier's document); a row that adds nothing is
// unchanged, and importing the file again changes nothing.
func TestIntegradoFillsGaps(t *testing.T) {
	dir := t.TempDir()
	svc, ctx := newService(t, dir)
	if sum, rej := importFile(t, svc, ctx, dir, "testdata/real/secop2_contratos_ti.csv", Options{Family: "secop2"}); sum.New == 0 || len(rej) > 0 {
		t.Fatalf("SECOP II import: %+v, %d rejected", pick(sum), len(rej))
	}
	before, err := svc.Store().Purchases().GetByKey(ctx, registry.SourceSECOPII, "CO1.PCCNTR.5064115")
	if err != nil {
		t.Fatal(err)
	}
	same, err := svc.Store().Purchases().GetByKey(ctx, registry.SourceSECOPII, "CO1.PCCNTR.8148226")
	if err != nil {
		t.Fatal(err)
	}
	integrado := filepath.Join(t.TempDir(), "rpmr-utcd.json")
	rows := `[
 {"numero_del_contrato": "CO1.PCCNTR.5064115", "origen": "SECOPII", "nit_de_la_entidad": "890205176",
  "nombre_de_la_entidad": "ALCALDIA DE FLORIDABLANCA", "valor_contrato": "17000000", "estado_del_proceso": "Terminado",
  "fecha_de_firma_del_contrato": "2023-06-22T00:00:00.000"},
 {"numero_del_contrato": "CO1.PCCNTR.8148226", "origen": "SECOPII", "nit_de_la_entidad": "890980331", "valor_contrato": "14000000"},
 {"numero_del_contrato": "CO1.PCCNTR.9999001", "origen": "SECOPII", "nit_de_la_entidad": "890205176",
  "nombre_de_la_entidad": "ALCALDIA DE FLORIDABLANCA", "valor_contrato": "5000000", "objeto_del_proceso": "Licencias de software ofimático"}
]`
	if err := os.WriteFile(integrado, []byte(rows), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, rej := importFile(t, svc, ctx, dir, integrado, Options{Family: "integrado"})
	if len(rej) > 0 {
		t.Fatalf("rejected: %v", rej)
	}
	if got := pick(sum); got.New != 1 || got.Updated != 1 || got.Unchanged != 1 {
		t.Errorf("Integrado import %+v, want 1 new, 1 updated, 1 unchanged", got)
	}
	after, err := svc.Store().Purchases().GetByKey(ctx, registry.SourceSECOPII, "CO1.PCCNTR.5064115")
	if err != nil {
		t.Fatal(err)
	}
	if after.Value != 17000000 || after.Status == before.Status {
		t.Errorf("the row's new value and state were not applied: %d %q", after.Value, after.Status)
	}
	if !slices.Equal(after.UNSPSC, before.UNSPSC) || len(after.UNSPSC) == 0 {
		t.Errorf("UNSPSC %v, want the SECOP II codes %v kept", after.UNSPSC, before.UNSPSC)
	}
	if after.Supplier != before.Supplier || after.Description != before.Description || after.URL != before.URL ||
		after.DepartmentCode != before.DepartmentCode || after.Modality != before.Modality {
		t.Errorf("fields Integrado does not carry were erased:\n%+v\nwas\n%+v", after, before)
	}
	if now, _ := svc.Store().Purchases().GetByKey(ctx, registry.SourceSECOPII, "CO1.PCCNTR.8148226"); now.Rev != same.Rev || now.RowHash != same.RowHash {
		t.Errorf("a row that adds nothing changed the purchase (rev %d → %d)", same.Rev, now.Rev)
	}
	again, _ := importFile(t, svc, ctx, dir, integrado, Options{Family: "integrado"})
	if got := pick(again); got.Unchanged != 3 || got.New+got.Updated != 0 {
		t.Errorf("second Integrado import %+v, want 3 unchanged", got)
	}
}

// TestFillGapsCoversEveryField: every field of a purchase that describes
// it is filled from the stored purchase when the row leaves it empty, so a
// field added to registry.Purchase later cannot be erased by Integrado
// without this test failing.
func TestFillGapsCoversEveryField(t *testing.T) {
	notFilled := map[string]bool{"ID": true, "Source": true, "ContractID": true, "SoftwareScore": true, "SoftwareReasons": true,
		"RowHash": true, "CreatedAt": true, "UpdatedAt": true, "Rev": true}
	var old registry.Purchase
	v := reflect.ValueOf(&old).Elem()
	when := time.Date(2024, 5, 6, 5, 0, 0, 0, time.UTC)
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("x" + v.Type().Field(i).Name)
		case reflect.Int, reflect.Int64:
			f.SetInt(7)
		case reflect.Float64:
			f.SetFloat(0.5)
		case reflect.Slice:
			f.Set(reflect.ValueOf([]string{"43231500"}))
		case reflect.Pointer:
			f.Set(reflect.ValueOf(&when))
		case reflect.Struct:
			if f.Type() == reflect.TypeOf(registry.Party{}) {
				f.Set(reflect.ValueOf(registry.Party{DocType: "NIT", DocNumber: "900123456", Name: "Proveedor", NaturalPerson: true}))
			} else if f.Type() == reflect.TypeOf(time.Time{}) {
				f.Set(reflect.ValueOf(when))
			} else {
				t.Fatalf("field %s of type %s: teach this test to fill it", v.Type().Field(i).Name, f.Type())
			}
		default:
			t.Fatalf("field %s of kind %s: teach this test to fill it", v.Type().Field(i).Name, f.Kind())
		}
	}
	p := registry.Purchase{Source: old.Source, ContractID: old.ContractID}
	fillGaps(&p, &old)
	pv := reflect.ValueOf(p)
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		if notFilled[name] {
			if !pv.Field(i).IsZero() && name != "Source" && name != "ContractID" {
				t.Errorf("%s was copied; it is the importer's own", name)
			}
			continue
		}
		if !reflect.DeepEqual(pv.Field(i).Interface(), v.Field(i).Interface()) {
			t.Errorf("%s not filled from the stored purchase: %v", name, pv.Field(i).Interface())
		}
	}
}
