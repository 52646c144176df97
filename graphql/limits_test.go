package graphql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gql "github.com/graphql-go/graphql"
	"github.com/graphql-go/graphql/language/parser"
	"github.com/graphql-go/graphql/language/source"

	"github.com/acervo-co/acervo/registry"
)

// deepQuery selects depth levels: asset → publisher → adoptions… kept valid.
func deepQuery(depth int) string {
	// asset(1) latestRelease(2) asset(3) latestRelease(4) …, a name at the end.
	var open strings.Builder
	open.WriteString(`{ asset(slug: "orfeo") {`)
	d := 1
	for d < depth-1 {
		if d%2 == 1 {
			open.WriteString(" latestRelease {")
		} else {
			open.WriteString(" asset {")
		}
		d++
	}
	if d%2 == 1 {
		open.WriteString(" name")
	} else {
		open.WriteString(" tag")
	}
	return open.String() + strings.Repeat(" }", depth-1) + " }"
}

func TestDeepQueryHelper(t *testing.T) {
	for _, d := range []int{2, 10, 11} {
		doc, err := parser.Parse(parser.ParseParams{Source: source.NewSource(&source.Source{Body: []byte(deepQuery(d))})})
		if err != nil {
			t.Fatalf("depth %d: %v\n%s", d, err, deepQuery(d))
		}
		e := newEnv(t)
		an, lerr := analyze(e.h.Schema(), doc, "", nil, Limits{DepthAnonymous: 100, DepthSignedIn: 100}.withDefaults(), false)
		if lerr != nil || an.depth != d {
			t.Fatalf("deepQuery(%d) has depth %d (%v)", d, an.depth, lerr)
		}
	}
}

