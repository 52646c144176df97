package graphql

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkHandler measures the handler in-process on the fixtures (the
// State-scale benchmark is ./bench), with this package's executor and
// with graphql-go's (reference).
func BenchmarkHandler(b *testing.B) {
	for _, c := range []struct {
		name, query string
		vars        map[string]interface{}
	}{
		{"asset_page", assetPage, map[string]interface{}{"slug": "orfeo"}},
		{"purchases", `{ purchases(first: 20, buyer: "890480184", year: 2024) { totalCount edges { node { contractId value signedAt supplier { name docNumber } } } } }`, nil},
		{"viewer", `{ viewer { authenticated } }`, nil},
		{"search", `query($q: String!) { assets(first: 20, query: $q) { totalCount edges { cursor score highlights { field snippets } node { id name slug license developmentStatus } } facets { field values { value count } } } }`,
			map[string]interface{}{"q": "gestión"}},
	} {
		for _, reference := range []bool{false, true} {
			name := c.name
			if reference {
				name += "/graphql-go"
			}
			b.Run(name, func(b *testing.B) {
				e := newEnv(b, func(c *Config) { c.RateLimits = RateLimits{AnonymousPoints: 1 << 30} })
				e.h.compareExec, e.h.referenceExec = nil, reference
				body, _ := json.Marshal(map[string]interface{}{"query": c.query, "variables": c.vars})
				b.ReportAllocs()
				for b.Loop() {
					req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					rec := httptest.NewRecorder()
					e.h.ServeHTTP(rec, req)
					if rec.Code != 200 {
						b.Fatalf("%d %s", rec.Code, rec.Body)
					}
				}
			})
		}
	}
}
