package registrytest

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/acervo-co/acervo/registry"
)

var (
	fixtureBuyers    = []string{"899999053", "890480184", "800000001", "899999001", "12345"}
	fixtureSuppliers = []string{"900123456", "830001113", "1020304050", "860002964"}
	fixtureUNSPSC    = []string{"43231500", "43232300", "81112200", "81111500", "43211500", "80101500"}
)

// newPurchase makes the i-th fixture purchase; variant changes its content
// (and its row hash).
func newPurchase(i, variant int) registry.Purchase {
	src := []string{registry.SourceSECOPII, registry.SourceSECOPI, registry.SourceTVEC, registry.SourceOCDS}[i%4]
	p := registry.Purchase{
		Source: src, ContractID: fmt.Sprintf("CO1.PCCNTR.%06d", i), ProcessID: fmt.Sprintf("CO1.REQ.%d", i/2),
		URL:       fmt.Sprintf("https://community.secop.gov.co/Public/Tendering/ContractNoticeView?id=%d", i),
		BuyerNIT:  fixtureBuyers[i%5],
		BuyerName: "Entidad " + fixtureBuyers[i%5],
		Supplier: registry.Party{DocType: "NIT", DocNumber: fixtureSuppliers[i%4], Name: "Proveedor " + fixtureSuppliers[i%4],
			NaturalPerson: i%4 == 2},
		Description:      fmt.Sprintf("Licenciamiento y soporte del sistema de gestión documental, contrato %d, versión %d", i, variant),
		UNSPSC:           []string{fixtureUNSPSC[i%6]},
		Modality:         "Contratación directa",
		ContractType:     "Prestación de servicios",
		Status:           "Activo",
		Value:            int64(1_000_000 * (1 + (i*37)%23)),
		Year:             2021 + i%4,
		DepartmentCode:   []string{"11", "05", "76"}[i%3],
		MunicipalityCode: []string{"11001", "05001", "76001"}[i%3],
		SoftwareScore:    float64((i*7)%10) / 10,
		SoftwareReasons:  []string{"unspsc:" + fixtureUNSPSC[i%6]},
		CreatedAt:        at(i),
		UpdatedAt:        at(i),
	}
	if i%7 == 3 {
		p.UNSPSC = append(p.UNSPSC, "81112200")
	}
	if i%9 != 4 {
		p.SignedAt = ptr(at(1000 + (i*29)%41))
	}
	if i%3 == 0 {
		p.FrameworkAgreement = "CCE-139-IAD-2020"
	}
	switch i % 11 {
	case 5:
		p.Status = "Cancelada" // a TVEC order never delivered
	case 8:
		p.Status = "Borrador"
	case 10:
		p.Status = "" // no state published: it counts
	}
	p.RowHash = fmt.Sprintf("h%d-%d", i, variant)
	return p
}

func purchaseTests() []subtest {
	return []subtest{
		{"UpsertBatch", testPurchaseUpsert},
		{"GetDelete", testPurchaseGetDelete},
		{"List", testPurchaseList},
		{"Aggregate", testPurchaseAggregate},
		{"Scan", testPurchaseScan},
	}
}

func importEvent(run string) *registry.AuditEvent {
	return &registry.AuditEvent{At: at(0), Actor: "system:import", Action: "purchase.import", TargetKind: "import", TargetID: run}
}

