package publiccode

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/acervo-co/acervo/registry"
)

// minimal is a valid publiccode.yml of a Colombian entity's software.
const minimal = `publiccodeYmlVersion: "0"
name: Orfeo
url: "https://gitlab.example.gov.co/gestion/orfeo.git"
platforms:
  - web
categories:
  - document-management
developmentStatus: stable
softwareType: "standalone/web"
organisation:
  name: Ministerio de Tecnologías de la Información y las Comunicaciones
  uri: "urn:co:nit:899999053-1"
description:
  es:
    shortDescription: Sistema de gestión documental
    longDescription: >
      Orfeo es un sistema de gestión documental y de procesos para entidades
      públicas: radica, digitaliza y distribuye comunicaciones oficiales, con
      trazabilidad de los expedientes y tablas de retención documental.
    features:
      - Radicación de entrada y salida
legal:
  license: GPL-3.0-or-later
maintenance:
  type: community
  contacts:
    - name: Ana Gómez
localisation:
  localisationReady: true
  availableLanguages:
    - es
`

// replace returns minimal with old replaced by new (old must be there).
func replace(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(minimal, old) {
		t.Fatalf("minimal has no %q", old)
	}
	return strings.Replace(minimal, old, new, 1)
}

func keys(fs []registry.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s %d:%d", f.Severity, f.Key, f.Line, f.Column))
	}
	return out
}

func TestMinimalIsValid(t *testing.T) {
	f, findings := Parse([]byte(minimal), Options{})
	if len(findings) != 0 {
		t.Fatalf("findings: %v", findings)
	}
	if f.Name != "Orfeo" || f.Major != 0 || f.Organisation == nil || f.Organisation.NIT != "899999053" {
		t.Fatalf("file: %+v", f)
	}
	if f.Description["es"].Features[0] != "Radicación de entrada y salida" || !f.Localisation.LocalisationReady {
		t.Fatalf("description/localisation: %+v %+v", f.Description, f.Localisation)
	}
	// Offline and without a repository, the network checks are listed as
	// skipped, never as findings.
	if !skippedOn(f, "url") {
		t.Errorf("url reachability not listed as skipped: %+v", f.Skipped)
	}
}