func TestHostileRequests(t *testing.T) {
	e := newEnv(t)
	var executed atomic.Int64
	e.h.beforeExecute = func(context.Context) { executed.Add(1) }

	fields10k := "{" + strings.Repeat(" viewer { authenticated }", 2500) + "}" // 10,000 selections with the nested ones
	hello := "{" + strings.Repeat(" __typename", 5000) + "}"
	aliases := "{"
	for i := 0; i < 21; i++ {
		aliases += fmt.Sprintf(" a%d: asset(slug: \"x%d\") { name }", i, i)
	}
	aliases += "}"
	ids := make([]string, 101)
	for i := range ids {
		ids[i] = `"QXNzZXQ6eA"`
	}
	cases := []struct {
		name        string
		method      string
		ctype       string
		body        string
		user        string
		status      int
		code        string
		mayExecute  bool
		description string
	}{
		{name: "body over 64 KiB", body: jsonQuery("{" + strings.Repeat(" __typename", 7000) + "}"), status: 413, code: CodeRequestTooLarge},
		{name: "3 MB nested document", body: jsonQuery(strings.Repeat("{a", 1_500_000)), status: 413, code: CodeRequestTooLarge},
		{name: "60 KB nested document (pre-scan)", body: jsonQuery(strings.Repeat("{a", 30_000)), status: 413, code: CodeRequestTooLarge},
		{name: "nested list literal", body: jsonQuery(`{ asset(slug: ` + strings.Repeat("[", 20_000) + `"x"` + strings.Repeat("]", 20_000) + `) { name } }`), status: 413, code: CodeRequestTooLarge},
		{name: "nesting inside strings is not counted", body: jsonQuery(`{ asset(slug: "` + strings.Repeat("{", 500) + `") { name } }`), status: 200, mayExecute: true},
		{name: "10,000 field selections", body: jsonQuery(fields10k), status: 400, code: CodeTooManyFields},
		{name: "5,000 repeated fields", body: jsonQuery(hello), status: 400, code: CodeTooManyFields},
		{name: "21 aliases of one field", body: jsonQuery(aliases), status: 400, code: CodeTooManyFields},
		{name: "depth 10 anonymous", body: jsonQuery(deepQuery(10)), status: 200, mayExecute: true},
		{name: "depth 11 anonymous", body: jsonQuery(deepQuery(11)), status: 400, code: CodeQueryTooDeep},
		{name: "depth 11 signed in", body: jsonQuery(deepQuery(11)), user: "nobody", status: 200, mayExecute: true},
		{name: "depth 16 signed in", body: jsonQuery(deepQuery(16)), user: "nobody", status: 400, code: CodeQueryTooDeep},
		{name: "depth hidden in fragments", body: jsonQuery(`{ asset(slug: "orfeo") { ...A } } fragment A on Asset { latestRelease { ...B } } fragment B on Release { asset { latestRelease { asset { latestRelease { asset { latestRelease { asset { latestRelease { tag } } } } } } } } }`), status: 400, code: CodeQueryTooDeep},
		{name: "fragment cycle", body: jsonQuery(`{ asset(slug: "orfeo") { ...A } } fragment A on Asset { latestRelease { asset { ...A } } }`), status: 400, code: CodeValidationFailed},
		{name: "exponential fragments", body: jsonQuery(`{ viewer { ...F0 } } ` + fragmentBomb(30)), status: 400, code: CodeTooManyFields},
		{name: "connection without first", body: jsonQuery(`{ assets { totalCount } }`), status: 400, code: CodePaginationRequired},
		{name: "first 101", body: jsonQuery(`{ assets(first: 101) { totalCount } }`), status: 400, code: CodeArgumentOutOfRange},
		{name: "first 0", body: jsonQuery(`{ entities(first: 0) { totalCount } }`), status: 400, code: CodeArgumentOutOfRange},
		{name: "first from a variable", body: `{"query":"query($n: Int) { assets(first: $n) { totalCount } }","variables":{"n":1000}}`, status: 400, code: CodeArgumentOutOfRange},
		{name: "nested connection without first", body: jsonQuery(`{ assets(first: 5) { edges { node { adoptions { totalCount } } } } }`), status: 400, code: CodePaginationRequired},
		{name: "10,100 nodes anonymous", body: jsonQuery(`{ assets(first: 100) { edges { node { adoptions(first: 100) { totalCount } } } } }`), status: 400, code: CodeMaxNodesExceeded},
		{name: "10,100 nodes signed in", body: jsonQuery(`{ assets(first: 100) { edges { node { adoptions(first: 100) { totalCount } } } } }`), user: "nobody", status: 200, mayExecute: true},
		{name: "1,010,100 nodes signed in", body: jsonQuery(`{ assets(first: 100) { edges { node { adoptions(first: 100) { edges { node { entity { adoptions(first: 100) { totalCount } } } } } } } } }`), user: "nobody", status: 400, code: CodeMaxNodesExceeded},
		{name: "nodes with 101 ids", body: jsonQuery(`{ nodes(ids: [` + strings.Join(ids, ",") + `]) { id } }`), status: 400, code: CodeArgumentOutOfRange},
		{name: "a list of 251 in an input object", user: "nobody", body: `{"query":"mutation($r: [String!]) { addAdvisory(input: {asset: \"x\", osvId: \"x\", summary: \"x\", affected: [], references: $r}) { userErrors { message } } }","variables":{"r":[` + strings.TrimSuffix(strings.Repeat(`"a",`, 251), ",") + `]}}`, status: 400, code: CodeArgumentOutOfRange},
		{name: "two operations", body: jsonQuery(`query A { viewer { authenticated } } query B { viewer { authenticated } }`), status: 400, code: CodeBatchNotAllowed},
		{name: "JSON array batch", body: `[` + jsonQuery(`{ viewer { authenticated } }`) + `,` + jsonQuery(`{ viewer { authenticated } }`) + `]`, status: 400, code: CodeBatchNotAllowed},
		{name: "two createToken", user: "nobody", body: jsonQuery(`mutation { a: createToken(input: {name: "a"}) { result { secret } } b: createToken(input: {name: "b"}) { result { secret } } }`), status: 400, code: CodeBatchNotAllowed},
		{name: "type definitions", body: jsonQuery(`type X { a: Int }`), status: 400, code: CodeValidationFailed},
		{name: "syntax error", body: jsonQuery(`{ assets(first: 1) { `), status: 400, code: CodeParseError},
		{name: "text/plain POST", ctype: "text/plain", body: jsonQuery(`{ viewer { authenticated } }`), status: 415, code: CodeUnsupportedMediaType},
		{name: "form POST", ctype: "application/x-www-form-urlencoded", body: "query=%7Bviewer%7Bauthenticated%7D%7D", status: 415, code: CodeUnsupportedMediaType},
		{name: "PUT", method: http.MethodPut, body: jsonQuery(`{ viewer { authenticated } }`), status: 405, code: CodeMethodNotAllowed},
		{name: "not JSON", body: `{"query": `, status: 400, code: CodeBadRequest},
		{name: "no query", body: `{}`, status: 400, code: CodeBadRequest},
		{name: "unknown token", user: "ghost", body: jsonQuery(`{ viewer { authenticated } }`), status: 401, code: CodeUnauthenticated},
		{name: "wrong variable type", body: `{"query":"query($n: Int) { assets(first: 1, facetSize: $n) { totalCount } }","variables":{"n":"many"}}`, status: 400, code: CodeValidationFailed, mayExecute: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			executed.Store(0)
			e.store.n.Store(0)
			method, ctype := c.method, c.ctype
			if method == "" {
				method = http.MethodPost
			}
			if ctype == "" {
				ctype = "application/json"
			}
			if c.user == "ghost" {
				e.tokens["ghost"] = "acv_notarealtoken"
			}
			r := e.raw(c.user, method, ctype, []byte(c.body))
			if r.Status != c.status {
				t.Fatalf("status %d, want %d: %.400s", r.Status, c.status, r.Body)
			}
			if got := r.code(t); got != c.code {
				t.Fatalf("code %q, want %q: %.400s", got, c.code, r.Body)
			}
			if !c.mayExecute && (executed.Load() != 0 || e.store.n.Load() != 0) {
				t.Fatalf("a rejected request executed (%d) or read the store (%d times)", executed.Load(), e.store.n.Load())
			}
			if c.code != "" && !strings.Contains(string(r.Body), `"requestId"`) {
				t.Errorf("no requestId in %s", r.Body)
			}
		})
	}
	// The process is still up and answers.
	if r := e.post("", `{ asset(slug: "orfeo") { name } }`, nil); r.Status != 200 || !strings.Contains(string(r.Body), "Orfeo") {
		t.Fatalf("after the hostile documents: %d %s", r.Status, r.Body)
	}
}

