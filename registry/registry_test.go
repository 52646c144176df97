package registry_test

import (
	"errors"
	"go/build"
	"strings"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// TestNoAdapterImports keeps the domain free of adapters: registry imports
// only the standard library.
func TestNoAdapterImports(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range append(pkg.Imports, pkg.TestImports...) {
		if imp == "github.com/acervo-co/acervo/registry" {
			continue
		}
		if strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
			t.Errorf("registry imports %q; the domain may import only the standard library", imp)
		}
	}
}

func TestNITCheckDigit(t *testing.T) {
	for _, tc := range []struct {
		nit string
		dv  int
	}{
		{"800197268", 4}, // DIAN
		{"899999090", 2}, // Ministerio de Hacienda y Crédito Público
		{"830115226", 3}, // Ministerio del Trabajo
		{"890480184", 4}, // from the SECOP samples
	} {
		if got := registry.NITCheckDigit(tc.nit); got != tc.dv {
			t.Errorf("NITCheckDigit(%s) = %d, want %d", tc.nit, got, tc.dv)
		}
	}
}

func TestParseNIT(t *testing.T) {
	for _, tc := range []struct {
		in    string
		hasDV bool
		nit   string
		err   bool
	}{
		{"800.197.268-4", false, "800197268", false},
		{"800197268-5", false, "", true},
		{"8001972684", true, "800197268", false},
		{"8001972685", true, "", true},
		{"800197268", false, "800197268", false},
		{"12ab", false, "", true},
	} {
		nit, _, err := registry.ParseNIT(tc.in, tc.hasDV)
		if (err != nil) != tc.err || nit != tc.nit {
			t.Errorf("ParseNIT(%q, %v) = %q, %v; want %q, err=%v", tc.in, tc.hasDV, nit, err, tc.nit, tc.err)
		}
		if err != nil && !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("ParseNIT(%q) error %v is not ErrInvalid", tc.in, err)
		}
	}
}

func TestSPDX(t *testing.T) {
	for expr, ok := range map[string]bool{
		"EUPL-1.2": true, "MIT": true, "GPL-3.0-or-later": true, "Apache-2.0 OR MIT": true,
		"(MIT AND BSD-3-Clause) OR GPL-2.0-only WITH Classpath-exception-2.0": true,
		"LicenseRef-Propietaria": true, "NOT-A-LICENCE": false, "MIT AND": false, "": false, "(MIT": false,
	} {
		if got := registry.ValidSPDXExpression(expr); got != ok {
			t.Errorf("ValidSPDXExpression(%q) = %v, want %v", expr, got, ok)
		}
	}
}