// TestFindings checks key paths, severities and positions of findings on
// small variations of a valid file.
func TestFindings(t *testing.T) {
	tests := []struct {
		name, old, new string
		want           []string // "severity key line:col", sorted by position
	}{
		{"version missing", `publiccodeYmlVersion: "0"` + "\n", "", []string{"error publiccodeYmlVersion 0:0"}},
		{"old version warns", `publiccodeYmlVersion: "0"`, `publiccodeYmlVersion: "0.2"`, []string{"warning publiccodeYmlVersion 1:1"}},
		{"unquoted version warns", `publiccodeYmlVersion: "0"`, `publiccodeYmlVersion: 0.7`, []string{"warning publiccodeYmlVersion 1:1"}},
		{"version 1 is accepted", `publiccodeYmlVersion: "0"`, `publiccodeYmlVersion: "1"`, nil},
		{"unknown version", `publiccodeYmlVersion: "0"`, `publiccodeYmlVersion: "9"`, []string{"error publiccodeYmlVersion 1:1"}},
		{"name missing points at the document", "name: Orfeo\n", "", []string{"error name 1:1"}},
		{"name wrong type is also missing, reported at its first item", "name: Orfeo", "name: [a]", []string{"error name 2:1", "error name[0] 2:8"}},
		{"url invalid", `url: "https://gitlab.example.gov.co/gestion/orfeo.git"`, "url: orfeo", []string{"error url 3:1"}},
		{"unknown field", "platforms:", "foo: bar\nplatforms:", []string{"error foo 4:1"}},
		{"duplicate key", "platforms:", "name: Otro\nplatforms:", []string{"error name 4:1"}},
		{"category", "  - document-management", "  - document-management\n  - gestion", []string{"error categories[1] 8:5"}},
		{"enum", "developmentStatus: stable", "developmentStatus: estable", []string{"error developmentStatus 8:1"}},
		{"yaml 1.1 boolean", "localisationReady: true", "localisationReady: yes",
			[]string{"error localisation.localisationReady 29:3", "error localisation.localisationReady 29:3", "error localisation.availableLanguages 30:3"}},
		{"nested type error drops the section", "    features:\n      - Radicación de entrada y salida", "    features: {a: b}",
			[]string{"error description 13:1", "error description.es.features.a 20:16"}},
		{"short description too long", "    shortDescription: Sistema de gestión documental", "    shortDescription: " + strings.Repeat("ñ", 151),
			[]string{"error description.es.shortDescription 15:5"}},
		{"long description counts graphemes", "      Orfeo es un sistema", "      " + strings.Repeat("👩‍💻", 150) + "\n      Orfeo es un sistema", nil},
		{"language tag", "  es:", "  es_CO:", []string{"error description 14:3"}},
		{"license", "license: GPL-3.0-or-later", "license: GPL-3", []string{"error legal.license 23:3"}},
		{"contractors only under contract", "  contacts:\n    - name: Ana Gómez", "  contacts:\n    - name: Ana Gómez\n  contractors:\n    - name: ACME",
			[]string{"error maintenance.contractors 28:3"}},
		{"contractor fields", "type: community", "type: contract\n  contractors:\n    - name: ACME\n      until: 2026-13-01\n      email: acme\n      website: ftp://acme",
			[]string{"error maintenance.contractors[0].until 28:7", "error maintenance.contractors[0].email 29:7", "error maintenance.contractors[0].website 30:7"}},
		{"contacts required", "  contacts:\n    - name: Ana Gómez\n", "", []string{"error maintenance.contacts 25:3"}},
		{"available languages empty", "  availableLanguages:\n    - es", "  availableLanguages: []", []string{"error localisation.availableLanguages 30:3"}},
		{"lowercase country warns", "platforms:", "intendedAudience:\n  countries: [co, XX]\nplatforms:",
			[]string{"warning intendedAudience.countries[0] 5:15", "error intendedAudience.countries[1] 5:19"}},
		{"deprecated keys warn", "legal:\n  license: GPL-3.0-or-later", "legal:\n  license: GPL-3.0-or-later\n  repoOwner: MinTIC",
			[]string{"warning legal.repoOwner 24:3"}},
		{"supports", "platforms:", "supports:\n  - id: alias:gdpr\n  - id: alias:habeas\n  - id: nope\nplatforms:",
			[]string{"error supports[1].id 6:5", "error supports[2].id 7:5"}},
		{"release date", "platforms:", "releaseDate: 2024-02-30\nplatforms:", []string{"error releaseDate 4:1"}},
		{"isBasedOn string", "platforms:", "isBasedOn: upstream\nplatforms:", []string{"error isBasedOn[0] 4:1"}},
		{"merge key", "legal:\n  license: GPL-3.0-or-later", "legal:\n  <<: {license: MIT}\n  license: GPL-3.0-or-later", []string{"error legal 23:3"}},
		{"dependsOn name", "platforms:", "dependsOn:\n  open:\n    - version: \"16\"\nplatforms:", []string{"error dependsOn.open[0].name 6:7"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, findings := Parse([]byte(replace(t, tt.old, tt.new)), Options{})
			got := keys(findings)
			if strings.Join(got, "; ") != strings.Join(tt.want, "; ") {
				t.Errorf("got  %v\nwant %v\nfindings: %+v", got, tt.want, findings)
			}
		})
	}
}

