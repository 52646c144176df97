package graphql

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
)

// TestConnectionsWalk pages through connections one item at a time, both
// ways, through the store and through the index, and finds every item once.
func TestConnectionsWalk(t *testing.T) {
	e := newEnv(t)
	seedMany(t, e, 30)
	cases := []struct {
		name, field, args string
		total             int
	}{
		{"assets from the store", "assets", `orderBy: NAME`, 34},
		{"assets from the index", "assets", `query: "bulk"`, 30},
		{"assets with facets", "assets", `filter: {publisherNit: "899999053"}`, 12},
		{"entities", "entities", ``, 3},
		{"purchases", "purchases", `buyer: "890480184"`, 32},
		{"purchases by text", "purchases", `query: "desarrollo notificaciones"`, 1},
		{"adoptions", "adoptions", `entity: "890480184"`, 32},
		{"outdated adoptions", "adoptions", `outdatedOnly: true`, 91},
	}
	walk := func(t *testing.T, field, args string, backward bool) []string {
		var ids []string
		cursor := ""
		for i := 0; i < 200; i++ {
			page := "first: 7"
			if backward {
				page = "last: 7"
			}
			if cursor != "" {
				if backward {
					page += fmt.Sprintf(", before: %q", cursor)
				} else {
					page += fmt.Sprintf(", after: %q", cursor)
				}
			}
			sep := ""
			if args != "" {
				sep = ", "
			}
			extra := ""
			if field == "assets" && args != "" && args[0] == 'f' {
				extra = " facets { field }"
			}
			q := fmt.Sprintf(`{ c: %s(%s%s%s) { edges { node { ... on Node { id } } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }%s } }`, field, page, sep, args, extra)
			r := e.post("admin", q, nil)
			var res struct {
				Data struct {
					C struct {
						Edges []struct {
							Node struct{ ID string }
						}
						PageInfo struct {
							HasNextPage, HasPreviousPage bool
							StartCursor, EndCursor       string
						}
					}
				}
				Errors []interface{}
			}
			if err := json.Unmarshal(r.Body, &res); err != nil || len(res.Errors) > 0 {
				t.Fatalf("%s: %s", q, r.Body)
			}
			var got []string
			for _, ed := range res.Data.C.Edges {
				got = append(got, ed.Node.ID)
			}
			if backward {
				ids = append(got, ids...)
				if !res.Data.C.PageInfo.HasPreviousPage {
					return ids
				}
				cursor = res.Data.C.PageInfo.StartCursor
			} else {
				ids = append(ids, got...)
				if !res.Data.C.PageInfo.HasNextPage {
					return ids
				}
				cursor = res.Data.C.PageInfo.EndCursor
			}
		}
		t.Fatal("no end")
		return nil
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fwd := walk(t, c.field, c.args, false)
			uniq := slices.Clone(fwd)
			slices.Sort(uniq)
			if len(fwd) != c.total || len(slices.Compact(uniq)) != c.total {
				t.Fatalf("forwards: %d items (%d distinct), want %d", len(fwd), len(slices.Compact(uniq)), c.total)
			}
			if c.name == "outdated adoptions" {
				return // filtered after reading: pages go forwards
			}
			if back := walk(t, c.field, c.args, true); !slices.Equal(back, fwd) {
				t.Fatalf("backwards %v\nforwards %v", back, fwd)
			}
		})
	}
}