func testPurchaseUpsert(t *testing.T, s registry.Store) {
	ctx := t.Context()
	ps := s.Purchases()
	seq := lastSeq(t, s)
	batch := make([]registry.Purchase, 10)
	for i := range batch {
		batch[i] = newPurchase(i, 0)
	}
	batch[0].ID = "given-id"
	out, err := ps.UpsertBatch(ctx, batch, importEvent("run-1"))
	ok(t, err, "UpsertBatch new")
	if len(out) != 10 {
		t.Fatalf("UpsertBatch: %d outcomes for 10 rows", len(out))
	}
	for i, o := range out {
		if o != registry.OutcomeNew {
			t.Fatalf("row %d: outcome %v, want new", i, o)
		}
		if batch[i].ID == "" || batch[i].Rev != 1 {
			t.Fatalf("row %d: id %q rev %d not written back", i, batch[i].ID, batch[i].Rev)
		}
	}
	if batch[0].ID != "given-id" {
		t.Fatalf("a new row keeps its given id: got %q", batch[0].ID)
	}
	cs := changesAfter(t, s, seq)
	if len(cs) != 10 {
		t.Fatalf("%d changes for 10 new rows", len(cs))
	}
	for i, c := range cs {
		if c.Kind != registry.KindPurchase || c.ID != batch[i].ID || c.Deleted {
			t.Fatalf("change %d: %+v, want purchase %s", i, c, batch[i].ID)
		}
	}
	seq = cs[len(cs)-1].Seq
	audited(t, s, "run-1", "purchase.import", 1)
	for i := range batch {
		got, err := ps.GetByKey(ctx, batch[i].Source, batch[i].ContractID)
		ok(t, err, "GetByKey row %d", i)
		same(t, "stored row", batch[i], got)
	}

	// Second batch: 3 rows changed, 2 new (one of them twice), the rest unchanged.
	second := make([]registry.Purchase, 0, 13)
	for i := range 10 {
		v := 0
		if i == 2 || i == 5 || i == 9 {
			v = 1
		}
		p := newPurchase(i, v)
		p.ID = fmt.Sprintf("other-%d", i) // ignored for stored rows
		p.CreatedAt = at(500)             // ignored for stored rows
		second = append(second, p)
	}
	second = append(second, newPurchase(10, 0), newPurchase(11, 0), newPurchase(10, 0), newPurchase(11, 1))
	out, err = ps.UpsertBatch(ctx, second, importEvent("run-2"))
	ok(t, err, "UpsertBatch mixed")
	want := []registry.UpsertOutcome{
		registry.OutcomeUnchanged, registry.OutcomeUnchanged, registry.OutcomeUpdated, registry.OutcomeUnchanged,
		registry.OutcomeUnchanged, registry.OutcomeUpdated, registry.OutcomeUnchanged, registry.OutcomeUnchanged,
		registry.OutcomeUnchanged, registry.OutcomeUpdated, registry.OutcomeNew, registry.OutcomeNew,
		registry.OutcomeUnchanged, registry.OutcomeUpdated,
	}
	if !slices.Equal(out, want) {
		t.Fatalf("outcomes:\n got %v\nwant %v", out, want)
	}
	for i := range 10 {
		if second[i].ID != batch[i].ID || !second[i].CreatedAt.Equal(batch[i].CreatedAt) {
			t.Fatalf("row %d: stored id/createdAt not written back: %q %v", i, second[i].ID, second[i].CreatedAt)
		}
		wantRev := int64(1)
		if out[i] == registry.OutcomeUpdated {
			wantRev = 2
		}
		got, err := ps.Get(ctx, batch[i].ID)
		ok(t, err, "Get row %d", i)
		if got.Rev != wantRev || second[i].Rev != wantRev {
			t.Fatalf("row %d: stored rev %d, written back %d, want %d", i, got.Rev, second[i].Rev, wantRev)
		}
		if out[i] == registry.OutcomeUpdated {
			same(t, "updated row", second[i], got)
		}
	}
	if second[12].ID != second[10].ID || second[13].ID != second[11].ID || second[13].Rev != 2 {
		t.Fatalf("repeated keys in one batch: ids %s/%s %s/%s rev %d", second[10].ID, second[12].ID, second[11].ID, second[13].ID, second[13].Rev)
	}
	got, err := ps.GetByKey(ctx, second[13].Source, second[13].ContractID)
	ok(t, err, "GetByKey")
	same(t, "last write of a key repeated in a batch", second[13], got)
	cs = changesAfter(t, s, seq)
	var gotChanged []string
	for _, c := range cs {
		gotChanged = append(gotChanged, c.ID)
	}
	wantChanged := []string{batch[2].ID, batch[5].ID, batch[9].ID, second[10].ID, second[11].ID, second[11].ID}
	if !slices.Equal(gotChanged, wantChanged) {
		t.Fatalf("changes of the mixed batch: got %v, want %v (one per written row, in order)", gotChanged, wantChanged)
	}
	seq = cs[len(cs)-1].Seq
	audited(t, s, "run-2", "purchase.import", 1)

	// A batch that changes nothing writes nothing, not even its audit event.
	out, err = ps.UpsertBatch(ctx, second[:5], importEvent("run-3"))
	ok(t, err, "UpsertBatch unchanged")
	for i, o := range out {
		if o != registry.OutcomeUnchanged {
			t.Fatalf("row %d: %v, want unchanged", i, o)
		}
	}
	noChange(t, s, seq)
	audited(t, s, "run-3", "", 0)

	out, err = ps.UpsertBatch(ctx, nil, importEvent("run-4"))
	ok(t, err, "UpsertBatch(nil)")
	if len(out) != 0 {
		t.Fatalf("UpsertBatch(nil) = %v", out)
	}
	l, err := ps.List(ctx, registry.PurchaseFilter{Page: registry.Page{WantTotal: true}})
	ok(t, err, "List")
	if l.Total != 12 {
		t.Fatalf("%d purchases stored, want 12", l.Total)
	}
}

