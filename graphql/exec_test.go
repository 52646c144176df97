package graphql

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	gql "github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/language/parser"

	"github.com/acervo-co/acervo/registry"
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

// TestExecutorsAgreeOnErrors compares the two executors on a small schema
// made to fail in every way a resolver can: errors and panics at nullable
// and non-null positions (the null climbing to the nearest nullable
// field or list item), in thunks (where graphql-go drops the whole data
// for a non-null one), values of the wrong shape, abstract types resolved
// by ResolveType and by IsTypeOf, enums, default values, input objects
// and the variables graphql-go refuses.
func TestExecutorsAgreeOnErrors(t *testing.T) {
	type thing struct{ N int }
	failing := func(p gql.ResolveParams) (interface{}, error) {
		return nil, errors.New("it failed: " + p.Info.FieldName)
	}
	panicking := func(p gql.ResolveParams) (interface{}, error) { panic("it panicked") }
	nothing := func(p gql.ResolveParams) (interface{}, error) { return nil, nil }
	later := func(v interface{}, err error) gql.FieldResolveFn {
		return func(p gql.ResolveParams) (interface{}, error) {
			return func() (interface{}, error) { return v, err }, nil
		}
	}
	color := gql.NewEnum(gql.EnumConfig{Name: "Color", Values: gql.EnumValueConfigMap{"RED": {Value: "r"}, "BLUE": {Value: "b"}}})
	node := gql.NewInterface(gql.InterfaceConfig{Name: "Thing", Fields: gql.Fields{"n": {Type: gql.Int}},
		ResolveType: func(p gql.ResolveTypeParams) *gql.Object { return nil }})
	named := gql.NewInterface(gql.InterfaceConfig{Name: "Named", Fields: gql.Fields{"n": {Type: gql.Int}}})
	var leaf *gql.Object
	leaf = gql.NewObject(gql.ObjectConfig{Name: "Leaf", Interfaces: []*gql.Interface{node, named},
		IsTypeOf: func(p gql.IsTypeOfParams) bool { _, ok := p.Value.(*thing); return ok },
		Fields: gql.Fields{
			"n":         {Type: gql.Int, Resolve: func(p gql.ResolveParams) (interface{}, error) { return p.Source.(*thing).N, nil }},
			"fails":     {Type: gql.String, Resolve: failing},
			"failsNN":   {Type: gql.NewNonNull(gql.String), Resolve: failing},
			"nullNN":    {Type: gql.NewNonNull(gql.String), Resolve: nothing},
			"panics":    {Type: gql.String, Resolve: panicking},
			"color":     {Type: color, Resolve: func(p gql.ResolveParams) (interface{}, error) { return "b", nil }},
			"badColor":  {Type: color, Resolve: func(p gql.ResolveParams) (interface{}, error) { return "green", nil }},
			"later":     {Type: gql.String, Resolve: later("soon", nil)},
			"laterFail": {Type: gql.String, Resolve: later(nil, errors.New("the thunk failed"))},
			"laterNN":   {Type: gql.NewNonNull(gql.String), Resolve: later(nil, nil)},
			"float":     {Type: gql.Float, Resolve: func(p gql.ResolveParams) (interface{}, error) { return 1.5, nil }},
			"notAList":  {Type: gql.NewList(gql.String), Resolve: func(p gql.ResolveParams) (interface{}, error) { return 3, nil }},
			"strings": {Type: gql.NewList(gql.NewNonNull(gql.String)), Resolve: func(p gql.ResolveParams) (interface{}, error) {
				return []*string{ptr("a"), nil, ptr("c")}, nil
			}},
		}})
	leaf.AddFieldConfig("self", &gql.Field{Type: leaf, Resolve: func(p gql.ResolveParams) (interface{}, error) { return p.Source, nil }})
	leaf.AddFieldConfig("selfNN", &gql.Field{Type: gql.NewNonNull(leaf), Resolve: func(p gql.ResolveParams) (interface{}, error) { return p.Source, nil }})
	filter := gql.NewInputObject(gql.InputObjectConfig{Name: "Filter", Fields: gql.InputObjectConfigFieldMap{
		"min": {Type: gql.Int, DefaultValue: 2}, "colors": {Type: gql.NewList(color)}, "name": {Type: gql.NewNonNull(gql.String)}}})
	echo := func(p gql.ResolveParams) (interface{}, error) {
		b, err := json.Marshal(p.Args)
		return string(b), err
	}
	query := gql.NewObject(gql.ObjectConfig{Name: "Query", Fields: gql.Fields{
		"leaf":   {Type: leaf, Resolve: func(p gql.ResolveParams) (interface{}, error) { return &thing{1}, nil }},
		"leafNN": {Type: gql.NewNonNull(leaf), Resolve: func(p gql.ResolveParams) (interface{}, error) { return &thing{2}, nil }},
		"leaves": {Type: gql.NewList(leaf), Resolve: func(p gql.ResolveParams) (interface{}, error) {
			return []*thing{{1}, nil, {3}}, nil
		}},
		"leavesNN": {Type: gql.NewList(gql.NewNonNull(leaf)), Resolve: func(p gql.ResolveParams) (interface{}, error) {
			return []interface{}{&thing{1}, &thing{2}}, nil
		}},
		"thing":     {Type: node, Resolve: func(p gql.ResolveParams) (interface{}, error) { return &thing{4}, nil }},
		"named":     {Type: gql.NewList(named), Resolve: func(p gql.ResolveParams) (interface{}, error) { return []interface{}{&thing{6}, 7}, nil }},
		"badThing":  {Type: node, Resolve: func(p gql.ResolveParams) (interface{}, error) { return "not a thing", nil }},
		"failsNN":   {Type: gql.NewNonNull(gql.String), Resolve: failing},
		"laterLeaf": {Type: leaf, Resolve: later(&thing{5}, nil)},
		"echo": {Type: gql.String, Args: gql.FieldConfigArgument{
			"n": {Type: gql.Int, DefaultValue: 7}, "s": {Type: gql.String}, "c": {Type: color}, "l": {Type: gql.NewList(gql.Int)},
			"f": {Type: filter}, "id": {Type: gql.ID}, "b": {Type: gql.Boolean}, "x": {Type: gql.Float}}, Resolve: echo},
	}})
	schema, err := gql.NewSchema(gql.SchemaConfig{Query: query, Types: []gql.Type{leaf}})
	if err != nil {
		t.Fatal(err)
	}
	possible := possibleTypes(&schema)
	for _, c := range []struct {
		query string
		vars  map[string]interface{}
	}{
		{`{ leaf { n fails panics color badColor float notAList later laterFail } }`, nil},
		{`{ leaf { n failsNN } leafNN { n } }`, nil},
		{`{ leaf { n self { self { nullNN } } } }`, nil},
		{`{ leaf { n self { selfNN { selfNN { failsNN } } } } }`, nil},
		{`{ leafNN { n selfNN { failsNN } } leaf { n } }`, nil},
		{`{ failsNN leaf { n } }`, nil},
		{`{ leaves { n fails } leavesNN { n } }`, nil},
		{`{ leaves { n } leavesNN { n failsNN } }`, nil},
		{`{ leaf { strings } }`, nil},
		{`{ leaf { laterNN } leafNN { n } }`, nil},
		{`{ laterLeaf { n later self { later } } }`, nil},
		{`{ thing { n ... on Leaf { color } } }`, nil},
		{`{ badThing { n } leaf { n } }`, nil},
		{`{ named { __typename n ... on Leaf { color } } }`, nil},
		{`{ a: echo b: echo(n: 3, s: "x", c: RED, l: [1, 2], f: {name: "f", colors: [BLUE]}, id: 4, b: true, x: 2) c: echo(l: 5) }`, nil},
		{`query($n: Int, $c: Color, $l: [Int], $f: Filter, $id: ID, $s: String = "default", $b: Boolean!) {
  echo(n: $n, c: $c, l: $l, f: $f, id: $id, s: $s, b: $b) other: echo(f: {name: $s, min: $n}) leaf { n @include(if: $b) fails @skip(if: $b) } }`,
			map[string]interface{}{"n": 4, "c": "RED", "l": []interface{}{1, 2}, "f": map[string]interface{}{"name": "n", "colors": []interface{}{"BLUE"}}, "id": 9, "b": true}},
		{`query($l: [Int]) { echo(l: $l) }`, map[string]interface{}{"l": 3}},
		{`query refused($n: Int) { echo(n: $n) }`, map[string]interface{}{"n": "many"}},
		{`query refused($f: Filter) { echo(f: $f) }`, map[string]interface{}{"f": map[string]interface{}{"name": "x", "unknown": 1}}},
		{`query refused($f: Filter) { echo(f: $f) }`, map[string]interface{}{"f": map[string]interface{}{"min": 1}}},
		{`query refused($b: Boolean!) { echo(b: $b) }`, nil},
		{`query refused($c: Color) { echo(c: $c) }`, map[string]interface{}{"c": "GREEN"}},
	} {
		doc, err := parser.Parse(parser.ParseParams{Source: c.query})
		if err != nil {
			t.Fatal(err)
		}
		if vr := gql.ValidateDocument(&schema, doc, gql.SpecifiedRules); !vr.IsValid {
			t.Fatalf("%s: %v", c.query, vr.Errors)
		}
		got := execute(t.Context(), &schema, possible, doc, "", c.vars)
		if refused := strings.Contains(c.query, "refused"); (got == nil) != refused {
			t.Errorf("%s: exec.go ran it: %v, want %v", c.query, got != nil, !refused)
		}
		if got == nil {
			got = gql.Execute(gql.ExecuteParams{Schema: schema, AST: doc, Args: c.vars, Context: t.Context()})
		}
		want := gql.Execute(gql.ExecuteParams{Schema: schema, AST: doc, Args: c.vars, Context: t.Context()})
		a, b := encodeResult(t, got), encodeResult(t, want)
		if !bytes.Equal(a, b) {
			t.Errorf("%s\nexec.go:    %s\ngraphql-go: %s", c.query, a, b)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// encodeResult encodes a result as the handler does, errors (with their
// paths and locations, sorted) and all.
func encodeResult(t testing.TB, r *gql.Result) []byte {
	var errs []string
	for _, fe := range r.Errors {
		b, err := json.Marshal(fe)
		if err != nil {
			t.Fatal(err)
		}
		errs = append(errs, string(b))
	}
	slices.Sort(errs)
	b, err := encodeResponse(response{Data: r.Data})
	if err != nil {
		t.Fatal(err)
	}
	return append(b, []byte("\n"+strings.Join(errs, "\n"))...)
}

// TestDeadlineWithoutTheResolver: the answer leaves at the deadline even
// when a resolver does not watch its context (as with graphql-go, which
// runs the execution on its own goroutine). The resolver stays blocked
// until the test has the answer, so this cannot pass by the resolver
// finishing first.
func TestDeadlineWithoutTheResolver(t *testing.T) {
	release := make(chan struct{})
	e := newEnv(t, func(c *Config) {
		c.Timeout = 200 * time.Millisecond
		c.Extensions = append(c.Extensions, func(map[string]gql.Type) (gql.Fields, gql.Fields) {
			return gql.Fields{"stubborn": {Type: gql.String, Resolve: func(p gql.ResolveParams) (interface{}, error) {
				<-release
				return "done", nil
			}}}, nil
		})
	})
	defer close(release)
	r := e.post("", `{ stubborn }`, nil)
	if r.Status != http.StatusGatewayTimeout || r.code(t) != CodeTimeout {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
}

// TestPurchaseContracted: a cancelled order is listed with its status, and
// says it never became a contract, so an API client can leave its value out
// of spending as the registry's own figures do.
func TestPurchaseContracted(t *testing.T) {
	e := newEnv(t)
	ev := &registry.AuditEvent{Actor: "system:test", Action: "purchase.import", At: t0}
	_, err := e.store.Purchases().UpsertBatch(t.Context(), []registry.Purchase{{Source: registry.SourceTVEC, ContractID: "TVEC-78",
		BuyerNIT: nitMinTIC, Status: "Cancelada", Value: 9_000_000, Year: 2024, RowHash: "c1", CreatedAt: t0, UpdatedAt: t0}}, ev)
	if err != nil {
		t.Fatal(err)
	}
	r := e.post("", `{ purchases(first: 10, buyer: "899999053") { edges { node { contractId status contracted } } } }`, nil).json(t)
	got := fmt.Sprint(r["data"])
	if !strings.Contains(got, "contractId:TVEC-78 contracted:false status:Cancelada") || !strings.Contains(got, "contractId:TVEC-77 contracted:true") {
		t.Fatalf("purchases of the ministry: %v", r)
	}
}
