package mongo

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/acervo-co/acervo/registry"
)

// maxAttempts bounds the retries of a write that meets a concurrent one.
const maxAttempts = 20

// kindStore holds what every record type shares: its collection, how to
// build its document, and the create/update/delete protocol.
type kindStore[T any] struct {
	s      *Store
	c      *mongo.Collection
	kind   string // change kind; empty for records that take no change number
	target string // audit target kind
	meta   func(*T) (*string, *int64)
	extra  func(*T) bson.D // derived fields
	keys   []string        // every top-level key of a document, for $unset
}

func newKind[T any](s *Store, c *mongo.Collection, kind string, meta func(*T) (*string, *int64), extra func(*T) bson.D, extraKeys ...string) *kindStore[T] {
	if extra == nil {
		extra = func(*T) bson.D { return nil }
	}
	return &kindStore[T]{s: s, c: c, kind: kind, target: kind, meta: meta, extra: extra, keys: keysOf[T](extraKeys...)}
}

// live restricts a filter to records that are not tombstones.
func live(f bson.D) bson.D {
	out := make(bson.D, len(f), len(f)+1)
	copy(out, f)
	return append(out, bson.E{Key: deletedField, Value: bson.D{{Key: "$exists", Value: false}}})
}

// noOutbox selects records without a pending outbox.
var noOutbox = bson.E{Key: pendingField, Value: bson.D{{Key: "$exists", Value: false}}}

// hidden is the projection that leaves the bookkeeping out of reads.
var hidden = bson.D{{Key: pendingField, Value: 0}}

func (k *kindStore[T]) doc(v *T) (bson.D, error) {
	id, _ := k.meta(v)
	return docOf(*id, v, k.extra(v))
}

// one reads the record matching f.
func (k *kindStore[T]) one(ctx context.Context, f bson.D) (T, error) {
	var v T
	err := k.c.FindOne(ctx, live(f), options.FindOne().SetProjection(hidden)).Decode(&v)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return v, registry.ErrNotFound
	}
	return v, err
}

// get reads record id. The filter is the bare {_id: id} that FerretDB
// answers without a scan; tombstones are left out here.
func (k *kindStore[T]) get(ctx context.Context, id string) (T, error) {
	var v T
	sr := k.c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(hidden))
	raw, err := sr.Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return v, fmt.Errorf("%w: %s %s", registry.ErrNotFound, k.target, id)
	}
	if err != nil {
		return v, err
	}
	if _, err := raw.LookupErr(deletedField); err == nil {
		return v, fmt.Errorf("%w: %s %s", registry.ErrNotFound, k.target, id)
	}
	return v, sr.Decode(&v)
}