// TestColombianNIT checks organisation.uri as urn:co:nit:<NIT>.
func TestColombianNIT(t *testing.T) {
	known := func(nit string) bool { return nit == "899999053" }
	tests := []struct {
		name, uri string
		lookup    func(string) bool
		want      string // "" or "severity"
		nit       string
	}{
		{"with check digit", "urn:co:nit:899999053-1", known, "", "899999053"},
		{"without check digit", "urn:co:nit:899999053", known, "", "899999053"},
		{"dotted", "urn:co:nit:899.999.053-1", known, "", "899999053"},
		{"upper case", "URN:CO:NIT:899999053-1", known, "", "899999053"},
		{"wrong check digit", "urn:co:nit:899999053-7", known, SeverityError, ""},
		{"not a NIT", "urn:co:nit:MINTIC", known, SeverityError, ""},
		{"unknown entity", "urn:co:nit:800197268-4", known, SeverityWarning, "800197268"},
		{"no directory", "urn:co:nit:800197268-4", nil, "", "800197268"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := replace(t, `uri: "urn:co:nit:899999053-1"`, `uri: "`+tt.uri+`"`)
			f, findings := Parse([]byte(doc), Options{EntityLookup: tt.lookup})
			got := ""
			for _, g := range findings {
				if g.Key != "organisation.uri" || g.Line != 12 || g.Column != 3 {
					t.Errorf("finding %+v", g)
				}
				got = g.Severity
			}
			if got != tt.want || f.Organisation.NIT != tt.nit {
				t.Errorf("got %q nit %q, want %q nit %q (%+v)", got, f.Organisation.NIT, tt.want, tt.nit, findings)
			}
		})
	}
	// fundedBy follows the same rules.
	doc := replace(t, "platforms:", "fundedBy:\n  - name: DNP\n    uri: urn:co:nit:899999011-1\nplatforms:")
	_, findings := Parse([]byte(doc), Options{})
	if got := keys(findings); len(got) != 1 || got[0] != "error fundedBy[0].uri 6:5" {
		t.Errorf("fundedBy: %v", findings)
	}
}

// TestRepoFiles checks logos, screenshots and the authors file against a
// repository.
func TestRepoFiles(t *testing.T) {
	png := pngBytes(t)
	repo := fstest.MapFS{
		"img/logo.png":      {Data: png},
		"img/logo.svg":      {Data: []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`)},
		"img/broken.png":    {Data: []byte("not a png")},
		"img/shot.jpg":      {Data: []byte("not a jpeg")},
		"img.png/x":         {Data: png},
		"docs/AUTHORS.txt":  {Data: []byte("Ana")},
		"img/captura-1.png": {Data: png},
	}
	logo := func(v string) string { return strings.Replace(minimal, "platforms:", "logo: "+v+"\nplatforms:", 1) }
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"png logo", logo("img/logo.png"), nil},
		{"svg logo", logo("./img/logo.svg"), nil},
		{"missing", logo("img/nada.png"), []string{"error logo 4:1"}},
		{"not a png", logo("img/broken.png"), []string{"error logo 4:1"}},
		{"extension", logo("img/logo.gif"), []string{"error logo 4:1"}},
		{"leaves the repository", logo("../../etc/logo.png"), []string{"error logo 4:1"}},
		{"absolute", logo("/etc/logo.png"), []string{"error logo 4:1"}},
		{"file URL", logo("file:///etc/logo.png"), []string{"error logo 4:1"}},
		{"directory", logo("img.png"), []string{"error logo 4:1"}},
		{"screenshots", strings.Replace(minimal, "      - Radicación de entrada y salida",
			"      - Radicación de entrada y salida\n    screenshots: [img/captura-1.png, img/shot.jpg, img/none.png]", 1),
			[]string{"error description.es.screenshots[1] 22:38", "error description.es.screenshots[2] 22:52"}},
		{"authors file", strings.Replace(minimal, "license: GPL-3.0-or-later", "license: GPL-3.0-or-later\n  authorsFile: docs/AUTHORS.txt", 1),
			[]string{"warning legal.authorsFile 24:3"}},
		{"authors file missing", strings.Replace(minimal, "license: GPL-3.0-or-later", "license: GPL-3.0-or-later\n  authorsFile: AUTHORS", 1),
			[]string{"warning legal.authorsFile 24:3", "error legal.authorsFile 24:3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, findings := Parse([]byte(tt.doc), Options{RepoRoot: repo})
			got := keys(findings)
			if strings.Join(got, "; ") != strings.Join(tt.want, "; ") {
				t.Errorf("got  %v\nwant %v\n%+v", got, tt.want, findings)
			}
		})
	}
	// Without a repository the file checks are skipped, not failed.
	f, findings := Parse([]byte(strings.Replace(minimal, "platforms:", "logo: img/nada.png\nplatforms:", 1)), Options{})
	if len(findings) != 0 || !skippedOn(f, "logo") {
		t.Errorf("without RepoRoot: %v %+v", findings, f.Skipped)
	}
}

func TestParseConcurrently(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, findings := Parse([]byte(minimal), Options{})
			if f == nil || len(findings) != 0 {
				t.Errorf("findings %v", findings)
			}
		}()
	}
	wg.Wait()
}

// pngBytes is a 2×2 PNG image.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 2, 2))
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
