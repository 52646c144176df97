package graphql

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// TestReferenceClient: the npm graphql package (the reference
// implementation) introspects the live server, and buildClientSchema and
// validateSchema accept the answer.
func TestReferenceClient(t *testing.T) {
	dir := filepath.Join("testdata", "client")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "graphql", "package.json")); err != nil {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("the reference client is not installed and `npm ci` failed (%v); run: npm ci --prefix graphql/testdata/client\n%s", err, out)
		}
	}
	e := newEnv(t)
	cmd := exec.CommandContext(t.Context(), "node", "introspect.mjs", e.srv.URL+"/graphql")
	cmd.Dir = dir
	out, err := cmd.Output()
	var res struct {
		OK       bool
		Errors   []string
		Types    int
		Query    []string
		Mutation []string
	}
	if jerr := json.Unmarshal(out, &res); jerr != nil || err != nil || !res.OK {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("reference client: %v %v %+v\n%s\n%s", err, jerr, res, out, stderr)
	}
	for _, f := range []string{"node", "nodes", "assets", "asset", "releases", "entities", "entity", "adoptions", "purchases", "purchaseLinks", "advisories", "mirrors", "viewer", "rateLimit"} {
		if !slices.Contains(res.Query, f) {
			t.Errorf("the client sees no Query.%s: %v", f, res.Query)
		}
	}
	if len(res.Mutation) != len(mutationCases()) {
		t.Errorf("the client sees mutations %v", res.Mutation)
	}
}
