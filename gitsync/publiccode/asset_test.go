package publiccode

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
)

func TestFillAsset(t *testing.T) {
	doc := strings.NewReplacer(
		"platforms:", "landingURL: https://orfeo.example.gov.co\nplatforms:",
		"  es:", "  en:\n    shortDescription: Document management\n    longDescription: "+strings.Repeat("Document management. ", 10)+"\n    features: [Filing]\n  es-CO:\n    shortDescription: Variante\n    longDescription: "+strings.Repeat("Variante colombiana. ", 10)+"\n    features: [Radicar]\n  es:",
		"type: community", "type: contract\n  contractors:\n    - name: Soluciones SAS\n      until: 2027-06-30\n      email: soporte@soluciones.example.co",
	).Replace(minimal)
	f, findings := Parse([]byte(doc), Options{})
	if len(findings) != 0 {
		t.Fatalf("findings: %+v", findings)
	}
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	prov := registry.Provenance{Source: registry.ProvPubliccode, Ref: "publiccode.yml@abc123", At: at}
	a := &registry.Asset{Provenance: map[string]registry.Provenance{
		"aliases": {Source: registry.ProvCIONetwork, At: at},
	}}
	changed := f.FillAsset(a, prov)
	if len(changed) != 10 {
		t.Errorf("changed %v", changed)
	}
	until := time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)
	want := registry.Asset{
		Name: "Orfeo",
		Descriptions: map[string]registry.Description{
			"es": {ShortDescription: "Sistema de gestión documental", LongDescription: strings.TrimSpace(f.Description["es"].LongDescription), Features: []string{"Radicación de entrada y salida"}},
			"en": {ShortDescription: "Document management", LongDescription: strings.TrimSpace(strings.Repeat("Document management. ", 10)), Features: []string{"Filing"}},
		},
		PublisherNIT:      "899999053",
		LandingURL:        "https://orfeo.example.gov.co",
		License:           "GPL-3.0-or-later",
		Categories:        []string{"document-management"},
		SoftwareType:      "standalone/web",
		DevelopmentStatus: "stable",
		Maintenance: registry.Maintenance{Type: "contract",
			Contractors: []registry.Contractor{{Name: "Soluciones SAS", Email: "soporte@soluciones.example.co", Until: until}},
			Contacts:    []registry.Contact{{Name: "Ana Gómez"}}},
		Platforms: []string{"web"},
	}
	got := *a
	got.Provenance = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("asset\n got %+v\nwant %+v", got, want)
	}
	for _, field := range changed {
		if a.Provenance[field] != prov {
			t.Errorf("provenance of %s: %+v", field, a.Provenance[field])
		}
	}
	if a.Provenance["aliases"].Source != registry.ProvCIONetwork {
		t.Errorf("other provenance lost: %+v", a.Provenance)
	}

	// A later file without landingURL clears the value that came from a
	// publiccode.yml, and keeps a publisher an administrator set.
	a.Provenance[FieldPublisherNIT] = registry.Provenance{Source: registry.ProvAdmin, At: at}
	a.PublisherNIT = "800000000"
	later, _ := Parse([]byte(strings.Replace(minimal, `uri: "urn:co:nit:899999053-1"`, `uri: "https://mintic.gov.co"`, 1)), Options{})
	later.FillAsset(a, prov)
	if a.LandingURL != "" || a.PublisherNIT != "800000000" || a.Maintenance.Type != "community" {
		t.Errorf("after a later file: landing %q publisher %q maintenance %+v", a.LandingURL, a.PublisherNIT, a.Maintenance)
	}
	if _, ok := a.Provenance[FieldLandingURL]; ok {
		t.Errorf("landingUrl provenance kept after the value was cleared")
	}
}