func fragmentBomb(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "fragment F%d on Viewer { ...F%d ...F%d } ", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Viewer { authenticated } ", n)
	return b.String()
}

func jsonQuery(q string) string {
	b, _ := json.Marshal(map[string]string{"query": q})
	return string(b)
}

func TestGetRequests(t *testing.T) {
	e := newEnv(t)
	get := func(q string) result {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, e.srv.URL+"?query="+url.QueryEscape(q), nil)
		return e.do(req)
	}
	if r := get(`{ asset(slug: "orfeo") { name } }`); r.Status != 200 || !strings.Contains(string(r.Body), "Orfeo") {
		t.Fatalf("GET query: %d %s", r.Status, r.Body)
	}
	r := get(`mutation { deactivateAsset(input: {id: "x", reason: "y"}) { userErrors { message } } }`)
	if r.Status != 405 || r.code(t) != CodeMethodNotAllowed {
		t.Fatalf("GET mutation: %d %s", r.Status, r.Body)
	}
	if n, _ := e.svc.Store().Audit().List(t.Context(), registry.AuditFilter{Action: "asset.deactivate", Page: registry.Page{First: 100}}); len(n.Items) != 0 {
		// the fixtures write no audit events through the Service
		t.Fatalf("a GET mutation wrote %d audit events", len(n.Items))
	}
}

