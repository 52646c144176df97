package graphql

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// compareExecutors is every test env's Handler.compareExec: it answers
// the query again with graphql-go's executor and fails the test when the
// two responses differ by one byte. Errors are compared as a set:
// graphql-go resolves the fields of an object in map order, so the order
// of several errors is not its own either. A request that timed out is
// not compared (the second run would not).
func (e *env) compareExecutors(query string, vars map[string]interface{}, got response, reference func() response) {
	for _, re := range got.Errors {
		if re.Extensions["code"] == CodeTimeout {
			return
		}
	}
	calls := e.store.n.Load()
	ref := reference()
	e.store.n.Store(calls) // the second run is not the test's
	a, b := encodeForComparison(e.t, got), encodeForComparison(e.t, ref)
	if !bytes.Equal(a, b) && !bytes.Equal(b, encodeForComparison(e.t, reference())) {
		// graphql-go's own answer moves between runs (the order of
		// __schema { types }, read from a map): compare lists as sets.
		e.store.n.Store(calls)
		a, b = canonical(e.t, a), canonical(e.t, b)
	}
	if !bytes.Equal(a, b) {
		i := 0
		for i < len(a) && i < len(b) && a[i] == b[i] {
			i++
		}
		from := max(i-200, 0)
		e.t.Errorf("exec.go and graphql-go answer differently from byte %d\nquery: %s\nvariables: %v\nexec.go:    …%.400s\ngraphql-go: …%.400s", i, query, vars, a[from:], b[from:])
		return
	}
	e.compared.Add(1)
}

func encodeForComparison(t testing.TB, r response) []byte {
	errs := make([]string, 0, len(r.Errors))
	for _, re := range r.Errors {
		b, err := json.Marshal(re)
		if err != nil {
			t.Fatal(err)
		}
		errs = append(errs, string(b))
	}
	slices.Sort(errs)
	r.Errors = nil
	b, err := encodeResponse(r)
	if err != nil {
		t.Fatal(err)
	}
	return append(b, []byte("\n"+strings.Join(errs, "\n"))...)
}

// canonical sorts every JSON list of an encoded response (data, then
// the sorted errors, one a line).
func canonical(t testing.TB, b []byte) []byte {
	var out []byte
	for _, line := range bytes.Split(b, []byte("\n")) {
		if len(line) == 0 {
			out = append(out, '\n')
			continue
		}
		var v interface{}
		if err := json.Unmarshal(line, &v); err != nil {
			t.Fatal(err)
		}
		c, err := json.Marshal(sortLists(v))
		if err != nil {
			t.Fatal(err)
		}
		out = append(append(out, c...), '\n')
	}
	return out
}

func sortLists(v interface{}) interface{} {
	switch x := v.(type) {
	case map[string]interface{}:
		for k, e := range x {
			x[k] = sortLists(e)
		}
	case []interface{}:
		keys := make([]string, len(x))
		for i, e := range x {
			x[i] = sortLists(e)
			k, _ := json.Marshal(x[i])
			keys[i] = string(k)
		}
		idx := make([]int, len(x))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(i, j int) int { return strings.Compare(keys[i], keys[j]) })
		out := make([]interface{}, len(x))
		for i, j := range idx {
			out[i] = x[j]
		}
		return out
	}
	return v
}

