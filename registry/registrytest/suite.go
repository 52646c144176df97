package registrytest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// contextT shortens signatures.
type contextT = context.Context

// Opener returns a fresh, empty store. It registers the store's Close with
// t.Cleanup.
type Opener func(t *testing.T) registry.Store

// Run runs the conformance suite: one subtest per store and behaviour, each
// on a fresh store from open.
func Run(t *testing.T, open func(t *testing.T) registry.Store) {
	groups := []struct {
		name  string
		tests []subtest
	}{
		{"Assets", assetTests()},
		{"Releases", releaseTests()},
		{"Entities", entityTests()},
		{"Adoptions", adoptionTests()},
		{"Purchases", purchaseTests()},
		{"Links", linkTests()},
		{"Advisories", advisoryTests()},
		{"Mirrors", mirrorTests()},
		{"Users", userTests()},
		{"Tokens", tokenTests()},
		{"Audit", auditTests()},
		{"Imports", importTests()},
		{"Notices", noticeTests()},
		{"Webhooks", webhookTests()},
		{"Sessions", sessionTests()},
		{"Changes", changeTests()},
		{"Concurrency", concurrencyTests()},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, st := range g.tests {
				t.Run(st.name, func(t *testing.T) {
					s := open(t)
					st.fn(t, s)
				})
			}
		})
	}
}

type subtest struct {
	name string
	fn   func(t *testing.T, s registry.Store)
}

// at is the suite's fixed clock: minutes after 2024-03-01 12:00 UTC.
func at(minutes int) time.Time {
	return time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(minutes) * time.Minute)
}

func ptr[T any](v T) *T { return &v }

// event is the audit event the suite passes with each write.
func event(action, kind, id string) *registry.AuditEvent {
	return &registry.AuditEvent{
		At: at(0), Actor: "user-admin", ActorName: "admin", Action: action,
		TargetKind: kind, TargetID: id, RequestID: "req-" + action + "-" + id,
	}
}

func ok(t *testing.T, err error, what string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(what, args...), err)
	}
}

func wantErr(t *testing.T, err, target error, what string, args ...any) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: error %v, want %v", fmt.Sprintf(what, args...), err, target)
	}
}

// same compares two values through their JSON form, ignoring empty values
// and time zones, so stores may return nil or empty slices alike.
func same(t *testing.T, what string, want, got any) {
	t.Helper()
	w, g := normal(want), normal(got)
	if !reflect.DeepEqual(w, g) {
		wb, _ := json.MarshalIndent(w, "", " ")
		gb, _ := json.MarshalIndent(g, "", " ")
		t.Fatalf("%s:\n got %s\nwant %s", what, gb, wb)
	}
}

func normal(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		panic(err)
	}
	return prune(x)
}

func prune(x any) any {
	switch v := x.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			if p := prune(e); p != nil {
				out[k] = p
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		if len(v) == 0 {
			return nil
		}
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = prune(e)
		}
		return out
	case string:
		if v == "" {
			return nil
		}
		if tm, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return tm.UTC().Format(time.RFC3339Nano)
		}
		return v
	case bool:
		if !v {
			return nil
		}
		return v
	case float64:
		if v == 0 {
			return nil
		}
		return v
	}
	return x
}

// changesAfter reads the whole change sequence after seq.
func changesAfter(t *testing.T, s registry.Store, after int64) []registry.Change {
	t.Helper()
	var out []registry.Change
	for {
		cs, err := s.Changes(t.Context(), after, 50)
		ok(t, err, "Changes(%d, 50)", after)
		if len(cs) > 50 {
			t.Fatalf("Changes(%d, 50) returned %d changes", after, len(cs))
		}
		if len(cs) == 0 {
			return out
		}
		for _, c := range cs {
			if c.Seq <= after {
				t.Fatalf("Changes: seq %d not after %d", c.Seq, after)
			}
			after = c.Seq
		}
		out = append(out, cs...)
	}
}

func lastSeq(t *testing.T, s registry.Store) int64 {
	t.Helper()
	cs := changesAfter(t, s, 0)
	if len(cs) == 0 {
		return 0
	}
	return cs[len(cs)-1].Seq
}

// oneChange checks that exactly one change was recorded after seq, and
// returns its Seq.
func oneChange(t *testing.T, s registry.Store, after int64, kind, id string, deleted bool) int64 {
	t.Helper()
	cs := changesAfter(t, s, after)
	if len(cs) != 1 {
		t.Fatalf("changes after %d: %+v, want one %s %s change", after, cs, kind, id)
	}
	c := cs[0]
	if c.Kind != kind || c.ID != id || c.Deleted != deleted {
		t.Fatalf("change %+v, want kind %s id %s deleted %v", c, kind, id, deleted)
	}
	return c.Seq
}

