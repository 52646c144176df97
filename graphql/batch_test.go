package graphql

import (
	"fmt"
	"strings"
	"testing"

	"github.com/acervo-co/acervo/registry"
)

// batchedQueryStoreCalls bounds the store calls a page of assets with
// their publisher, adopters, latest release and purchase totals costs,
// whatever the page size: the page itself (1: List, or GetMany after the
// index), adoptions (1), releases (1), links (1), the linked purchases (1),
// and the entities (1 or 2: publishers and adopting entities share one call
// when graphql-go happens to resolve the adoptions before the publishers —
// it walks each level's fields in map order — and take two otherwise).
const batchedQueryStoreCalls = 7

const batchedQuery = `query($n: Int!) {
  assets(first: $n, orderBy: NAME) {
    edges { node {
      name
      publisher { name }
      latestRelease { tag }
      adopterCount
      adoptions(first: 10) { edges { node { status entity { name departmentCode } } } }
      purchaseTotals { count total }
    } }
  }
}`

func seedMany(t *testing.T, e *env, n int) {
	t.Helper()
	ctx := t.Context()
	st := e.store.Store
	newEv := func() *registry.AuditEvent {
		return &registry.AuditEvent{At: t0, Actor: "system:seed", Action: "seed", TargetKind: "seed", TargetID: "seed"}
	}
	var ps []registry.Purchase
	for i := 0; i < n; i++ {
		a := registry.Asset{ID: fmt.Sprintf("bulk-asset-%03d", i), Kind: registry.AssetPublic, Slug: fmt.Sprintf("bulk-%03d", i), Name: fmt.Sprintf("Bulk %03d", i),
			PublisherNIT: []string{nitMinTIC, nitCartagena, nitMedellin}[i%3], RepositoryURL: fmt.Sprintf("https://example.org/bulk/%d", i), Active: true, CreatedAt: t0, UpdatedAt: t0}
		if err := st.Assets().Create(ctx, &a, newEv()); err != nil {
			t.Fatal(err)
		}
		for j, tag := range []string{"v1.0.0", "v1.1.0"} {
			r := registry.Release{ID: fmt.Sprintf("bulk-rel-%03d-%d", i, j), AssetID: a.ID, Tag: tag, IsRelease: true, Version: tag[1:], Commit: strings.Repeat("a", 40), Date: at(j)}
			if _, err := st.Releases().Upsert(ctx, &r, newEv()); err != nil {
				t.Fatal(err)
			}
		}
		for j, nit := range []string{nitMinTIC, nitCartagena, nitMedellin} {
			ad := registry.Adoption{ID: fmt.Sprintf("bulk-ad-%03d-%d", i, j), EntityNIT: nit, AssetID: a.ID, ReleaseTag: "v1.0.0", Status: registry.AdoptionProduction, Verification: registry.VerificationSelfDeclared, CreatedAt: t0, UpdatedAt: t0}
			if err := st.Adoptions().Create(ctx, &ad, newEv()); err != nil {
				t.Fatal(err)
			}
		}
		ps = append(ps, registry.Purchase{ID: fmt.Sprintf("bulk-p-%03d", i), Source: registry.SourceSECOPII, ContractID: fmt.Sprintf("BULK-%d", i), BuyerNIT: nitCartagena, Value: int64(1000 * (i + 1)), Year: 2024, RowHash: "x"})
	}
	if _, err := st.Purchases().UpsertBatch(ctx, ps, newEv()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		l := registry.PurchaseLink{ID: fmt.Sprintf("bulk-l-%03d", i), PurchaseID: ps[i].ID, AssetID: fmt.Sprintf("bulk-asset-%03d", i), Relation: registry.RelSupport, Score: 0.9, State: registry.LinkConfirmed}
		if _, err := st.Links().Upsert(ctx, &l, newEv()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.idx.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestBatchedLoading(t *testing.T) {
	for _, withIndex := range []bool{true, false} {
		t.Run(fmt.Sprintf("index=%v", withIndex), func(t *testing.T) {
			e := newEnv(t, func(c *Config) {
				if !withIndex {
					c.Search = nil
				}
			})
			seedMany(t, e, 120)
			for _, n := range []int{10, 100} {
				e.store.n.Store(0)
				r := e.post("", batchedQuery, map[string]interface{}{"n": n})
				if r.Status != 200 || strings.Contains(string(r.Body), `"errors"`) {
					t.Fatalf("%d %.500s", r.Status, r.Body)
				}
				if got := strings.Count(string(r.Body), `"adopterCount":3`); got < n-4 {
					t.Fatalf("page of %d: only %d assets with their 3 adopters: %.300s", n, got, r.Body)
				}
				if !strings.Contains(string(r.Body), `"purchaseTotals":{"count":1,"total":1000}`) || !strings.Contains(string(r.Body), `"latestRelease":{"tag":"v1.1.0"}`) {
					t.Fatalf("totals or latest release missing: %.600s", r.Body)
				}
				// With the index, entities and assets read by an earlier
				// request are kept (cache.go): the second page costs less.
				if got := e.store.n.Load(); got > batchedQueryStoreCalls || (!withIndex || n == 10) && got < batchedQueryStoreCalls-1 {
					t.Errorf("a page of %d assets cost %d store calls, want %d or %d", n, got, batchedQueryStoreCalls-1, batchedQueryStoreCalls)
				}
			}
		})
	}
}