// TestExecutorsAgree runs what the other tests may not reach: fragments,
// inline fragments on abstract types, @include and @skip from variables,
// aliases, default values, introspection, and errors with their paths
// and null propagation. Every query of every test of the package is
// compared as well (newEnv installs compareExecutors).
func TestExecutorsAgree(t *testing.T) {
	e := newEnv(t)
	orfeo := e.post("", `{ asset(slug: "orfeo") { id publisher { id } } }`, nil).json(t)
	data, _ := orfeo["data"].(map[string]interface{})
	asset, _ := data["asset"].(map[string]interface{})
	assetID, _ := asset["id"].(string)
	publisher, _ := asset["publisher"].(map[string]interface{})
	entityID, _ := publisher["id"].(string)
	if assetID == "" || entityID == "" {
		t.Fatalf("no ids: %v", orfeo)
	}
	cases := []struct {
		name  string
		user  string
		query string
		vars  map[string]interface{}
	}{
		{"golden asset page", "", assetPage, map[string]interface{}{"slug": "orfeo"}},
		{"fragments", "", `query Q($slug: String!) { asset(slug: $slug) { ...A ... on Asset { slug } publisher { ...E } } }
fragment A on Asset { name license publisher { name } ...B }
fragment B on Asset { categories latestRelease { tag } }
fragment E on Entity { nit sigla }`, map[string]interface{}{"slug": "orfeo"}},
		{"directives", "", `query($yes: Boolean!, $no: Boolean = false) { asset(slug: "orfeo") {
  name @include(if: $yes) slug @skip(if: $yes) license @include(if: $no) kind @skip(if: $no)
  ... on Asset @include(if: $yes) { active } ...F @skip(if: $yes) } }
fragment F on Asset { categories }`, map[string]interface{}{"yes": true}},
		{"aliases and merged fields", "", `{ a: asset(slug: "orfeo") { n: name name publisher { name } publisher { nit } }
  b: asset(slug: "siif-nacion") { n: slug } c: asset(slug: "no-existe") { name } }`, nil},
		{"nodes of every kind", "", `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Asset { slug } ... on Entity { nit name } } node(id: "bm90LWFuLWlk") { id } }`,
			map[string]interface{}{"ids": []interface{}{assetID, entityID}}},
		{"typename everywhere", "", `{ __typename assets(first: 2) { __typename edges { __typename node { __typename slug } } pageInfo { __typename } } }`, nil},
		{"introspection", "", `{ __schema { queryType { name } types { name kind fields(includeDeprecated: true) { name args { name defaultValue } type { name kind ofType { name kind } } } } } __type(name: "Asset") { name interfaces { name } } }`, nil},
		{"search with facets", "", `query($q: String!) { assets(first: 20, query: $q) { totalCount edges { cursor score highlights { field snippets } node { id name slug license developmentStatus } } facets { field values { value count } } } }`,
			map[string]interface{}{"q": "gestión documental"}},
		{"purchases", "", `{ purchases(first: 5, buyer: "890480184") { totalCount edges { cursor node { id contractId source value signedAt description supplier { name docType docNumber } } } pageInfo { hasNextPage endCursor } } }`, nil},
		{"adoptions", "", `{ adoptions(first: 10) { edges { node { id status releaseTag outdated asset { name slug } release { tag } entity { name } } } pageInfo { hasNextPage } } }`, nil},
		{"viewer signed in", "cio.cartagena", `{ viewer { authenticated } rateLimit { limit remaining cost } }`, nil},
		{"a bad cursor", "", `{ assets(first: 2, after: "not a cursor") { edges { node { slug } } } }`, nil},
		{"a bad global id", "", `{ a: node(id: "%%%") { id } b: nodes(ids: ["bm9wZQ", "x"]) { id } c: viewer { authenticated } }`, nil},
		{"a variable of the wrong type", "", `query($d: Boolean!) { viewer { authenticated @include(if: $d) } }`, map[string]interface{}{"d": "yes"}},
		{"a missing required variable", "", `query($slug: String!) { asset(slug: $slug) { name } }`, nil},
		{"an input object variable", "", `query($f: AssetFilter) { assets(first: 3, filter: $f) { totalCount edges { node { slug } } } }`,
			map[string]interface{}{"f": map[string]interface{}{"department": "13", "active": true}}},
	}
	for _, c := range cases {
		before := e.compared.Load()
		r := e.post(c.user, c.query, c.vars)
		if !json.Valid(r.Body) {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
		}
		if e.compared.Load() != before+1 {
			t.Errorf("%s: not compared (%d %.300s)", c.name, r.Status, r.Body)
		}
	}
}