func testPurchaseGetDelete(t *testing.T, s registry.Store) {
	ctx := t.Context()
	ps := s.Purchases()
	batch := []registry.Purchase{newPurchase(1, 0), newPurchase(2, 0), newPurchase(3, 0)}
	_, err := ps.UpsertBatch(ctx, batch, nil)
	ok(t, err, "UpsertBatch")
	got, err := ps.Get(ctx, batch[1].ID)
	ok(t, err, "Get")
	same(t, "Get", batch[1], got)
	_, err = ps.Get(ctx, "missing")
	wantErr(t, err, registry.ErrNotFound, "Get(missing)")
	other := registry.SourceSECOPI
	if batch[1].Source == other {
		other = registry.SourceSECOPII
	}
	_, err = ps.GetByKey(ctx, other, batch[1].ContractID)
	wantErr(t, err, registry.ErrNotFound, "GetByKey with another source")
	many, err := ps.GetMany(ctx, []string{batch[2].ID, "x", batch[0].ID})
	ok(t, err, "GetMany")
	if len(many) != 2 || many[0].ID != batch[2].ID || many[1].ID != batch[0].ID {
		t.Fatalf("GetMany: %v", ids(many, func(p registry.Purchase) string { return p.ID }))
	}
	seq := lastSeq(t, s)
	wantErr(t, ps.Delete(ctx, batch[1].ID, 2, nil), registry.ErrConflict, "Delete with stale rev")
	noChange(t, s, seq)
	ok(t, ps.Delete(ctx, batch[1].ID, 1, event("purchase.delete", registry.KindPurchase, batch[1].ID)), "Delete")
	oneChange(t, s, seq, registry.KindPurchase, batch[1].ID, true)
	audited(t, s, batch[1].ID, "purchase.delete", 1)
	_, err = ps.GetByKey(ctx, batch[1].Source, batch[1].ContractID)
	wantErr(t, err, registry.ErrNotFound, "GetByKey after Delete")
	wantErr(t, ps.Delete(ctx, batch[1].ID, 0, nil), registry.ErrNotFound, "Delete twice")
	// The key is free again: the next import creates the row anew.
	again := []registry.Purchase{newPurchase(2, 0)}
	out, err := ps.UpsertBatch(ctx, again, nil)
	ok(t, err, "UpsertBatch after Delete")
	if out[0] != registry.OutcomeNew || again[0].ID == batch[1].ID {
		t.Fatalf("re-import after delete: %v id %s", out[0], again[0].ID)
	}
}

