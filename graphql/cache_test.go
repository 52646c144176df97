package graphql

import (
	"strings"
	"testing"

	"github.com/acervo-co/acervo/registry"
)

// TestKeptRecordsFollowWrites: entities and assets kept between requests
// are read again once the index has applied a change to them, whether the
// write came through a mutation, the Service or straight to the store
// (another process), and they save store calls meanwhile.
func TestKeptRecordsFollowWrites(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	const q = `{ asset(slug: "orfeo") { name publisher { name } adoptions(first: 5) { edges { node { entity { name } } } } } }`
	get := func() string {
		t.Helper()
		r := e.post("", q, nil)
		if r.Status != 200 || strings.Contains(string(r.Body), `"errors"`) {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		return string(r.Body)
	}
	before := get()
	if !strings.Contains(before, "Ministerio de Tecnologías") {
		t.Fatalf("publisher: %s", before)
	}
	e.store.n.Store(0)
	if get() != before {
		t.Fatal("the same query answered differently")
	}
	warm := e.store.n.Load()

	// An entity renamed straight in the store, as another process would.
	ent, err := e.store.Store.Entities().GetByNIT(ctx, nitMinTIC)
	if err != nil {
		t.Fatal(err)
	}
	ent.Name = "Ministerio TIC (renombrado)"
	if err := e.store.Store.Entities().Update(ctx, &ent, &registry.AuditEvent{At: t0, Actor: "system:test", Action: "entity.update", TargetKind: "entity", TargetID: ent.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.idx.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	e.store.n.Store(0)
	after := get()
	if !strings.Contains(after, "Ministerio TIC (renombrado)") || strings.Contains(after, "Ministerio de Tecnologías") {
		t.Fatalf("after the entity changed: %s", after)
	}
	if cold := e.store.n.Load(); cold <= warm {
		t.Fatalf("a changed entity was not read again: %d store calls, %d when kept", cold, warm)
	}

	// An asset renamed, also behind the API's back.
	a, err := e.store.Store.Assets().GetBySlug(ctx, "orfeo")
	if err != nil {
		t.Fatal(err)
	}
	a.Name = "Orfeo Renombrado"
	if err := e.store.Store.Assets().Update(ctx, &a, &registry.AuditEvent{At: t0, Actor: "system:test", Action: "asset.update", TargetKind: "asset", TargetID: a.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.idx.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	const sq = `{ assets(first: 5, query: "orfeo") { edges { node { name } } } }`
	if r := e.post("", sq, nil); !strings.Contains(string(r.Body), "Orfeo Renombrado") {
		t.Fatalf("search after the asset changed: %s", r.Body)
	}
	const aq = `{ adoptions(first: 5, entity: "` + nitMinTIC + `") { edges { node { asset { name } } } } }`
	if r := e.post("", aq, nil); !strings.Contains(string(r.Body), "Orfeo Renombrado") {
		t.Fatalf("an adoption's asset after the asset changed: %s", r.Body)
	}
}
