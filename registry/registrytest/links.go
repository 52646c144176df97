package registrytest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/acervo-co/acervo/registry"
)

func newLink(id, purchaseID, assetID string, score float64, minute int) *registry.PurchaseLink {
	return &registry.PurchaseLink{
		ID: id, PurchaseID: purchaseID, AssetID: assetID, Relation: registry.RelMaintenance, Score: score,
		Reasons: []string{"name:orfeo", "unspsc:43231500"}, State: registry.LinkSuggested,
		CreatedAt: at(minute), UpdatedAt: at(minute),
	}
}

func linkTests() []subtest {
	return []subtest{
		{"Upsert", testLinkUpsert},
		{"CRUD", testLinkCRUD},
		{"List", testLinkList},
	}
}

func testLinkUpsert(t *testing.T, s registry.Store) {
	ctx := t.Context()
	ls := s.Links()
	seq := lastSeq(t, s)
	l := newLink("", "pur-1", "asset-1", 0.8, 1)
	o, err := ls.Upsert(ctx, l, event("link.upsert", registry.KindLink, ""))
	ok(t, err, "Upsert new")
	if o != registry.OutcomeNew || l.ID == "" || l.Rev != 1 {
		t.Fatalf("Upsert new: %v id %q rev %d", o, l.ID, l.Rev)
	}
	seq = oneChange(t, s, seq, registry.KindLink, l.ID, false)
	audited(t, s, l.ID, "link.upsert", 1)

	// The same suggestion again changes nothing.
	again := newLink("", "pur-1", "asset-1", 0.8, 2)
	o, err = ls.Upsert(ctx, again, event("link.upsert", registry.KindLink, l.ID))
	ok(t, err, "Upsert same")
	if o != registry.OutcomeUnchanged || again.ID != l.ID || again.Rev != 1 {
		t.Fatalf("Upsert same: %v id %q rev %d", o, again.ID, again.Rev)
	}
	noChange(t, s, seq)
	audited(t, s, l.ID, "link.upsert", 1)

	// A new score updates relation, score and reasons.
	better := newLink("", "pur-1", "asset-1", 0.95, 3)
	better.Relation = registry.RelLicensing
	better.Reasons = []string{"alias:ORFEO"}
	o, err = ls.Upsert(ctx, better, event("link.upsert", registry.KindLink, l.ID))
	ok(t, err, "Upsert better")
	if o != registry.OutcomeUpdated || better.ID != l.ID || better.Rev != 2 || !better.CreatedAt.Equal(at(1)) {
		t.Fatalf("Upsert better: %v id %q rev %d created %v", o, better.ID, better.Rev, better.CreatedAt)
	}
	seq = oneChange(t, s, seq, registry.KindLink, l.ID, false)
	got, err := ls.Get(ctx, l.ID)
	ok(t, err, "Get")
	same(t, "updated link", better, got)

	// A decision (through Update) survives later suggestions.
	for k, state := range []string{registry.LinkConfirmed, registry.LinkRejected} {
		cur, err := ls.Get(ctx, l.ID)
		ok(t, err, "Get")
		cur.State = state
		cur.DecidedBy = "user-cio"
		cur.DecidedAt = ptr(at(10))
		cur.UpdatedAt = at(10)
		ok(t, ls.Update(ctx, &cur, event("link.decide", registry.KindLink, l.ID)), "Update to %s", state)
		seq = oneChange(t, s, seq, registry.KindLink, l.ID, false)
		sugg := newLink("", "pur-1", "asset-1", 0.5+0.1*float64(k), 11)
		o, err = ls.Upsert(ctx, sugg, nil)
		ok(t, err, "Upsert after %s", state)
		if o != registry.OutcomeUpdated {
			t.Fatalf("Upsert with a new score after %s: %v", state, o)
		}
		seq = oneChange(t, s, seq, registry.KindLink, l.ID, false)
		got, _ := ls.Get(ctx, l.ID)
		if got.State != state || got.DecidedBy != "user-cio" || got.DecidedAt == nil || got.Score != sugg.Score {
			t.Fatalf("after re-suggestion of a %s link: %+v", state, got)
		}
		same(t, "link written back", got, sugg)
	}
}

func testLinkCRUD(t *testing.T, s registry.Store) {
	ctx := t.Context()
	ls := s.Links()
	l := newLink("link-1", "pur-1", "asset-1", 0.8, 1)
	_, err := ls.Upsert(ctx, l, nil)
	ok(t, err, "Upsert")
	if l.ID != "link-1" {
		t.Fatalf("new link keeps its given id: %q", l.ID)
	}
	_, err = ls.Get(ctx, "missing")
	wantErr(t, err, registry.ErrNotFound, "Get(missing)")
	seq := lastSeq(t, s)
	stale := *l
	upd := *l
	upd.State = registry.LinkConfirmed
	ok(t, ls.Update(ctx, &upd, nil), "Update")
	if upd.Rev != 2 {
		t.Fatalf("Update: rev %d", upd.Rev)
	}
	seq = oneChange(t, s, seq, registry.KindLink, l.ID, false)
	wantErr(t, ls.Update(ctx, &stale, nil), registry.ErrConflict, "Update with stale rev")
	wantErr(t, ls.Delete(ctx, l.ID, 1, nil), registry.ErrConflict, "Delete with stale rev")
	noChange(t, s, seq)
	ok(t, ls.Delete(ctx, l.ID, 2, event("link.delete", registry.KindLink, l.ID)), "Delete")
	oneChange(t, s, seq, registry.KindLink, l.ID, true)
	audited(t, s, l.ID, "link.delete", 1)
	_, err = ls.Get(ctx, l.ID)
	wantErr(t, err, registry.ErrNotFound, "Get after Delete")
	missing := *newLink("nope", "p", "a", 1, 1)
	missing.Rev = 1
	wantErr(t, ls.Update(ctx, &missing, nil), registry.ErrNotFound, "Update(missing)")
}