func noChange(t *testing.T, s registry.Store, after int64) {
	t.Helper()
	if cs := changesAfter(t, s, after); len(cs) != 0 {
		t.Fatalf("changes after %d: %+v, want none", after, cs)
	}
}

// auditOf lists every audit event of a target, newest first.
func auditOf(t *testing.T, s registry.Store, targetID string) []registry.AuditEvent {
	t.Helper()
	var out []registry.AuditEvent
	after := ""
	for {
		l, err := s.Audit().List(t.Context(), registry.AuditFilter{TargetID: targetID, Page: registry.Page{First: 100, After: after}})
		ok(t, err, "Audit.List(target %s)", targetID)
		out = append(out, l.Items...)
		if !l.PageInfo.HasNextPage {
			return out
		}
		after = l.PageInfo.EndCursor
	}
}

// audited checks that the newest audit event of target has action.
func audited(t *testing.T, s registry.Store, targetID, action string, n int) {
	t.Helper()
	evs := auditOf(t, s, targetID)
	if len(evs) != n {
		t.Fatalf("audit events of %s: %d, want %d: %+v", targetID, len(evs), n, evs)
	}
	if n > 0 && evs[0].Action != action {
		t.Fatalf("newest audit event of %s is %q, want %q", targetID, evs[0].Action, action)
	}
	if n > 0 && evs[0].ID == "" {
		t.Fatalf("audit event of %s has no id", targetID)
	}
}

// pager lists one page with a fixed filter.
type pager[T any] func(ctx context.Context, p registry.Page) (registry.List[T], error)

// checkPages walks a list forward and backward with several page sizes and
// checks every page against want (ids in order).
func checkPages[T any](t *testing.T, list pager[T], id func(T) string, want []string) {
	t.Helper()
	ctx := t.Context()
	if want == nil {
		want = []string{}
	}
	// One big page, with the total.
	l, err := list(ctx, registry.Page{First: registry.MaxPageSize, WantTotal: true})
	ok(t, err, "list first page")
	if l.Total != int64(len(want)) {
		t.Fatalf("Total = %d, want %d", l.Total, len(want))
	}
	if len(want) <= registry.MaxPageSize {
		got := ids(l.Items, id)
		if !slices.Equal(got, want) {
			t.Fatalf("list:\n got %v\nwant %v", got, want)
		}
		if l.PageInfo.HasNextPage || l.PageInfo.HasPreviousPage {
			t.Fatalf("single page reports more pages: %+v", l.PageInfo)
		}
	}
	// Default page size.
	l, err = list(ctx, registry.Page{})
	ok(t, err, "list with default page")
	if n := min(20, len(want)); len(l.Items) != n {
		t.Fatalf("default page has %d items, want %d", len(l.Items), n)
	}

	cursors := map[string]string{}
	for _, size := range []int{2, 7} {
		// Forward.
		var got []string
		after := ""
		for i := 0; ; i++ {
			if i > len(want)+1 {
				t.Fatalf("forward pagination (size %d) does not end", size)
			}
			l, err := list(ctx, registry.Page{First: size, After: after})
			ok(t, err, "forward page %d (size %d)", i, size)
			checkPage(t, l, id, size)
			if l.PageInfo.HasPreviousPage != (after != "") {
				t.Fatalf("forward page %d: HasPreviousPage = %v with after %q", i, l.PageInfo.HasPreviousPage, after)
			}
			for j, it := range l.Items {
				got = append(got, id(it))
				cursors[id(it)] = l.Cursors[j]
			}
			if !l.PageInfo.HasNextPage {
				break
			}
			if len(l.Items) != size {
				t.Fatalf("forward page %d has %d items and a next page", i, len(l.Items))
			}
			after = l.PageInfo.EndCursor
		}
		if !slices.Equal(orEmpty(got), want) {
			t.Fatalf("forward walk (size %d):\n got %v\nwant %v", size, got, want)
		}
		// Backward.
		var pages [][]string
		before := ""
		for i := 0; ; i++ {
			if i > len(want)+1 {
				t.Fatalf("backward pagination (size %d) does not end", size)
			}
			l, err := list(ctx, registry.Page{Last: size, Before: before})
			ok(t, err, "backward page %d (size %d)", i, size)
			checkPage(t, l, id, size)
			if l.PageInfo.HasNextPage != (before != "") {
				t.Fatalf("backward page %d: HasNextPage = %v with before %q", i, l.PageInfo.HasNextPage, before)
			}
			pages = append([][]string{ids(l.Items, id)}, pages...)
			if !l.PageInfo.HasPreviousPage {
				break
			}
			if len(l.Items) != size {
				t.Fatalf("backward page %d has %d items and a previous page", i, len(l.Items))
			}
			before = l.PageInfo.StartCursor
		}
		got = []string{}
		for _, p := range pages {
			got = append(got, p...)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("backward walk (size %d):\n got %v\nwant %v", size, got, want)
		}
	}
	// From the middle, both ways (every third row, and the last).
	for k := range want {
		if k%3 != 0 && k != len(want)-1 {
			continue
		}
		c := cursors[want[k]]
		l, err := list(ctx, registry.Page{First: 2, After: c})
		ok(t, err, "page after %s", want[k])
		if got, w := ids(l.Items, id), want[k+1:min(k+3, len(want))]; !slices.Equal(orEmpty(got), orEmpty(w)) {
			t.Fatalf("2 after %s: got %v, want %v", want[k], got, w)
		}
		l, err = list(ctx, registry.Page{Last: 2, Before: c})
		ok(t, err, "page before %s", want[k])
		if got, w := ids(l.Items, id), want[max(0, k-2):k]; !slices.Equal(orEmpty(got), orEmpty(w)) {
			t.Fatalf("2 before %s: got %v, want %v", want[k], got, w)
		}
		if l.PageInfo.HasPreviousPage != (k > 2) {
			t.Fatalf("2 before %s (index %d): HasPreviousPage = %v", want[k], k, l.PageInfo.HasPreviousPage)
		}
	}
}