// all reads every record matching f.
func (k *kindStore[T]) all(ctx context.Context, f bson.D, sort bson.D) ([]T, error) {
	o := options.Find().SetProjection(hidden)
	if sort != nil {
		o.SetSort(sort)
	}
	cur, err := k.c.Find(ctx, live(f), o)
	if err != nil {
		return nil, err
	}
	out := []T{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// many reads the records whose field is one of vals, in the order of vals;
// missing ones are skipped.
func (k *kindStore[T]) many(ctx context.Context, field string, vals []string, keyOf func(*T) string) ([]T, error) {
	if len(vals) == 0 {
		return []T{}, nil
	}
	found, err := k.all(ctx, bson.D{{Key: field, Value: bson.D{{Key: "$in", Value: vals}}}}, nil)
	if err != nil {
		return nil, err
	}
	by := make(map[string]int, len(found))
	for i := range found {
		by[keyOf(&found[i])] = i
	}
	out := make([]T, 0, len(found))
	seen := map[string]bool{}
	for _, v := range vals {
		if i, ok := by[v]; ok && !seen[v] {
			seen[v] = true
			out = append(out, found[i])
		}
	}
	return out, nil
}

// create inserts v with Rev 1 (and a new id when it has none).
func (k *kindStore[T]) create(ctx context.Context, v *T, ev *registry.AuditEvent) error {
	idp, revp := k.meta(v)
	if *idp == "" {
		*idp = registry.NewID(k.s.cfg.now())
	}
	old := *revp
	*revp = 1
	d, err := k.doc(v)
	*revp = old
	if err != nil {
		return err
	}
	err = k.s.write(ctx, writeReq{c: k.c, kind: k.kind, target: k.target, id: *idp, ev: ev,
		apply: func(ctx context.Context, p *pendingDoc) error { return k.insert(ctx, d, p) }})
	if err == nil {
		*revp = 1
	}
	return err
}

// insert inserts a document carrying its outbox. A duplicate key is a
// conflict, unless it was held by a tombstone a stopped process left: then
// the tombstones are finished and the insert tried again.
func (k *kindStore[T]) insert(ctx context.Context, d bson.D, p *pendingDoc) error {
	d = append(d[:len(d):len(d)], bson.E{Key: pendingField, Value: p})
	for attempt := 0; ; attempt++ {
		_, err := k.s.insertOne(ctx, k.c, d)
		if !isDup(err) {
			return err
		}
		if attempt > 0 {
			return fmt.Errorf("%w: %s %s: a unique key is taken", registry.ErrConflict, k.kind, p.ID)
		}
		n, serr := k.s.sweepTombstones(ctx, k.c)
		if serr != nil || n == 0 {
			return fmt.Errorf("%w: %s %s: a unique key is taken", registry.ErrConflict, k.kind, p.ID)
		}
	}
}

// update replaces the stored record by v when v.Rev matches, and
// increments v.Rev.
func (k *kindStore[T]) update(ctx context.Context, v *T, ev *registry.AuditEvent) error {
	idp, revp := k.meta(v)
	id, rev := *idp, *revp
	if id == "" {
		return fmt.Errorf("%w: %s without id", registry.ErrNotFound, k.kind)
	}
	*revp = rev + 1
	d, err := k.doc(v)
	*revp = rev
	if err != nil {
		return err
	}
	err = k.s.write(ctx, writeReq{c: k.c, kind: k.kind, target: k.target, id: id, ev: ev,
		apply: func(ctx context.Context, p *pendingDoc) error {
			return k.conditional(ctx, id, rev, setUnset(d, k.keys, bson.E{Key: pendingField, Value: p}))
		}})
	if err == nil {
		*revp = rev + 1
	}
	return err
}

// conditional applies update to record id when its Rev is rev (any Rev when
// rev is 0) and no other write's outbox is pending on it.
func (k *kindStore[T]) conditional(ctx context.Context, id string, rev int64, update bson.D) error {
	g := guard{rev: rev, free: true, live: true}
	for range maxAttempts {
		ok, err := k.s.updateByID(ctx, k.c, id, g, update)
		if isDup(err) {
			return fmt.Errorf("%w: %s %s: a unique key is taken", registry.ErrConflict, k.target, id)
		}
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if err := k.s.blocked(ctx, k.c, k.kind, id, rev); err != nil {
			return err
		}
	}
	return fmt.Errorf("%w: %s %s: too many concurrent writes", registry.ErrConflict, k.kind, id)
}

// blocked explains why a conditional write matched nothing: the record is
// gone (ErrNotFound), its Rev moved on (ErrConflict), or another write's
// outbox is still on it (published here, then the caller tries again).
func (s *Store) blocked(ctx context.Context, c *mongo.Collection, kind, id string, rev int64) error {
	var m struct {
		Rev     int64       `bson:"rev"`
		Pending *pendingDoc `bson:"_pending"`
		Deleted bool        `bson:"_deleted"`
	}
	err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&m)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return fmt.Errorf("%w: %s %s", registry.ErrNotFound, kind, id)
	case err != nil:
		return err
	case m.Pending != nil:
		return s.publish(ctx, c, m.Pending)
	case m.Deleted:
		return fmt.Errorf("%w: %s %s", registry.ErrNotFound, kind, id)
	case rev != 0 && m.Rev != rev:
		return fmt.Errorf("%w: %s %s is at revision %d, not %d", registry.ErrConflict, kind, id, m.Rev, rev)
	}
	return nil
}

// delete removes record id when its Rev is rev (any Rev when rev is 0).
func (k *kindStore[T]) delete(ctx context.Context, id string, rev int64, ev *registry.AuditEvent) error {
	return k.s.write(ctx, writeReq{c: k.c, kind: k.kind, target: k.target, id: id, deleted: true, ev: ev,
		apply: func(ctx context.Context, p *pendingDoc) error {
			return k.conditional(ctx, id, rev, bson.D{
				{Key: "$set", Value: bson.D{{Key: deletedField, Value: true}, {Key: pendingField, Value: p}}},
				{Key: "$inc", Value: bson.D{{Key: "rev", Value: int64(1)}}},
			})
		}})
}

// sweepTombstones finishes the deletes a stopped process left in c.
func (s *Store) sweepTombstones(ctx context.Context, c *mongo.Collection) (int, error) {
	return s.sweepCollection(ctx, c)
}

// page lists one page of the records matching base in the order of sort.
func (k *kindStore[T]) page(ctx context.Context, base bson.D, sorts map[string]sortSpec[T], name, def string, p registry.Page) (registry.List[T], error) {
	if name == "" {
		name = def
	}
	sp, ok := sorts[name]
	if !ok {
		return registry.List[T]{}, registry.Invalid("sort", "unknown sort %q", name)
	}
	return listPage(ctx, k.c, live(base), name, sp, p, func(v *T) string { id, _ := k.meta(v); return *id })
}

// conds collects the conditions of a filter; and() joins them.
type conds []bson.D

func (c *conds) eq(field string, v any) { *c = append(*c, bson.D{{Key: field, Value: v}}) }

// eqStr filters field by v when v is not empty.
func (c *conds) eqStr(field, v string) {
	if v != "" {
		c.eq(field, v)
	}
}

// in filters field by any of vals when vals is not nil (an empty, non-nil
// list matches nothing).
func (c *conds) in(field string, vals []string) {
	if vals != nil {
		c.eq(field, bson.D{{Key: "$in", Value: vals}})
	}
}

func (c conds) and() bson.D { return and(c...) }

// and joins filters that may repeat keys.
func and(fs ...bson.D) bson.D {
	var parts bson.A
	for _, f := range fs {
		if len(f) > 0 {
			parts = append(parts, f)
		}
	}
	switch len(parts) {
	case 0:
		return bson.D{}
	case 1:
		return parts[0].(bson.D)
	}
	return bson.D{{Key: "$and", Value: parts}}
}