// TestGitHubNodeCount reproduces the worked examples of GitHub's rate-limit
// documentation on a schema of the same shape.
func TestGitHubNodeCount(t *testing.T) {
	var conn func(name string, node *gql.Object) *gql.Object
	conn = func(name string, node *gql.Object) *gql.Object {
		edge := gql.NewObject(gql.ObjectConfig{Name: name + "Edge", Fields: gql.Fields{"node": {Type: node}}})
		return gql.NewObject(gql.ObjectConfig{Name: name + "Connection", Fields: gql.Fields{"edges": {Type: gql.NewList(edge)}, "totalCount": {Type: gql.Int}}})
	}
	page := gql.FieldConfigArgument{"first": {Type: gql.Int}, "last": {Type: gql.Int}}
	label := gql.NewObject(gql.ObjectConfig{Name: "Label", Fields: gql.Fields{"name": {Type: gql.String}}})
	comment := gql.NewObject(gql.ObjectConfig{Name: "IssueComment", Fields: gql.Fields{"bodyHTML": {Type: gql.String}}})
	issue := gql.NewObject(gql.ObjectConfig{Name: "Issue", Fields: gql.Fields{
		"title": {Type: gql.String}, "bodyHTML": {Type: gql.String},
		"comments": {Type: conn("IssueComment", comment), Args: page},
		"labels":   {Type: conn("Label", label), Args: page},
	}})
	pr := gql.NewObject(gql.ObjectConfig{Name: "PullRequest", Fields: gql.Fields{"title": {Type: gql.String}, "comments": {Type: conn("PRComment", comment), Args: page}}})
	repo := gql.NewObject(gql.ObjectConfig{Name: "Repository", Fields: gql.Fields{
		"name": {Type: gql.String}, "issues": {Type: conn("Issue", issue), Args: page}, "pullRequests": {Type: conn("PullRequest", pr), Args: page},
	}})
	user := gql.NewObject(gql.ObjectConfig{Name: "User", Fields: gql.Fields{"login": {Type: gql.String}}})
	viewer := gql.NewObject(gql.ObjectConfig{Name: "Viewer", Fields: gql.Fields{
		"repositories": {Type: conn("Repository", repo), Args: page}, "followers": {Type: conn("Follower", user), Args: page},
	}})
	schema, err := gql.NewSchema(gql.SchemaConfig{Query: gql.NewObject(gql.ObjectConfig{Name: "Query", Fields: gql.Fields{"viewer": {Type: viewer}}})})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		query  string
		nodes  int64
		points int
	}{
		{"50 repositories × 10 issues", `{ viewer { repositories(first: 50) { edges { node { name issues(first: 10) { totalCount edges { node { title bodyHTML } } } } } } } }`, 550, 1},
		{"the 22,060-node example", `query {
  viewer {
    repositories(first: 50) {
      edges {
        repository: node {
          name
          pullRequests(first: 20) { edges { pullRequest: node { title comments(first: 10) { edges { comment: node { bodyHTML } } } } } }
          issues(first: 20) { totalCount edges { issue: node { title bodyHTML comments(first: 10) { edges { comment: node { bodyHTML } } } } } }
        }
      }
    }
    followers(first: 10) { edges { follower: node { login } } }
  }
}`, 22_060, 21}, // 2,102 connection requests
		{"the 5,101-request example", `{ viewer { repositories(first: 100) { edges { node { issues(first: 50) { edges { node { labels(first: 60) { edges { node { name } } } } } } } } } } }`, 100 + 5000 + 300_000, 51},
	}
	lim := Limits{NodesAnonymous: 1_000_000, NodesSignedIn: 1_000_000, DepthAnonymous: 20}.withDefaults()
	for _, c := range cases {
		doc, err := parser.Parse(parser.ParseParams{Source: source.NewSource(&source.Source{Body: []byte(c.query)})})
		if err != nil {
			t.Fatal(err)
		}
		an, lerr := analyze(&schema, doc, "", nil, lim, false)
		if lerr != nil {
			t.Fatalf("%s: %v", c.name, lerr)
		}
		if an.nodes != c.nodes || an.Cost() != c.points {
			t.Errorf("%s: %d nodes and %d points, want %d and %d", c.name, an.nodes, an.Cost(), c.nodes, c.points)
		}
	}
}

// TestCostMonotone checks that adding a connection or raising first never
// lowers the node count or the cost.
func TestCostMonotone(t *testing.T) {
	e := newEnv(t)
	lim := Limits{NodesAnonymous: 10_000_000, NodesSignedIn: 10_000_000}.withDefaults()
	measure := func(q string) analysis {
		doc, err := parser.Parse(parser.ParseParams{Source: source.NewSource(&source.Source{Body: []byte(q)})})
		if err != nil {
			t.Fatal(err)
		}
		an, lerr := analyze(e.h.Schema(), doc, "", nil, lim, false)
		if lerr != nil {
			t.Fatal(lerr)
		}
		return an
	}
	prev := analysis{}
	for _, n := range []int{1, 2, 10, 50, 99, 100} {
		for _, extra := range []string{"", fmt.Sprintf(" adoptions(first: %d) { totalCount }", n), fmt.Sprintf(" adoptions(first: %d) { edges { node { entity { adoptions(first: %d) { totalCount } } } } }", n, n)} {
			an := measure(fmt.Sprintf(`{ assets(first: %d) { edges { node { name%s } } } }`, n, extra))
			if an.nodes < prev.nodes && extra != "" || an.Cost() < prev.Cost() && extra != "" {
				t.Fatalf("first=%d %q: %d nodes / %d points after %d / %d", n, extra, an.nodes, an.Cost(), prev.nodes, prev.Cost())
			}
			prev = an
		}
		prev = measure(fmt.Sprintf(`{ assets(first: %d) { edges { node { name } } } }`, n))
	}
}

