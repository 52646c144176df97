package mongo

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/acervo-co/acervo/registry"
)

// sortSpec is one order of a list: a stored field, its direction, how to
// read the field's value from a record (for cursors) and how to read it
// back from a cursor. Ties are broken by _id in the same direction.
type sortSpec[T any] struct {
	field string
	desc  bool
	key   func(*T) any
	parse func(json.RawMessage) (any, error)
}

func parseAs[V any](raw json.RawMessage) (any, error) {
	var v V
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, registry.Invalid("cursor", "malformed cursor key")
	}
	return v, nil
}

func strSort[T any](field string, desc bool, key func(*T) string) sortSpec[T] {
	return sortSpec[T]{field: field, desc: desc, key: func(v *T) any { return key(v) }, parse: parseAs[string]}
}

func timeSort[T any](field string, desc bool, key func(*T) time.Time) sortSpec[T] {
	return sortSpec[T]{field: field, desc: desc, key: func(v *T) any { return key(v).UTC() }, parse: func(raw json.RawMessage) (any, error) {
		t, err := parseAs[time.Time](raw)
		if err != nil {
			return nil, err
		}
		return t.(time.Time).UTC(), nil
	}}
}

func intSort[T any](field string, desc bool, key func(*T) int64) sortSpec[T] {
	return sortSpec[T]{field: field, desc: desc, key: func(v *T) any { return key(v) }, parse: parseAs[int64]}
}

func floatSort[T any](field string, desc bool, key func(*T) float64) sortSpec[T] {
	return sortSpec[T]{field: field, desc: desc, key: func(v *T) any { return key(v) }, parse: parseAs[float64]}
}

// keyset selects the rows after (greater) or before a cursor position in
// (field, _id) order.
func keyset(field string, key any, id string, greater bool) bson.D {
	op := "$lt"
	if greater {
		op = "$gt"
	}
	return bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: field, Value: bson.D{{Key: op, Value: key}}}},
		bson.D{{Key: field, Value: key}, {Key: "_id", Value: bson.D{{Key: op, Value: id}}}},
	}}}
}

// listPage reads one keyset page of c's documents matching base.
func listPage[T any](ctx context.Context, c *mongo.Collection, base bson.D, name string, sp sortSpec[T], p registry.Page, idOf func(*T) string) (registry.List[T], error) {
	var l registry.List[T]
	if err := p.Validate(); err != nil {
		return l, err
	}
	n := p.Size()
	parts := []bson.D{base}
	for _, cur := range []struct {
		s     string
		after bool
	}{{p.After, true}, {p.Before, false}} {
		if cur.s == "" {
			continue
		}
		cr, err := registry.DecodeCursor(cur.s, name, nil)
		if err != nil {
			return l, err
		}
		key, err := sp.parse(cr.Key)
		if err != nil {
			return l, err
		}
		// After the cursor is "greater" in an ascending order.
		parts = append(parts, keyset(sp.field, key, cr.ID, cur.after != sp.desc))
	}
	backward := p.Backward()
	dir := 1
	if sp.desc {
		dir = -1
	}
	if backward {
		dir = -dir
	}
	o := options.Find().SetProjection(hidden).SetLimit(int64(n + 1)).
		SetSort(bson.D{{Key: sp.field, Value: dir}, {Key: "_id", Value: dir}})
	cur, err := c.Find(ctx, and(parts...), o)
	if err != nil {
		return l, err
	}
	items := []T{}
	if err := cur.All(ctx, &items); err != nil {
		return l, err
	}
	more := len(items) > n
	if more {
		items = items[:n]
	}
	if backward {
		slices.Reverse(items)
		l.PageInfo.HasPreviousPage = more
		l.PageInfo.HasNextPage = p.Before != ""
	} else {
		l.PageInfo.HasNextPage = more
		l.PageInfo.HasPreviousPage = p.After != ""
	}
	l.Items = items
	l.Cursors = make([]string, len(items))
	for i := range items {
		l.Cursors[i] = registry.EncodeCursor(name, sp.key(&items[i]), idOf(&items[i]))
	}
	if len(items) > 0 {
		l.PageInfo.StartCursor = l.Cursors[0]
		l.PageInfo.EndCursor = l.Cursors[len(l.Cursors)-1]
	}
	if p.WantTotal {
		if l.Total, err = c.CountDocuments(ctx, base); err != nil {
			return l, err
		}
	}
	return l, nil
}