func purchaseFixture(t *testing.T, s registry.Store, n int) []registry.Purchase {
	batch := make([]registry.Purchase, n)
	for i := range batch {
		batch[i] = newPurchase(i, 0)
		batch[i].ID = fmt.Sprintf("p%03d", i)
	}
	for i := 0; i < n; i += 25 {
		_, err := s.Purchases().UpsertBatch(t.Context(), batch[i:min(i+25, n)], nil)
		ok(t, err, "UpsertBatch")
	}
	return batch
}

func purchaseDateLess(a, b registry.Purchase) bool {
	var ta, tb = at(-1e7), at(-1e7) // no signature date: last
	if a.SignedAt != nil {
		ta = *a.SignedAt
	}
	if b.SignedAt != nil {
		tb = *b.SignedAt
	}
	return descTime(ta, tb, a.ID, b.ID)
}

func testPurchaseList(t *testing.T, s registry.Store) {
	all := purchaseFixture(t, s, 60)
	id := func(p registry.Purchase) string { return p.ID }
	lister := func(f registry.PurchaseFilter) pager[registry.Purchase] {
		return func(ctx contextT, p registry.Page) (registry.List[registry.Purchase], error) {
			f.Page = p
			return s.Purchases().List(ctx, f)
		}
	}
	byValue := func(a, b registry.Purchase) bool { return descNum(a.Value, b.Value, a.ID, b.ID) }
	unspsc := func(prefix string) func(p registry.Purchase) bool {
		return func(p registry.Purchase) bool {
			return slices.ContainsFunc(p.UNSPSC, func(c string) bool { return strings.HasPrefix(c, prefix) })
		}
	}
	runListCases(t, all, id, []listCase[registry.Purchase]{
		{name: "all by default (date)", list: lister(registry.PurchaseFilter{}), less: purchaseDateLess},
		{name: "all by value", list: lister(registry.PurchaseFilter{Sort: registry.SortValue}), less: byValue},
		{name: "ids", list: lister(registry.PurchaseFilter{IDs: []string{"p004", "p013", "p059", "zz"}}), less: purchaseDateLess,
			keep: func(p registry.Purchase) bool { return p.ID == "p004" || p.ID == "p013" || p.ID == "p059" }},
		{name: "source", list: lister(registry.PurchaseFilter{Source: registry.SourceTVEC}), less: purchaseDateLess,
			keep: func(p registry.Purchase) bool { return p.Source == registry.SourceTVEC }},
		{name: "buyer", list: lister(registry.PurchaseFilter{BuyerNIT: fixtureBuyers[1]}), less: purchaseDateLess,
			keep: func(p registry.Purchase) bool { return p.BuyerNIT == fixtureBuyers[1] }},
		{name: "buyer by value", list: lister(registry.PurchaseFilter{BuyerNIT: fixtureBuyers[3], Sort: registry.SortValue}), less: byValue,
			keep: func(p registry.Purchase) bool { return p.BuyerNIT == fixtureBuyers[3] }},
		{name: "supplier", list: lister(registry.PurchaseFilter{SupplierDoc: fixtureSuppliers[2]}), less: purchaseDateLess,
			keep: func(p registry.Purchase) bool { return p.Supplier.DocNumber == fixtureSuppliers[2] }},
		{name: "unspsc code", list: lister(registry.PurchaseFilter{UNSPSC: "81112200"}), less: purchaseDateLess, keep: unspsc("81112200")},
		{name: "unspsc class", list: lister(registry.PurchaseFilter{UNSPSC: "432315"}), less: purchaseDateLess, keep: unspsc("432315")},
		{name: "unspsc family", list: lister(registry.PurchaseFilter{UNSPSC: "4323"}), less: purchaseDateLess, keep: unspsc("4323")},
		{name: "unspsc segment by value", list: lister(registry.PurchaseFilter{UNSPSC: "43", Sort: registry.SortValue}), less: byValue, keep: unspsc("43")},
		{name: "year", list: lister(registry.PurchaseFilter{Year: 2023}), less: purchaseDateLess,
			keep: func(p registry.Purchase) bool { return p.Year == 2023 }},
		{name: "min value", list: lister(registry.PurchaseFilter{MinValue: ptr(int64(12_000_000)), Sort: registry.SortValue}), less: byValue,
			keep: func(p registry.Purchase) bool { return p.Value >= 12_000_000 }},
		{name: "max value", list: lister(registry.PurchaseFilter{MaxValue: ptr(int64(5_000_000))}), less: purchaseDateLess,
			keep: func(p registry.Purchase) bool { return p.Value <= 5_000_000 }},
		{name: "value range", list: lister(registry.PurchaseFilter{MinValue: ptr(int64(3_000_000)), MaxValue: ptr(int64(9_000_000)), Sort: registry.SortValue}), less: byValue,
			keep: func(p registry.Purchase) bool { return p.Value >= 3_000_000 && p.Value <= 9_000_000 }},
		{name: "software score", list: lister(registry.PurchaseFilter{MinSoftwareScore: ptr(0.7)}), less: purchaseDateLess,
			keep: func(p registry.Purchase) bool { return p.SoftwareScore >= 0.7 }},
		{name: "contracted by value", list: lister(registry.PurchaseFilter{Contracted: true, Sort: registry.SortValue}), less: byValue,
			keep: func(p registry.Purchase) bool { return !registry.NoContract(p.Status) }},
		{name: "combined", list: lister(registry.PurchaseFilter{BuyerNIT: fixtureBuyers[0], UNSPSC: "43", MinSoftwareScore: ptr(0.1), MaxValue: ptr(int64(10_000_000))}), less: purchaseDateLess,
			keep: func(p registry.Purchase) bool {
				return p.BuyerNIT == fixtureBuyers[0] && unspsc("43")(p) && p.SoftwareScore >= 0.1 && p.Value <= 10_000_000
			}},
		{name: "none matching", list: lister(registry.PurchaseFilter{BuyerNIT: "1"}), less: purchaseDateLess,
			keep: func(p registry.Purchase) bool { return false }},
	})
	t.Run("BadPages", func(t *testing.T) {
		badPages(t, func(p registry.Page, sort string) (registry.List[registry.Purchase], error) {
			return s.Purchases().List(t.Context(), registry.PurchaseFilter{Page: p, Sort: sort})
		}, []string{registry.SortDate, registry.SortValue})
	})
	t.Run("PageSizeCap", func(t *testing.T) {
		more := make([]registry.Purchase, 0, 60)
		for i := 60; i < 120; i++ {
			more = append(more, newPurchase(i, 0))
		}
		_, err := s.Purchases().UpsertBatch(t.Context(), more, nil)
		ok(t, err, "UpsertBatch")
		l, err := s.Purchases().List(t.Context(), registry.PurchaseFilter{Page: registry.Page{First: registry.MaxPageSize, WantTotal: true}})
		ok(t, err, "List")
		if len(l.Items) != registry.MaxPageSize || !l.PageInfo.HasNextPage || l.Total != 120 {
			t.Fatalf("page of %d over 120 rows: %d items, next %v, total %d", registry.MaxPageSize, len(l.Items), l.PageInfo.HasNextPage, l.Total)
		}
		l, err = s.Purchases().List(t.Context(), registry.PurchaseFilter{Page: registry.Page{Last: registry.MaxPageSize}})
		ok(t, err, "List last")
		if len(l.Items) != registry.MaxPageSize || !l.PageInfo.HasPreviousPage {
			t.Fatalf("last %d of 120 rows: %d items, previous %v", registry.MaxPageSize, len(l.Items), l.PageInfo.HasPreviousPage)
		}
	})
}

