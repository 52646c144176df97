package procurement

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/acervo-co/acervo/registry"
)

// TestFormats imports each format's fixture (testdata/formats/README.md)
// and checks what was detected, the counts and a few normalised fields.
func TestFormats(t *testing.T) {
	cases := []struct {
		file    string
		family  string
		format  string
		want    Summary
		source  string
		id      string
		check   func(t *testing.T, p registry.Purchase)
		entity  string // a buyer NIT that must be in the directory
		entDept string
	}{
		{file: "secop2_export_portal.csv", family: "secop2", format: "secop2-contratos/export-csv", want: Summary{New: 6},
			source: registry.SourceSECOPII, id: "CO1.PCCNTR.5064115",
			check: func(t *testing.T, p registry.Purchase) {
				wantDate(t, "signed", p.SignedAt, "2023-06-22")
				wantDate(t, "end", p.EndAt, "2023-12-22")
			}},
		{file: "secop2_procesos_soda.csv", family: "secop2", format: "secop2-procesos/soda-csv", want: Summary{New: 2},
			source: registry.SourceSECOPII, id: "CO1.REQ.2577564/CO1.AWD.1234567",
			check: func(t *testing.T, p registry.Purchase) {
				if strings.Join(p.UNSPSC, ",") != "80111500,43232300,81112200" || p.Value != 55000000 || p.ProcessID != "CO1.BDOS.2503732" {
					t.Errorf("process row: %v %d %s", p.UNSPSC, p.Value, p.ProcessID)
				}
				if !IsSoftware(p.SoftwareScore) {
					t.Errorf("SAS licence renewal scored %.2f %v", p.SoftwareScore, p.SoftwareReasons)
				}
			}, entity: "899999027", entDept: "11"},
		{file: "tvec_ordenes_rgxm-mmea.json", family: "tvec", format: "tvec/soda-json", want: Summary{New: 3},
			source: registry.SourceTVEC, id: "131234",
			check: func(t *testing.T, p registry.Purchase) {
				if p.FrameworkAgreement != "IAD Software por Catálogo II" || p.Value != 245000000 || !IsSoftware(p.SoftwareScore) {
					t.Errorf("TVEC order: %q %d %.2f %v", p.FrameworkAgreement, p.Value, p.SoftwareScore, p.SoftwareReasons)
				}
				if p.DepartmentCode != "11" || p.MunicipalityCode != "11001" {
					t.Errorf("TVEC place %s/%s", p.DepartmentCode, p.MunicipalityCode)
				}
			}, entity: "899999053"},
		{file: "tvec_ordenes_rgxm-mmea.csv", family: "tvec", format: "tvec/soda-csv", want: Summary{New: 3},
			source: registry.SourceTVEC, id: "131236",
			check: func(t *testing.T, p registry.Purchase) {
				if IsSoftware(p.SoftwareScore) {
					t.Errorf("paper order scored %.2f %v", p.SoftwareScore, p.SoftwareReasons)
				}
			}},
		{file: "secop_integrado_rpmr-utcd.json", family: "integrado", format: "secop-integrado/soda-json", want: Summary{New: 2},
			source: registry.SourceSECOPII, id: "CO1.PCCNTR.3787324",
			check: func(t *testing.T, p registry.Purchase) {
				if p.Value != 132130000 || p.Supplier.DocType != DocCC || !p.Supplier.NaturalPerson {
					t.Errorf("integrado row: %d %+v", p.Value, p.Supplier)
				}
			}, entity: "890981115", entDept: "23"},
		{file: "ocds_release_package.json", family: "ocds", format: "ocds/ocds-release-package", want: Summary{New: 2},
			source: registry.SourceOCDS, id: "ocds-k50g02-11-12-475155/519481",
			check: func(t *testing.T, p registry.Purchase) {
				if strings.Join(p.UNSPSC, ",") != "43232300" || p.Value != 130432400 || !IsSoftware(p.SoftwareScore) {
					t.Errorf("OCDS release: %v %d %.2f", p.UNSPSC, p.Value, p.SoftwareScore)
				}
				wantDate(t, "signed", p.SignedAt, "2011-03-31")
			}, entity: "800140603", entDept: "11"},
		{file: "ocds_record_package.json", family: "ocds", format: "ocds/ocds-record-package", want: Summary{New: 2},
			source: registry.SourceOCDS, id: "ocds-k50g02-11-12-475154/519480",
			check: func(t *testing.T, p registry.Purchase) {
				if p.Supplier.DocNumber != "811006026" || p.BuyerNIT != "800140603" || p.Year != 2011 {
					t.Errorf("OCDS record: %+v %s %d", p.Supplier, p.BuyerNIT, p.Year)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			dir := t.TempDir()
			svc, ctx := newService(t, dir)
			path := filepath.Join("testdata", "formats", c.file)
			sum, rej := importFile(t, svc, ctx, dir, path, Options{Family: c.family})
			for _, r := range rej {
				t.Errorf("rejected: %v", r)
			}
			c.want.Format = c.format
			if pick(sum) != c.want {
				t.Errorf("%+v, want %+v", pick(sum), c.want)
			}
			p, err := svc.Store().Purchases().GetByKey(ctx, c.source, c.id)
			if err != nil {
				t.Fatalf("purchase %s %s: %v", c.source, c.id, err)
			}
			c.check(t, p)
			if c.entity != "" {
				e, err := svc.EntityByNIT(ctx, c.entity)
				if err != nil {
					t.Fatalf("entity %s: %v", c.entity, err)
				}
				if c.entDept != "" && e.DepartmentCode != c.entDept {
					t.Errorf("entity %s in department %q, want %q", c.entity, e.DepartmentCode, c.entDept)
				}
			}
			again, _ := importFile(t, svc, ctx, dir, path, Options{Family: "auto"})
			if want := (Summary{Format: c.format, Unchanged: c.want.Rows()}); pick(again) != want {
				t.Errorf("second import %+v, want %+v", pick(again), want)
			}
		})
	}
}

func wantDate(t *testing.T, what string, got *time.Time, want string) {
	t.Helper()
	if got == nil || got.In(Bogota).Format("2006-01-02") != want || got.In(Bogota).Hour() != 0 {
		t.Errorf("%s date %v, want %s 00:00 in Bogotá", what, got, want)
	}
}

// TestSpanishSpreadsheet imports the portal export after a Spanish-locale
// spreadsheet (BOM, ';', "$ 16.500.000,00", "890.205.176,00", M/D/YYYY and
// "2023 jun 23 12:00:00 AM" dates, a multi-line description, an extra
// column): its rows must equal the same rows imported from SODA, and the row
// whose NIT became "2,02E+12" is rejected at its line and column.
func TestSpanishSpreadsheet(t *testing.T) {
	_, soda, _ := readAll(t, "testdata/real/secop2_contratos_ti.csv", "auto")
	byID := map[string]registry.Purchase{}
	for _, m := range soda {
		byID[m.Purchase.ContractID] = m.Purchase
	}
	path := "testdata/formats/secop2_export_hoja_es.csv"
	format, ms, rej := readAll(t, path, "secop2")
	if format.String() != "secop2-contratos/export-csv" || format.Delimiter != ';' {
		t.Errorf("format %v delimiter %q", format, format.Delimiter)
	}
	if len(ms) != 5 || len(rej) != 1 {
		t.Fatalf("%d rows, %d rejected; want 5 and 1", len(ms), len(rej))
	}
	for _, m := range ms {
		got, want := m.Purchase, byID[m.Purchase.ContractID]
		if got.RowHash != want.RowHash {
			t.Errorf("%s differs from its SODA row:\n got %+v\nwant %+v", got.ContractID, got, want)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	r := rej[0]
	if r.Line < 1 || r.Line > len(lines) {
		t.Fatalf("reject line %d", r.Line)
	}
	col := strings.Index(lines[r.Line-1], "2,02E+12") + 1
	if col == 0 || r.Column != col || !strings.Contains(r.Reason, "nit_entidad") || !strings.Contains(r.Reason, "scientific notation") {
		t.Errorf("reject %+v, want line %d column %d on nit_entidad", r, r.Line, col)
	}
}

// TestUnknownInput: a file that is no export of a known dataset is refused
// with ErrUnknownFormat and a message that says what was found. Binary
// content is named as such, never echoed to the terminal.
func TestUnknownInput(t *testing.T) {
	tb, err := LoadTables()
	if err != nil {
		t.Fatal(err)
	}
	binary := make([]byte, 3000)
	for i := range binary {
		binary[i] = byte(i*131 + i/7)
	}
	for _, c := range []struct {
		name, in, want string
	}{
		{"another CSV", "nombre,valor\nx,1\n", "the CSV header (nombre, valor) names none of the key columns"},
		{"binary", string(binary), "the first line is not text"},
		{"JSON of something else", `[{"a": 1}]`, "carry none of the keys ocid"},
	} {
		_, err := openSource(strings.NewReader(c.in), "auto", tb)
		if !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrUnknownFormat saying %q", c.name, err, c.want)
			continue
		}
		for _, r := range err.Error() {
			if r != '\t' && unicode.IsControl(r) || r == utf8.RuneError {
				t.Errorf("%s: the message carries %U: %q", c.name, r, err.Error())
				break
			}
		}
	}
}