func TestTimeout(t *testing.T) {
	released := make(chan struct{})
	e := newEnv(t, func(c *Config) {
		c.Timeout = 300 * time.Millisecond
		c.Extensions = append(c.Extensions, func(map[string]gql.Type) (gql.Fields, gql.Fields) {
			return gql.Fields{"sleep": {Type: gql.String, Resolve: func(p gql.ResolveParams) (interface{}, error) {
				defer close(released)
				select {
				case <-p.Context.Done():
					return nil, p.Context.Err()
				case <-time.After(30 * time.Second):
					return "woke", nil
				}
			}}}, nil
		})
	})
	r := e.post("", `{ sleep }`, nil)
	if r.Status != http.StatusGatewayTimeout || r.code(t) != CodeTimeout {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	select {
	case <-released:
	case <-time.After(20 * time.Second):
		t.Fatal("the resolver did not see its deadline")
	}
}

func TestErrorsMasked(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.Extensions = append(c.Extensions, func(map[string]gql.Type) (gql.Fields, gql.Fields) {
			return gql.Fields{
				"boom": {Type: gql.String, Resolve: func(p gql.ResolveParams) (interface{}, error) {
					panic("runtime secret: /var/lib/acervo/acervo.db")
				}},
				"raw": {Type: gql.String, Resolve: func(p gql.ResolveParams) (interface{}, error) {
					return nil, errors.New("connection() error occurred during connection handshake: mongodb://admin:s3cret@db")
				}},
				"lazy": {Type: gql.String, Resolve: func(p gql.ResolveParams) (interface{}, error) {
					return func() (interface{}, error) { return nil, errors.New("thunk secret") }, nil
				}},
			}, nil
		})
	})
	for _, q := range []string{`{ boom }`, `{ raw }`, `{ lazy }`} {
		r := e.post("", q, nil)
		body := string(r.Body)
		if strings.Contains(body, "secret") || strings.Contains(body, "s3cret") || r.code(t) != CodeInternal {
			t.Fatalf("%s: %d %s", q, r.Status, body)
		}
		var m struct {
			Errors []struct {
				Message    string
				Extensions map[string]string
			}
		}
		_ = json.Unmarshal(r.Body, &m)
		rid := m.Errors[0].Extensions["requestId"]
		if m.Errors[0].Message != "internal error" || rid == "" || r.Header.Get("X-Request-Id") != rid {
			t.Fatalf("%s: %s (header %q)", q, body, r.Header.Get("X-Request-Id"))
		}
		e.logMu.Lock()
		logged := e.logs.String()
		e.logMu.Unlock()
		if !strings.Contains(logged, rid) || !strings.Contains(logged, "secret") {
			t.Fatalf("%s: the log lacks the error with request id %s:\n%s", q, rid, logged)
		}
	}
}