func testLinkList(t *testing.T, s registry.Store) {
	ctx := t.Context()
	states := []string{registry.LinkSuggested, registry.LinkConfirmed, registry.LinkRejected}
	rels := []string{registry.RelMaintenance, registry.RelLicensing, registry.RelSupport, registry.RelAlternative}
	var all []registry.PurchaseLink
	for i := range 30 {
		l := newLink(fmt.Sprintf("l%02d", i), fmt.Sprintf("pur-%d", i%6), fmt.Sprintf("asset-%d", i/6), float64((i*7)%10)/10, i)
		l.UpdatedAt = at(50 + (i*11)%13)
		l.Relation = rels[i%4]
		l.State = states[i%3]
		_, err := s.Links().Upsert(ctx, l, nil)
		ok(t, err, "Upsert %s", l.ID)
		all = append(all, *l)
	}
	id := func(l registry.PurchaseLink) string { return l.ID }
	lister := func(f registry.LinkFilter) pager[registry.PurchaseLink] {
		return func(ctx contextT, p registry.Page) (registry.List[registry.PurchaseLink], error) {
			f.Page = p
			return s.Links().List(ctx, f)
		}
	}
	byScore := func(a, b registry.PurchaseLink) bool { return descNum(a.Score, b.Score, a.ID, b.ID) }
	byUpdated := func(a, b registry.PurchaseLink) bool { return descTime(a.UpdatedAt, b.UpdatedAt, a.ID, b.ID) }
	runListCases(t, all, id, []listCase[registry.PurchaseLink]{
		{name: "all by default (score)", list: lister(registry.LinkFilter{}), less: byScore},
		{name: "all by updated", list: lister(registry.LinkFilter{Sort: registry.SortUpdated}), less: byUpdated},
		{name: "purchase", list: lister(registry.LinkFilter{PurchaseID: "pur-2"}), less: byScore,
			keep: func(l registry.PurchaseLink) bool { return l.PurchaseID == "pur-2" }},
		{name: "purchases", list: lister(registry.LinkFilter{PurchaseIDs: []string{"pur-0", "pur-5"}, Sort: registry.SortUpdated}), less: byUpdated,
			keep: func(l registry.PurchaseLink) bool { return l.PurchaseID == "pur-0" || l.PurchaseID == "pur-5" }},
		{name: "asset", list: lister(registry.LinkFilter{AssetID: "asset-3"}), less: byScore,
			keep: func(l registry.PurchaseLink) bool { return l.AssetID == "asset-3" }},
		{name: "assets", list: lister(registry.LinkFilter{AssetIDs: []string{"asset-1", "asset-4"}}), less: byScore,
			keep: func(l registry.PurchaseLink) bool { return l.AssetID == "asset-1" || l.AssetID == "asset-4" }},
		{name: "state", list: lister(registry.LinkFilter{State: registry.LinkConfirmed}), less: byScore,
			keep: func(l registry.PurchaseLink) bool { return l.State == registry.LinkConfirmed }},
		{name: "relation", list: lister(registry.LinkFilter{Relation: registry.RelLicensing, Sort: registry.SortUpdated}), less: byUpdated,
			keep: func(l registry.PurchaseLink) bool { return l.Relation == registry.RelLicensing }},
		{name: "combined", list: lister(registry.LinkFilter{AssetIDs: []string{"asset-0", "asset-2"}, State: registry.LinkSuggested}), less: byScore,
			keep: func(l registry.PurchaseLink) bool {
				return (l.AssetID == "asset-0" || l.AssetID == "asset-2") && l.State == registry.LinkSuggested
			}},
	})
	t.Run("ForAssets", func(t *testing.T) {
		for _, states := range [][]string{nil, {registry.LinkConfirmed}, {registry.LinkConfirmed, registry.LinkSuggested}} {
			got, err := s.Links().ForAssets(ctx, []string{"asset-1", "asset-2", "asset-9"}, states...)
			ok(t, err, "ForAssets")
			var want []string
			for _, l := range all {
				if (l.AssetID == "asset-1" || l.AssetID == "asset-2") && (len(states) == 0 || slices.Contains(states, l.State)) {
					want = append(want, l.ID)
				}
			}
			g := ids(got, id)
			slices.Sort(g)
			if !slices.Equal(g, want) {
				t.Fatalf("ForAssets(states %v): got %v, want %v", states, g, want)
			}
		}
	})
	t.Run("BadPages", func(t *testing.T) {
		badPages(t, func(p registry.Page, sort string) (registry.List[registry.PurchaseLink], error) {
			return s.Links().List(t.Context(), registry.LinkFilter{Page: p, Sort: sort})
		}, []string{registry.SortScore, registry.SortUpdated})
	})
}