func groupKey(p registry.Purchase, field string) string {
	switch field {
	case registry.GroupYear:
		return strconv.Itoa(p.Year)
	case registry.GroupBuyer:
		return p.BuyerNIT
	case registry.GroupSupplier:
		return p.Supplier.DocNumber
	case registry.GroupSource:
		return p.Source
	case registry.GroupDepartment:
		return p.DepartmentCode
	}
	panic(field)
}

// aggregate computes in Go what Purchases.Aggregate must return: groups by
// total descending, ties by the key values in groupBy order.
func aggregate(all []registry.Purchase, keep func(registry.Purchase) bool, groupBy ...string) []registry.PurchaseGroup {
	byKey := map[string]*registry.PurchaseGroup{}
	var order []string
	for _, p := range all {
		if keep != nil && !keep(p) {
			continue
		}
		key := map[string]string{}
		var parts []string
		for _, f := range groupBy {
			key[f] = groupKey(p, f)
			parts = append(parts, key[f])
		}
		k := strings.Join(parts, "\x00")
		g := byKey[k]
		if g == nil {
			g = &registry.PurchaseGroup{Key: key}
			byKey[k] = g
			order = append(order, k)
		}
		g.Count++
		g.Total += p.Value
	}
	out := []registry.PurchaseGroup{}
	for _, k := range order {
		out = append(out, *byKey[k])
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Total != out[j].Total {
			return out[i].Total > out[j].Total
		}
		for _, f := range groupBy {
			if out[i].Key[f] != out[j].Key[f] {
				return out[i].Key[f] < out[j].Key[f]
			}
		}
		return false
	})
	return out
}

