package procurement

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acervo-co/acervo/registry"
)

// TestCompileReleases checks the OCDS merge rules the importer relies on.
func TestCompileReleases(t *testing.T) {
	rels := []string{
		// Out of date order on purpose: the contract comes first in the input.
		`{"ocid":"ocds-x-1","id":"r3","date":"2020-03-01T00:00:00Z","tag":["contract"],
		  "contracts":[{"id":7,"value":{"amount":100,"currency":"COP"},"status":"active"}]}`,
		`{"ocid":"ocds-x-1","id":"r1","date":"2020-01-01T00:00:00Z","tag":["tender"],
		  "tender":{"id":"T","title":"Licencias","status":"active","items":[{"id":1,"classification":{"scheme":"UNSPSC","id":43232300}}],
		            "submissionMethod":["inPerson"]},
		  "parties":[{"id":"B","name":"Entidad","roles":["buyer"]}],
		  "planning":{"budget":{"amount":{"amount":90}}}}`,
		`{"ocid":"ocds-x-1","id":"r2","date":"2020-02-01T00:00:00Z","tag":["award"],
		  "tender":{"status":"complete","submissionMethod":["electronicSubmission"]},
		  "awards":[{"id":"7","suppliers":[{"id":"S","name":"Proveedor"}]}],
		  "parties":[{"id":"S","name":"Proveedor","roles":["supplier"]},{"id":"B","roles":["buyer","payer"]}]}`,
		`{"ocid":"ocds-x-1","id":"r4","date":"2020-04-01T00:00:00Z","tag":["contractAmendment"],
		  "contracts":[{"id":"7","value":{"amount":150},"status":null}],"planning":null}`,
	}
	raws := make([]json.RawMessage, len(rels))
	for i, r := range rels {
		raws[i] = json.RawMessage(r)
	}
	out, err := compileReleases(raws)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	at := func(path string) any {
		var v any = got
		for _, k := range strings.Split(path, ".") {
			switch x := v.(type) {
			case map[string]any:
				v = x[k]
			case []any:
				i := int(k[0] - '0')
				if i >= len(x) {
					return nil
				}
				v = x[i]
			default:
				return nil
			}
		}
		return v
	}
	want := map[string]any{
		"id":                               "ocds-x-1-2020-04-01T00:00:00Z", // ocid-date of the latest
		"date":                             "2020-04-01T00:00:00Z",
		"tag.0":                            "compiled",
		"tender.title":                     "Licencias", // kept from the tender release
		"tender.status":                    "complete",  // replaced by the award release
		"tender.submissionMethod.0":        "electronicSubmission",
		"tender.items.0.classification.id": 43232300.0,
		"awards.0.suppliers.0.id":          "S",
		"contracts.0.value.amount":         150.0, // amended; id 7 and "7" are one contract
		"contracts.0.value.currency":       "COP", // the amendment left it
		"contracts.0.status":               nil,   // null removes
		"planning":                         nil,   // null removes a whole object
		"parties.0.id":                     "B",   // parties merge by id, in order of appearance
		"parties.0.name":                   "Entidad",
		"parties.0.roles.1":                "payer", // a list of strings is replaced whole
		"parties.1.id":                     "S",
	}
	for path, w := range want {
		if g := at(path); g != w {
			t.Errorf("%s = %#v, want %#v", path, g, w)
		}
	}
	if n := len(got["contracts"].([]any)); n != 1 {
		t.Errorf("%d contracts, want 1 (merged by id)", n)
	}
	if n := len(got["tender"].(map[string]any)["submissionMethod"].([]any)); n != 1 {
		t.Errorf("submissionMethod has %d values, want the later list alone", n)
	}
	// Two processes never compile together.
	if _, err := compileReleases([]json.RawMessage{json.RawMessage(rels[0]), json.RawMessage(`{"ocid":"ocds-x-2"}`)}); err == nil {
		t.Error("releases of two ocids compiled together")
	}
}

