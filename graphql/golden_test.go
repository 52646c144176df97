package graphql

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/golden")

// goldenCase is a query, its variables and caller; its expected answer is
// testdata/golden/<name>.json.
type goldenCase struct {
	name  string
	user  string // "" anonymous
	query string
	vars  map[string]interface{}
}

const assetPage = `query($slug: String!) {
  asset(slug: $slug) {
    id databaseId kind slug name license categories developmentStatus aliases active
    publisher { nit name sigla orden departmentCode }
    description { lang shortDescription features }
    descriptions { lang shortDescription }
    languages { name share }
    maintenance { type contacts { name email } }
    latestRelease { tag version prerelease publiccode { present valid version } }
    releases(first: 3, onlyReleases: true) { totalCount edges { cursor node { tag version date } } pageInfo { hasNextPage endCursor } }
    adopterCount
    adoptions(first: 10) { totalCount edges { node { entity { name departmentCode } status releaseTag constraint outdated release { tag } verification } } }
    purchaseTotals { count total suggestedCount suggestedTotal }
    purchaseLinks(first: 5) { edges { node { relation state score purchase { contractId value year } } } }
    advisories(first: 5) { edges { node { osvId severity affected { introduced fixed } } } }
    mirror { status errorCode errorMessage lastSyncAt }
  }
}`