func testPurchaseAggregate(t *testing.T, s registry.Store) {
	all := purchaseFixture(t, s, 100)
	for _, tc := range []struct {
		name    string
		f       registry.PurchaseFilter
		keep    func(registry.Purchase) bool
		groupBy []string
	}{
		{name: "everything"},
		{name: "by year", groupBy: []string{registry.GroupYear}},
		{name: "by buyer", groupBy: []string{registry.GroupBuyer}},
		{name: "by supplier", groupBy: []string{registry.GroupSupplier}},
		{name: "by source", groupBy: []string{registry.GroupSource}},
		{name: "by department", groupBy: []string{registry.GroupDepartment}},
		{name: "by source and year", groupBy: []string{registry.GroupSource, registry.GroupYear}},
		{name: "by buyer and supplier", groupBy: []string{registry.GroupBuyer, registry.GroupSupplier}},
		{name: "filtered by buyer, by year", f: registry.PurchaseFilter{BuyerNIT: fixtureBuyers[2]},
			keep: func(p registry.Purchase) bool { return p.BuyerNIT == fixtureBuyers[2] }, groupBy: []string{registry.GroupYear}},
		{name: "filtered by unspsc and value, by supplier", f: registry.PurchaseFilter{UNSPSC: "43", MinValue: ptr(int64(8_000_000))},
			keep: func(p registry.Purchase) bool {
				return p.Value >= 8_000_000 && slices.ContainsFunc(p.UNSPSC, func(c string) bool { return strings.HasPrefix(c, "43") })
			}, groupBy: []string{registry.GroupSupplier}},
		{name: "nothing matches", f: registry.PurchaseFilter{BuyerNIT: "1"}, keep: func(registry.Purchase) bool { return false }, groupBy: []string{registry.GroupYear}},
		{name: "contracted, by buyer and year", f: registry.PurchaseFilter{Contracted: true},
			keep: func(p registry.Purchase) bool { return !registry.NoContract(p.Status) }, groupBy: []string{registry.GroupBuyer, registry.GroupYear}},
		{name: "contracted of a buyer", f: registry.PurchaseFilter{Contracted: true, BuyerNIT: fixtureBuyers[0]},
			keep: func(p registry.Purchase) bool {
				return !registry.NoContract(p.Status) && p.BuyerNIT == fixtureBuyers[0]
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.f.Page = registry.Page{First: 1} // ignored
			got, err := s.Purchases().Aggregate(t.Context(), tc.f, tc.groupBy...)
			ok(t, err, "Aggregate")
			want := aggregate(all, tc.keep, tc.groupBy...)
			if len(got) != len(want) {
				t.Fatalf("%d groups, want %d:\n got %+v\nwant %+v", len(got), len(want), got, want)
			}
			for i := range want {
				if !mapsEqual(got[i].Key, want[i].Key) || got[i].Count != want[i].Count || got[i].Total != want[i].Total {
					t.Fatalf("group %d:\n got %+v\nwant %+v\n(all: %+v)", i, got[i], want[i], got)
				}
			}
		})
	}
	_, err := s.Purchases().Aggregate(t.Context(), registry.PurchaseFilter{}, "colour")
	wantErr(t, err, registry.ErrInvalid, "Aggregate by an unknown field")

	// A contract later cancelled leaves the figures; one reinstated
	// returns to them.
	total := func() int64 {
		g, err := s.Purchases().Aggregate(t.Context(), registry.PurchaseFilter{Contracted: true, IDs: []string{"p000", "p001"}})
		ok(t, err, "Aggregate contracted")
		if len(g) == 0 {
			return 0
		}
		return g[0].Total
	}
	before := total()
	p := all[1]
	p.Status, p.RowHash = "Cancelado", "cancelled"
	_, err = s.Purchases().UpsertBatch(t.Context(), []registry.Purchase{p}, nil)
	ok(t, err, "UpsertBatch cancel")
	if got := total(); got != before-p.Value {
		t.Fatalf("after cancelling p001 the contracted total is %d, want %d", got, before-p.Value)
	}
	p.Status, p.RowHash = "Liquidado", "settled"
	_, err = s.Purchases().UpsertBatch(t.Context(), []registry.Purchase{p}, nil)
	ok(t, err, "UpsertBatch settle")
	if got := total(); got != before {
		t.Fatalf("after settling p001 the contracted total is %d, want %d", got, before)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func testPurchaseScan(t *testing.T, s registry.Store) {
	all := purchaseFixture(t, s, 130)
	scan := func(f registry.PurchaseFilter) []string {
		var got []string
		ok(t, s.Purchases().Scan(t.Context(), f, func(batch []registry.Purchase) error {
			if len(batch) == 0 {
				t.Fatal("Scan called fn with an empty batch")
			}
			for _, p := range batch {
				got = append(got, p.ID)
			}
			return nil
		}), "Scan")
		return got
	}
	first := scan(registry.PurchaseFilter{})
	if second := scan(registry.PurchaseFilter{}); !slices.Equal(first, second) {
		t.Fatal("two scans of the same rows differ in order")
	}
	sorted := slices.Clone(first)
	slices.Sort(sorted)
	want := ids(all, func(p registry.Purchase) string { return p.ID })
	if !slices.Equal(sorted, want) {
		t.Fatalf("Scan saw %d rows (%d distinct expected)", len(first), len(want))
	}
	got := scan(registry.PurchaseFilter{BuyerNIT: fixtureBuyers[4], Year: 2022})
	slices.Sort(got)
	want = nil
	for _, p := range all {
		if p.BuyerNIT == fixtureBuyers[4] && p.Year == 2022 {
			want = append(want, p.ID)
		}
	}
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Fatalf("filtered Scan: got %v, want %v", got, want)
	}
	stop := errors.New("stop here")
	calls := 0
	err := s.Purchases().Scan(t.Context(), registry.PurchaseFilter{}, func([]registry.Purchase) error { calls++; return stop })
	wantErr(t, err, stop, "Scan returns fn's error")
	if calls != 1 {
		t.Fatalf("Scan went on after fn failed: %d calls", calls)
	}
}