func TestRateLimits(t *testing.T) {
	block := make(chan struct{})
	entered := make(chan struct{}, 1)
	e := newEnv(t, func(c *Config) {
		c.RateLimits = RateLimits{AnonymousPoints: 3, TokenPoints: 20, Concurrent: 1}
		c.ClientIP = func(r *http.Request) string { return r.Header.Get("X-Test-IP") }
		c.Extensions = append(c.Extensions, func(map[string]gql.Type) (gql.Fields, gql.Fields) {
			return gql.Fields{"wait": {Type: gql.String, Resolve: func(p gql.ResolveParams) (interface{}, error) {
				entered <- struct{}{}
				<-block
				return "ok", nil
			}}}, nil
		})
	})
	ask := func(ip, user string) result {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL, strings.NewReader(jsonQuery(`{ viewer { authenticated } }`)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Test-IP", ip)
		if user != "" {
			req.Header.Set("Authorization", "Bearer "+e.tokens[user])
		}
		return e.do(req)
	}
	for i := 1; i <= 3; i++ {
		r := ask("10.0.0.1", "")
		if r.Status != 200 || r.Header.Get("X-Ratelimit-Limit") != "3" || r.Header.Get("X-Ratelimit-Remaining") != fmt.Sprint(3-i) || r.Header.Get("X-Ratelimit-Used") != fmt.Sprint(i) || r.Header.Get("X-Ratelimit-Reset") == "" || r.Header.Get("X-Ratelimit-Resource") != "per-ip" {
			t.Fatalf("request %d: %d %v", i, r.Status, r.Header)
		}
	}
	r := ask("10.0.0.1", "")
	if r.Status != http.StatusTooManyRequests || r.code(t) != CodeRateLimited || r.Header.Get("Retry-After") == "" || r.Header.Get("X-Ratelimit-Remaining") != "0" {
		t.Fatalf("over the budget: %d %v %s", r.Status, r.Header, r.Body)
	}
	if r := ask("10.0.0.2", ""); r.Status != 200 {
		t.Fatalf("another IP: %d %s", r.Status, r.Body)
	}
	if r := ask("10.0.0.1", "nobody"); r.Status != 200 || r.Header.Get("X-Ratelimit-Resource") != "per-token" || r.Header.Get("X-Ratelimit-Limit") != "20" {
		t.Fatalf("a token from the same IP: %d %v", r.Status, r.Header)
	}
	// One request in flight per caller.
	done := make(chan result)
	go func() {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL, strings.NewReader(jsonQuery(`{ wait }`)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Test-IP", "10.0.0.3")
		done <- e.do(req)
	}()
	<-entered
	if r := ask("10.0.0.3", ""); r.Status != http.StatusTooManyRequests || r.code(t) != CodeRateLimited {
		t.Fatalf("second request in flight: %d %s", r.Status, r.Body)
	}
	close(block)
	if r := <-done; r.Status != 200 {
		t.Fatalf("the waiting request: %d %s", r.Status, r.Body)
	}
}

func TestNestingDepth(t *testing.T) {
	cases := []struct {
		doc  string
		want int
	}{
		{`{ a { b } }`, 2},
		{`{ a(x: [[1]]) }`, 4},
		{`{ a(x: "{{{{") }`, 2},
		{`{ a(x: """ {{{{ """) }`, 2},
		{"{ a # {{{{\n b }", 1},
		{`{ a(x: "\"{{") }`, 2},
	}
	for _, c := range cases {
		if got, ok := nestingDepth(c.doc, 64); got != c.want || !ok {
			t.Errorf("nestingDepth(%q) = %d %v, want %d", c.doc, got, ok, c.want)
		}
	}
}

// TestDocCache: a repeated query reuses its validated document with new
// variables, and the limits still apply to each request.
func TestDocCache(t *testing.T) {
	e := newEnv(t)
	q := `query($slug: String!, $n: Int) { asset(slug: $slug) { name releases(first: $n) { totalCount } } }`
	for _, c := range []struct {
		slug string
		n    int
		want string
		code string
	}{
		{"orfeo", 5, `"name":"Orfeo"`, ""},
		{"mi-cartagena", 5, `"name":"Mi Cartagena App"`, ""},
		{"orfeo", 500, "", CodeArgumentOutOfRange},
	} {
		r := e.post("", q, map[string]interface{}{"slug": c.slug, "n": c.n})
		if got := r.code(t); got != c.code || !strings.Contains(string(r.Body), c.want) {
			t.Fatalf("%s/%d: %d %s", c.slug, c.n, r.Status, r.Body)
		}
	}
	if e.h.docs.get(q) == nil {
		t.Fatal("the validated document was not kept")
	}
	bad := `{ asset(slug: "orfeo") { nmae } }`
	for i := 0; i < 2; i++ {
		if r := e.post("", bad, nil); r.code(t) != CodeValidationFailed {
			t.Fatalf("invalid document, try %d: %s", i, r.Body)
		}
	}
	if e.h.docs.get(bad) != nil {
		t.Fatal("an invalid document was kept")
	}
}
