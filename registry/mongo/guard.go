package mongo

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// A guard is the condition of a write on one record. On MongoDB it is part
// of the command's filter, which makes the write a compare-and-set.
//
// FerretDB v1 evaluates every filter other than a bare {_id: x} by reading
// and decoding the whole collection, and its update and findAndModify are a
// read followed by a write, not atomic. So on FerretDB a guarded write runs
// under the database's write lock (see serialized) as: read the record by
// _id, check the guard in Go, write by _id. Both steps use FerretDB's _id
// lookup, and the lock makes the pair atomic.
type guard struct {
	rev    int64  // the record's Rev (0: any)
	free   bool   // no outbox pending on the record
	live   bool   // not a tombstone
	op     string // the record's outbox is this write's
	holder string // the mirror lease is held by holder
	owner  string // the URL claim is the asset owner's
	lease  *leaseGuard
}

// leaseGuard admits holder when the lease is free, expired at now, or
// already holder's.
type leaseGuard struct {
	holder string
	now    time.Time
}

func (g guard) filter(id string) bson.D {
	f := bson.D{{Key: "_id", Value: id}}
	if g.rev != 0 {
		f = append(f, bson.E{Key: "rev", Value: g.rev})
	}
	if g.free {
		f = append(f, noOutbox)
	}
	if g.live {
		f = append(f, bson.E{Key: deletedField, Value: bson.D{{Key: "$exists", Value: false}}})
	}
	if g.op != "" {
		f = append(f, bson.E{Key: pendingOp, Value: g.op})
	}
	if g.holder != "" {
		f = append(f, bson.E{Key: "leaseHolder", Value: g.holder})
	}
	if g.owner != "" {
		f = append(f, bson.E{Key: "assetId", Value: g.owner})
	}
	if g.lease != nil {
		f = append(f, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "leaseHolder", Value: bson.D{{Key: "$exists", Value: false}}}},
			bson.D{{Key: "leaseHolder", Value: ""}},
			bson.D{{Key: "leaseUntil", Value: bson.D{{Key: "$lte", Value: g.lease.now}}}},
			bson.D{{Key: "leaseHolder", Value: g.lease.holder}},
		}})
	}
	return f
}

// match checks the guard on a stored document (the FerretDB path).
func (g guard) match(doc bson.Raw) bool {
	has := func(k ...string) bool { _, err := doc.LookupErr(k...); return err == nil }
	str := func(k ...string) string { s, _ := doc.Lookup(k...).StringValueOK(); return s }
	if g.rev != 0 {
		if r, ok := doc.Lookup("rev").AsInt64OK(); !ok || r != g.rev {
			return false
		}
	}
	if g.free && has(pendingField) {
		return false
	}
	if g.live && has(deletedField) {
		return false
	}
	if g.op != "" && str(pendingField, "op") != g.op {
		return false
	}
	if g.holder != "" && str("leaseHolder") != g.holder {
		return false
	}
	if g.owner != "" && str("assetId") != g.owner {
		return false
	}
	if g.lease != nil {
		h := str("leaseHolder")
		until, ok := doc.Lookup("leaseUntil").TimeOK()
		expired := ok && !until.After(g.lease.now)
		if h != "" && h != g.lease.holder && !expired {
			return false
		}
	}
	return true
}

// ferretCheck reads record id and checks g; the caller holds the mutex.
func (s *Store) ferretCheck(ctx context.Context, c *mongo.Collection, id string, g guard) (bool, error) {
	raw, err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return g.match(raw), nil
}

// updateByID applies update to record id when g holds.
func (s *Store) updateByID(ctx context.Context, c *mongo.Collection, id string, g guard, update any) (ok bool, err error) {
	if !s.ferret {
		res, err := c.UpdateOne(ctx, g.filter(id), update)
		return err == nil && res.MatchedCount == 1, err
	}
	err = s.serialized(ctx, func() error {
		if ok, err = s.ferretCheck(ctx, c, id, g); !ok || err != nil {
			return err
		}
		res, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update)
		ok = err == nil && res.MatchedCount == 1
		return err
	})
	return ok, err
}

// replaceByID replaces record id by doc when g holds.
func (s *Store) replaceByID(ctx context.Context, c *mongo.Collection, id string, g guard, doc any) (ok bool, err error) {
	if !s.ferret {
		res, err := c.ReplaceOne(ctx, g.filter(id), doc)
		return err == nil && res.MatchedCount == 1, err
	}
	err = s.serialized(ctx, func() error {
		if ok, err = s.ferretCheck(ctx, c, id, g); !ok || err != nil {
			return err
		}
		res, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, doc)
		ok = err == nil && res.MatchedCount == 1
		return err
	})
	return ok, err
}

// deleteByID removes record id when g holds.
func (s *Store) deleteByID(ctx context.Context, c *mongo.Collection, id string, g guard) (ok bool, err error) {
	if !s.ferret {
		res, err := c.DeleteOne(ctx, g.filter(id))
		return err == nil && res.DeletedCount == 1, err
	}
	err = s.serialized(ctx, func() error {
		if ok, err = s.ferretCheck(ctx, c, id, g); !ok || err != nil {
			return err
		}
		res, err := c.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
		ok = err == nil && res.DeletedCount == 1
		return err
	})
	return ok, err
}

// findAndUpdateByID applies update to record id when g holds and returns
// the record after the update, or mongo.ErrNoDocuments.
func (s *Store) findAndUpdateByID(ctx context.Context, c *mongo.Collection, id string, g guard, update any) *mongo.SingleResult {
	after := options.FindOneAndUpdate().SetReturnDocument(options.After)
	if !s.ferret {
		return c.FindOneAndUpdate(ctx, g.filter(id), update, after)
	}
	var sr *mongo.SingleResult
	err := s.serialized(ctx, func() error {
		ok, err := s.ferretCheck(ctx, c, id, g)
		switch {
		case err != nil:
			return err
		case !ok:
			return mongo.ErrNoDocuments
		}
		sr = c.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}}, update, after)
		return nil
	})
	if err != nil {
		return mongo.NewSingleResultFromDocument(bson.D{}, err, nil)
	}
	return sr
}