func checkPage[T any](t *testing.T, l registry.List[T], id func(T) string, size int) {
	t.Helper()
	if len(l.Items) > size {
		t.Fatalf("page of %d has %d items", size, len(l.Items))
	}
	if len(l.Cursors) != len(l.Items) {
		t.Fatalf("page has %d items and %d cursors", len(l.Items), len(l.Cursors))
	}
	if len(l.Items) > 0 {
		if l.PageInfo.StartCursor != l.Cursors[0] || l.PageInfo.EndCursor != l.Cursors[len(l.Cursors)-1] {
			t.Fatalf("start/end cursors %q/%q do not match the row cursors", l.PageInfo.StartCursor, l.PageInfo.EndCursor)
		}
	}
	for _, c := range l.Cursors {
		if c == "" {
			t.Fatal("empty cursor")
		}
	}
}

func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// listCase is one filter and sort of a store's List, with its expectation
// computed in Go.
type listCase[T any] struct {
	name string
	list pager[T]
	keep func(T) bool
	less func(a, b T) bool // strict order, ties already broken by id
}

func runListCases[T any](t *testing.T, all []T, id func(T) string, cases []listCase[T]) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var want []T
			for _, x := range all {
				if c.keep == nil || c.keep(x) {
					want = append(want, x)
				}
			}
			sort.SliceStable(want, func(i, j int) bool { return c.less(want[i], want[j]) })
			w := ids(want, id)
			if len(w) == 0 && !strings.HasPrefix(c.name, "none") {
				t.Fatalf("case %s selects nothing: the fixture does not exercise it", c.name)
			}
			checkPages(t, c.list, id, w)
		})
	}
}

// Orders. asc/desc compare a sort key and break ties by id in the same
// direction, as registry.Page documents.
func ascStr(a, b, ida, idb string) bool {
	if a != b {
		return a < b
	}
	return ida < idb
}

func descTime(a, b time.Time, ida, idb string) bool {
	if !a.Equal(b) {
		return a.After(b)
	}
	return ida > idb
}

func ascTime(a, b time.Time, ida, idb string) bool {
	if !a.Equal(b) {
		return a.Before(b)
	}
	return ida < idb
}

func descNum[N int64 | float64](a, b N, ida, idb string) bool {
	if a != b {
		return a > b
	}
	return ida > idb
}

// badPages checks that a List refuses malformed pages and cursors.
func badPages[T any](t *testing.T, list func(p registry.Page, sort string) (registry.List[T], error), sorts []string) {
	t.Helper()
	_, err := list(registry.Page{First: registry.MaxPageSize + 1}, "")
	wantErr(t, err, registry.ErrInvalid, "page of %d", registry.MaxPageSize+1)
	_, err = list(registry.Page{First: 2, Last: 2}, "")
	wantErr(t, err, registry.ErrInvalid, "first and last")
	_, err = list(registry.Page{First: 2, After: "not a cursor!"}, "")
	wantErr(t, err, registry.ErrInvalid, "malformed cursor")
	_, err = list(registry.Page{First: 2}, "NO_SUCH_SORT")
	wantErr(t, err, registry.ErrInvalid, "unknown sort")
	if len(sorts) >= 2 {
		l, err := list(registry.Page{First: 1}, sorts[0])
		ok(t, err, "list by %s", sorts[0])
		if len(l.Cursors) == 0 {
			t.Fatal("badPages needs at least one row")
		}
		_, err = list(registry.Page{First: 1, After: l.Cursors[0]}, sorts[1])
		wantErr(t, err, registry.ErrInvalid, "cursor of sort %s used with sort %s", sorts[0], sorts[1])
	}
}