// TestOCDSStagesImport imports a release package where one process is
// published as four releases (tender, award, contract, amendment; not
// adjacent, not in date order, a contract id written once as a number and
// once as a string) beside another process's single release: each process
// must give one purchase per contract, carrying what every stage said, and
// no purchase for the bare tender or the award. The record package with the
// same releases embedded (and a linked release it cannot read) must give the
// same purchase.
func TestOCDSStagesImport(t *testing.T) {
	const x = "ocds-k50g02-11-12-475154"
	for _, c := range []struct{ file, format string }{
		{"ocds_release_package_stages.json", "ocds/ocds-release-package"},
		{"ocds_record_package_stages.json", "ocds/ocds-record-package"},
	} {
		t.Run(c.file, func(t *testing.T) {
			dir := t.TempDir()
			svc, ctx := newService(t, dir)
			path := filepath.Join("testdata", "formats", c.file)
			sum, rej := importFile(t, svc, ctx, dir, path, Options{Family: "ocds"})
			for _, r := range rej {
				t.Errorf("rejected: %v", r)
			}
			wantNew := int64(2)
			wantCompiled := int64(3)
			if strings.Contains(c.file, "record") {
				wantNew, wantCompiled = 1, 0 // records are compiled inside the record
			}
			if got := pick(sum); got != (Summary{Format: c.format, New: wantNew}) || sum.Compiled != wantCompiled {
				t.Errorf("summary %+v, compiled %d; want %d new, %d compiled", got, sum.Compiled, wantNew, wantCompiled)
			}
			p, err := svc.Store().Purchases().GetByKey(ctx, registry.SourceOCDS, x+"/519480")
			if err != nil {
				t.Fatal(err)
			}
			if p.Value != 150_000_000 {
				t.Errorf("value %d, want the amended 150,000,000", p.Value)
			}
			if p.Supplier.DocNumber != "811006026" || p.BuyerNIT != "800140603" {
				t.Errorf("supplier %+v buyer %s: the award's supplier and the tender's buyer", p.Supplier, p.BuyerNIT)
			}
			if strings.Join(p.UNSPSC, ",") != "43232300" || !strings.Contains(p.Description, "PN MEVAL") {
				t.Errorf("UNSPSC %v description %q: the tender's", p.UNSPSC, p.Description)
			}
			wantDate(t, "signed", p.SignedAt, "2011-03-31")
			for _, stale := range []string{x, x + "/award/519480"} {
				if _, err := svc.Store().Purchases().GetByKey(ctx, registry.SourceOCDS, stale); !errors.Is(err, registry.ErrNotFound) {
					t.Errorf("purchase %s exists (%v): a stage was imported as a purchase of its own", stale, err)
				}
			}
			again, _ := importFile(t, svc, ctx, dir, path, Options{Family: "ocds"})
			if got := pick(again); got != (Summary{Format: c.format, Unchanged: wantNew}) {
				t.Errorf("second import %+v, want all %d unchanged", got, wantNew)
			}
		})
	}
}

// TestOCDSCompiledErrorLocation: a bad value in one stage of a compiled
// process is reported at its own line and column, and the other process
// in the package is kept.
func TestOCDSCompiledErrorLocation(t *testing.T) {
	b, err := os.ReadFile("testdata/formats/ocds_release_package_stages.json")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	const good = `"dateSigned": "2011-03-31T00:00:00.000Z"`
	// The second one is the first process's contract release (the first
	// belongs to the other process, which comes before it in the package).
	i := strings.LastIndex(s, good)
	if strings.Count(s, good) != 2 {
		t.Fatalf("fixture changed: %d dateSigned", strings.Count(s, good))
	}
	s = s[:i] + `"dateSigned": "el 31 de marzo"` + s[i+len(good):]
	pre := s[:i]
	wantLine := strings.Count(pre, "\n") + 1
	wantCol := len(pre) - strings.LastIndex(pre, "\n")
	_, ms, rej := readAllFrom(t, strings.NewReader(s), "ocds")
	if len(rej) != 1 || rej[0].Line != wantLine || rej[0].Column != wantCol || rej[0].Field != "dateSigned" {
		t.Fatalf("rejects %+v, want one at line %d column %d, field dateSigned", rej, wantLine, wantCol)
	}
	if len(ms) != 1 || ms[0].Purchase.ContractID != "ocds-k50g02-11-12-475155/519481" {
		t.Errorf("kept %d purchases, want the other process's", len(ms))
	}
}

// TestOCDSTruncatedPackage: a package cut off in the middle keeps every
// release read before the cut, compiled by process, and reports where the
// input ended.
func TestOCDSTruncatedPackage(t *testing.T) {
	b, err := os.ReadFile("testdata/formats/ocds_release_package_stages.json")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	cut := strings.Index(s, `"tag": [`+"\n"+`    "award"`) // inside the award release, after the contract
	if cut < 0 {
		t.Fatal("fixture changed: no award release")
	}
	tb, err := LoadTables()
	if err != nil {
		t.Fatal(err)
	}
	src, err := openSource(strings.NewReader(s[:cut]), "ocds", tb)
	if err != nil {
		t.Fatal(err)
	}
	defer src.close()
	im := &Importer{tables: tb, opts: Options{Detector: NewDetector()}}
	var ids []string
	var end error
	for {
		it, err := src.next()
		if err != nil {
			end = err
			break
		}
		ms, rerr := im.mapItem(it, OCDS)
		if rerr != nil {
			t.Errorf("rejected: %v", rerr)
		}
		for _, m := range ms {
			ids = append(ids, m.Purchase.ContractID)
		}
	}
	// Where the file was cut: its last line and the column after its last byte.
	head := s[:cut]
	endLine, endCol := strings.Count(head, "\n")+1, len(head)-strings.LastIndex(head, "\n")
	if want := fmt.Sprintf("the input ends (line %d, column %d)", endLine, endCol); end == nil || !strings.Contains(end.Error(), want) {
		t.Errorf("end of input %v, want the error saying %q", end, want)
	}
	// The tender and the contract of the first process (compiled: one
	// purchase), and the second process.
	if strings.Join(ids, " ") != "ocds-k50g02-11-12-475154/519480 ocds-k50g02-11-12-475155/519481" {
		t.Errorf("purchases before the cut: %v", ids)
	}
}