func goldenCases() []goldenCase {
	return []goldenCase{
		{name: "asset_page", query: assetPage, vars: map[string]interface{}{"slug": "orfeo"}},
		{name: "asset_missing", query: `{ asset(slug: "no-existe") { name } }`},
		{name: "search_accents", query: `{ assets(first: 5, query: "GESTION documentales") { totalCount edges { score highlights { field snippets } node { slug } } facets { field values { value count } } } }`},
		{name: "search_typo", query: `{ assets(first: 5, query: "docmental") { totalCount edges { node { slug } } } }`},
		{name: "search_english", query: `{ assets(first: 5, query: "records management") { totalCount edges { node { slug } } } }`},
		{name: "search_alias", query: `{ assets(first: 5, query: "siif") { edges { node { slug kind } } } }`},
		{name: "search_widened", query: `{
  absent: assets(first: 5, query: "aplicativo de gestión documental") { ignoredWords relaxed edges { node { slug } } }
  specific: assets(first: 5, query: "antivirus gestión documental") { ignoredWords relaxed edges { node { slug } } }
  notAll: assets(first: 5, query: "orfeo siif") { ignoredWords relaxed edges { node { slug } } }
  strict: assets(first: 5, query: "gestión documental") { ignoredWords relaxed totalCount }
}`},
		{name: "assets_filters", query: `{
  byDept: assets(first: 10, filter: {department: "13"}) { totalCount edges { node { slug } } }
  byAdopter: assets(first: 10, filter: {adopterNit: "899999053"}) { totalCount edges { node { slug } } }
  active: assets(first: 10, filter: {active: true, kind: PUBLIC}, orderBy: NAME) { totalCount edges { node { slug } } facets { field values { value count } missing } }
  license: assets(first: 10, filter: {license: "MIT"}) { edges { node { slug } } }
  status: assets(first: 10, filter: {developmentStatus: STABLE, language: "PHP", category: "document-management", publisherNit: "899999053"}) { edges { node { slug } } }
}`},
		{name: "assets_pages", query: `{
  first: assets(first: 2, orderBy: NAME) { edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
  last: assets(last: 1, orderBy: NAME) { edges { node { name } } pageInfo { hasNextPage hasPreviousPage } }
}`},
		{name: "entities", query: `{
  all: entities(first: 10) { totalCount edges { node { nit checkDigit name orden } } }
  territorial: entities(first: 10, orden: TERRITORIAL, department: "13") { edges { node { name } } }
  prefix: entities(first: 10, query: "alcaldia de m") { edges { node { name } } }
  withDV: entity(nit: "899.999.053-1") { name }
  bare: entity(nit: "890480184") { name adoptions(first: 5) { totalCount edges { node { asset { slug } status } } } publishedAssets(first: 5) { edges { node { slug } } } }
}`},
		{name: "adoptions_filters", query: `{
  outdated: adoptions(first: 10, outdatedOnly: true) { totalCount edges { node { databaseId entity { name } asset { slug } releaseTag } } }
  below2: adoptions(first: 10, version: "<2.0.0") { totalCount edges { node { databaseId releaseTag constraint } } }
  ofAsset: adoptions(first: 10, asset: "QXNzZXQ6MDFoemFhYWFhYWFhYWFhYWFhYWFhYWFhYTE", status: PRODUCTION) { totalCount edges { node { databaseId } } }
  ofEntity: adoptions(first: 10, entity: "890480184") { totalCount edges { node { databaseId outdated } } }
}`},
		{name: "purchases_anonymous", query: `{ purchases(first: 10, buyer: "890480184") { totalCount edges { node { contractId supplier { docType docNumber name naturalPerson } legalRep { docNumber name } value year } } } }`},
		{name: "purchases_signed_in", user: "cio.cartagena", query: `{ purchases(first: 10, buyer: "890480184") { totalCount edges { node { contractId supplier { docType docNumber name naturalPerson } legalRep { docNumber name } } } } }`},
		{name: "purchases_supplier_anonymous", query: `{ person: purchases(first: 10, supplier: "1047400500") { totalCount edges { node { contractId } } } company: purchases(first: 10, supplier: "900123456") { totalCount edges { node { contractId } } } }`},
		{name: "purchases_filters", query: `{
  year: purchases(first: 10, buyer: "890480184", year: 2024) { totalCount edges { node { contractId } } }
  range: purchases(first: 10, minValue: 100000000, maxValue: 5000000000, orderBy: VALUE) { edges { node { contractId value } } }
  unspsc: purchases(first: 10, unspsc: "8111") { edges { node { contractId unspsc } } }
  source: purchases(first: 10, source: TVEC) { edges { node { contractId source frameworkAgreement buyer { sigla } } } }
  linked: purchases(first: 10, linkedAsset: "QXNzZXQ6MDFoemFhYWFhYWFhYWFhYWFhYWFhYWFhYTE") { totalCount edges { node { contractId } } }
  text: purchases(first: 10, query: "notificacion movil") { totalCount edges { highlights { field snippets } node { contractId } } }
}`},
		{name: "links_advisories_mirrors", query: `{
  links: purchaseLinks(first: 10, state: SUGGESTED) { totalCount edges { node { relation score reasons asset { slug } purchase { contractId } } } }
  advisories(first: 5) { edges { node { id osvId summary asset { slug } } } }
  mirrors(first: 5) { totalCount edges { node { url status errorCode errorMessage failures asset { slug } } } }
  failed: mirrors(first: 5, status: FAILED) { edges { node { url } } }
}`},
		{name: "mirror_signed_in", user: "nobody", query: `{ mirrors(first: 5, status: FAILED) { edges { node { errorMessage } } } }`},
		{name: "nodes", query: `{
  a: node(id: "QXNzZXQ6MDFoemFhYWFhYWFhYWFhYWFhYWFhYWFhYTE") { __typename id ... on Asset { slug } }
  nodes(ids: ["UHVyY2hhc2U6MDFoemNjY2NjY2NjY2NjY2NjY2NjY2NjYzE", "RW50aXR5OmVudC1tZWRlbGxpbg", "QWRvcHRpb246MDFoemJiYmJiYmJiYmJiYmJiYmJiYmJiYjE", "bm9wZQ", "UmVsZWFzZTpyZWwtMS12Mi4wLjA"]) {
    __typename id
    ... on Purchase { contractId }
    ... on Entity { name }
    ... on Adoption { status }
    ... on Release { tag }
  }
}`},
		{name: "viewer_anonymous", query: `{ viewer { authenticated username grants { role } tokens { name } } rateLimit { limit cost resource } }`},
		{name: "viewer_signed_in", user: "cio.cartagena", query: `{ viewer { authenticated username grants { role entityNit } tokens { name lastEight } } rateLimit { limit cost resource } }`},
		{name: "error_not_found_input", query: `{ releases(first: 5, asset: "bm9wZQ") { totalCount } }`},
		{name: "error_pagination", query: `{ assets(query: "orfeo") { totalCount } }`},
		{name: "error_validation", query: `{ assets(first: 5) { edges { node { nmae } } } }`},
	}
}

// normalise hides what changes between runs (request ids, tokens).
var (
	requestIDRe = regexp.MustCompile(`"requestId": ?"[^"]*"`)
	lastEightRe = regexp.MustCompile(`"lastEight": ?"[^"]*"`)
)

func normalise(b []byte) []byte {
	b = requestIDRe.ReplaceAll(b, []byte(`"requestId": "…"`))
	return lastEightRe.ReplaceAll(b, []byte(`"lastEight": "…"`))
}

func TestGolden(t *testing.T) {
	e := newEnv(t)
	for _, c := range goldenCases() {
		t.Run(c.name, func(t *testing.T) {
			r := e.post(c.user, c.query, c.vars)
			var body interface{}
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatalf("not JSON: %s", r.Body)
			}
			got, _ := json.MarshalIndent(map[string]interface{}{"status": r.Status, "response": body}, "", "  ")
			got = append(normalise(got), '\n')
			path := filepath.Join("testdata", "golden", c.name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./graphql -run TestGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file (go test ./graphql -run TestGolden -update, then review the diff):\n%s", path, got)
			}
		})
	}
}