func TestSemverAndConstraints(t *testing.T) {
	order := []string{"0.9.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "v1.2.3", "2.0.0"}
	for i := 1; i < len(order); i++ {
		a, _ := registry.ParseSemver(order[i-1])
		b, ok := registry.ParseSemver(order[i])
		if !ok || a.Compare(b) >= 0 {
			t.Errorf("%s should sort before %s", order[i-1], order[i])
		}
	}
	if _, ok := registry.ParseSemver("1.2"); ok {
		t.Error("1.2 is not a full semantic version")
	}
	for _, tc := range []struct {
		c, v string
		ok   bool
	}{
		{"^1.2.0", "1.9.9", true}, {"^1.2.0", "2.0.0", false}, {"~1.2.3", "1.2.9", true}, {"~1.2.3", "1.3.0", false},
		{">=1.0.0 <2.0.0", "1.5.0", true}, {">=1.0.0, <2.0.0", "2.0.0", false}, {"1.x", "1.7.0", true},
		{"^0.2.3", "0.3.0", false}, {"1.2.3 || 3.x", "3.1.0", true}, {"^1.0.0", "1.1.0-beta", false},
		{">=1.1.0-beta", "1.1.0-rc.1", true},
	} {
		c, err := registry.ParseConstraint(tc.c)
		if err != nil {
			t.Fatalf("ParseConstraint(%q): %v", tc.c, err)
		}
		v, _ := registry.ParseSemver(tc.v)
		if got := c.Check(v); got != tc.ok {
			t.Errorf("%q.Check(%s) = %v, want %v", tc.c, tc.v, got, tc.ok)
		}
	}
	if _, err := registry.ParseConstraint(">= banana"); err == nil {
		t.Error("a constraint on a non-version must fail")
	}
}

func TestLatestRelease(t *testing.T) {
	rs := []registry.Release{
		{Tag: "v1.0.0", Version: "1.0.0", IsRelease: true},
		{Tag: "v1.2.0", Version: "1.2.0", IsRelease: true},
		{Tag: "v2.0.0-rc.1", Version: "2.0.0-rc.1", IsRelease: true, Prerelease: true},
		{Tag: "v1.3.0", Version: "1.3.0", IsRelease: true, Withdrawn: true},
		{Tag: "latest"},
	}
	got, ok := registry.LatestRelease(rs)
	if !ok || got.Tag != "v1.2.0" {
		t.Errorf("LatestRelease = %q, want v1.2.0", got.Tag)
	}
}

func TestAdvisoryAffects(t *testing.T) {
	a := registry.Advisory{Affected: []registry.AffectedRange{{Introduced: "1.0.0", Fixed: "1.4.2"}, {Introduced: "2.0.0", LastAffected: "2.1.0"}}}
	for v, want := range map[string]bool{"0.9.0": false, "1.0.0": true, "1.4.1": true, "1.4.2": false, "2.1.0": true, "2.1.1": false} {
		if got := a.Affects(v); got != want {
			t.Errorf("Affects(%s) = %v, want %v", v, got, want)
		}
	}
}

func TestCursorRoundTrip(t *testing.T) {
	at := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	c := registry.EncodeCursor(registry.SortUpdated, at, "01abc")
	var key time.Time
	got, err := registry.DecodeCursor(c, registry.SortUpdated, &key)
	if err != nil || got.ID != "01abc" || !key.Equal(at) {
		t.Fatalf("DecodeCursor = %+v %v %v", got, key, err)
	}
	if _, err := registry.DecodeCursor(c, registry.SortName, nil); !errors.Is(err, registry.ErrInvalid) {
		t.Errorf("a cursor of another sort must be refused, got %v", err)
	}
	if _, err := registry.DecodeCursor("%%%", registry.SortName, nil); !errors.Is(err, registry.ErrInvalid) {
		t.Errorf("a malformed cursor must be refused, got %v", err)
	}
}

func TestSlugifyAndIDs(t *testing.T) {
	if got := registry.Slugify("  Gestión Documental ORFEO (v2) "); got != "gestion-documental-orfeo-v2" {
		t.Errorf("Slugify = %q", got)
	}
	now := time.Now()
	a, b := registry.NewID(now), registry.NewID(now.Add(time.Millisecond))
	if len(a) != 26 || a >= b {
		t.Errorf("ids must be 26 chars and sort by time: %q %q", a, b)
	}
}

func TestEntityValidation(t *testing.T) {
	e := registry.Entity{NIT: "800197268", CheckDigit: 4, Name: "DIAN", DepartmentCode: "11", MunicipalityCode: "11001", Orden: registry.OrdenNacional}
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	e.CheckDigit, e.MunicipalityCode, e.Orden = 5, "05001", "FEDERAL"
	fields := registry.FieldsOf(e.Validate())
	if len(fields) != 3 {
		t.Errorf("want 3 offending fields (checkDigit, municipalityCode, orden), got %+v", fields)
	}
}

// TestPurchaseSizeLimits: a field far longer than any published record is
// refused by name and size, and the error does not carry the field back.
func TestPurchaseSizeLimits(t *testing.T) {
	p := registry.Purchase{Source: registry.SourceSECOPII, ContractID: "CO1.PCCNTR.1", BuyerNIT: "899999053", Description: "Licencias", Value: 1}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	huge := strings.Repeat("x", 10<<20)
	p.ContractID, p.Description, p.BuyerNIT = huge, huge, huge
	err := p.Validate()
	fields := registry.FieldsOf(err)
	if !errors.Is(err, registry.ErrInvalid) || len(fields) != 3 || len(err.Error()) > 500 {
		t.Fatalf("a 10 MiB contract id, description and NIT: fields %+v, error of %d bytes", fields, len(err.Error()))
	}
	p.ContractID, p.Description, p.BuyerNIT = strings.Repeat("1", registry.MaxKeyLen), strings.Repeat("á", registry.MaxTextLen/2), "899999053"
	if err := p.Validate(); err != nil {
		t.Errorf("fields at their limits: %v", err)
	}
}
