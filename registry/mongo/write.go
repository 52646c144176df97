package mongo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/acervo-co/acervo/registry"
)

// The write protocol (the package documentation explains why):
//
//  1. take the next change number(s) and audit number from the counters
//     document (findOneAndUpdate with $inc);
//  2. apply the write to the record itself, atomically carrying its own
//     outbox: a _pending sub-document with the change numbers and the audit
//     event. A delete is a tombstone (_deleted) at this step;
//  3. publish: insert the change entries (_id = number) and the audit event
//     (_id = event id); both inserts are idempotent;
//  4. clear _pending (or remove the tombstone).
//
// A refused write (conflict, duplicate, missing record) voids its change
// number with a void entry so readers of the sequence do not wait for it.

// pendingDoc is the outbox a write leaves on its record until published.
type pendingDoc struct {
	Op      string       `bson:"op"`
	Kind    string       `bson:"kind,omitempty"`
	ID      string       `bson:"id"`
	Deleted bool         `bson:"deleted,omitempty"`
	Seqs    []int64      `bson:"seqs,omitempty"`
	Audit   *auditRecord `bson:"audit,omitempty"`
	At      time.Time    `bson:"at"`
}

// auditRecord is a stored audit event.
type auditRecord struct {
	MID                 string `bson:"_id"`
	registry.AuditEvent `bson:",inline"`
	Seq                 int64 `bson:"seq"`
}

// changeDoc is one entry of the change sequence.
type changeDoc struct {
	Seq     int64     `bson:"_id"`
	Kind    string    `bson:"kind,omitempty"`
	ID      string    `bson:"id,omitempty"`
	Deleted bool      `bson:"deleted,omitempty"`
	Void    bool      `bson:"void,omitempty"`
	At      time.Time `bson:"at"`
}

// writeReq describes one record write.
type writeReq struct {
	c       *mongo.Collection
	kind    string // change kind; empty: the write takes no change number
	target  string // audit target kind when the event has none
	id      string
	deleted bool
	ev      *registry.AuditEvent
	apply   func(ctx context.Context, p *pendingDoc) error
}

// at runs the test hook of a write point.
func (s *Store) at(point string) error {
	if s.hook == nil {
		return nil
	}
	return s.hook(point)
}

// fillEvent completes an audit event with its id and target.
func (s *Store) fillEvent(ev *registry.AuditEvent, kind, id string) {
	if ev.ID == "" {
		ev.ID = registry.NewID(s.cfg.now())
	}
	if ev.TargetKind == "" {
		ev.TargetKind = kind
	}
	if ev.TargetID == "" {
		ev.TargetID = id
	}
	if ev.At.IsZero() {
		ev.At = s.now()
	}
}

func (s *Store) newPending(kind, id string, deleted bool, seqs []int64, rec *auditRecord) *pendingDoc {
	return &pendingDoc{Op: registry.NewID(s.cfg.now()), Kind: kind, ID: id, Deleted: deleted, Seqs: seqs, Audit: rec, At: s.now()}
}

// write runs the protocol for one record.
func (s *Store) write(ctx context.Context, r writeReq) error {
	nc := 0
	if r.kind != "" {
		nc = 1
	}
	var rec *auditRecord
	if r.ev != nil {
		// The caller's event gets its id and target only when the write
		// succeeds: a retried upsert may write another record.
		ev := *r.ev
		s.fillEvent(&ev, r.target, r.id)
		rec = &auditRecord{MID: ev.ID, AuditEvent: ev}
	}
	seqs, aseq, err := s.next(ctx, nc, rec != nil)
	if err != nil {
		return err
	}
	if rec != nil {
		rec.Seq = aseq
	}
	p := s.newPending(r.kind, r.id, r.deleted, seqs, rec)
	if err := s.at("apply"); err != nil {
		return err
	}
	if err := r.apply(ctx, p); err != nil {
		s.voidSeqs(ctx, seqs)
		return err
	}
	if err := s.at("publish"); err != nil {
		return err
	}
	if rec != nil {
		*r.ev = rec.AuditEvent
	}
	if err := s.publish(ctx, r.c, p); err != nil {
		return fmt.Errorf("mongo: %s %s was written but its change is not published yet (the next sweep publishes it): %w", r.kind, r.id, err)
	}
	return nil
}

// next takes nc change numbers and, when audit, one audit number.
func (s *Store) next(ctx context.Context, nc int, audit bool) ([]int64, int64, error) {
	inc := bson.D{}
	if nc > 0 {
		inc = append(inc, bson.E{Key: "change", Value: int64(nc)})
	}
	if audit {
		inc = append(inc, bson.E{Key: "audit", Value: int64(1)})
	}
	if len(inc) == 0 {
		return nil, 0, nil
	}
	var c struct {
		Change int64 `bson:"change"`
		Audit  int64 `bson:"audit"`
	}
	opts := options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)
	var err error
	for range 3 { // a first upsert may race another on the new document
		err = s.serialized(ctx, func() error {
			return s.countersC.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: "seq"}}, bson.D{{Key: "$inc", Value: inc}}, opts).Decode(&c)
		})
		if !isDup(err) {
			break
		}
	}
	if err != nil {
		return nil, 0, fmt.Errorf("mongo: next change number: %w", err)
	}
	seqs := make([]int64, nc)
	for i := range seqs {
		seqs[i] = c.Change - int64(nc) + 1 + int64(i)
	}
	return seqs, c.Audit, nil
}

// voidSeqs marks change numbers of refused writes as void so that readers
// of the sequence do not wait for them. It reports the numbers that were
// already published (by a concurrent sweep of a write that did happen).
func (s *Store) voidSeqs(ctx context.Context, seqs []int64) map[int64]bool {
	if len(seqs) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	now := s.now()
	docs := make([]any, len(seqs))
	for i, q := range seqs {
		docs[i] = changeDoc{Seq: q, Void: true, At: now}
	}
	_, err := s.insertMany(ctx, s.changesC, docs, options.InsertMany().SetOrdered(false))
	taken := map[int64]bool{}
	for _, i := range duplicateIndexes(err) {
		var c changeDoc
		if s.changesC.FindOne(ctx, bson.D{{Key: "_id", Value: seqs[i]}}).Decode(&c) == nil && !c.Void {
			taken[seqs[i]] = true
		}
	}
	if err != nil && !onlyDuplicates(err) {
		s.logger().Warn("mongo: voiding change numbers failed; readers repair the hole after the grace period", "seqs", seqs, "err", err)
	}
	return taken
}

// publish publishes one pending write and clears it from its record.
func (s *Store) publish(ctx context.Context, c *mongo.Collection, p *pendingDoc) error {
	if err := s.publishEntries(ctx, []*pendingDoc{p}); err != nil {
		return err
	}
	if err := s.at("clear"); err != nil {
		return err
	}
	return s.clearPending(ctx, c, p)
}

// publishEntries inserts the change entries and audit events of pending
// writes. Entries already there are left alone; a change number that a
// reader voided in the meantime is replaced by a fresh one.
func (s *Store) publishEntries(ctx context.Context, ps []*pendingDoc) error {
	now := s.now()
	var docs []any
	var owners []*pendingDoc
	for _, p := range ps {
		for _, q := range p.Seqs {
			docs = append(docs, changeDoc{Seq: q, Kind: p.Kind, ID: p.ID, Deleted: p.Deleted, At: now})
			owners = append(owners, p)
		}
	}
	if len(docs) > 0 {
		_, err := s.insertMany(ctx, s.changesC, docs, options.InsertMany().SetOrdered(false))
		if err != nil && !onlyDuplicates(err) {
			return err
		}
		for _, i := range duplicateIndexes(err) {
			d := docs[i].(changeDoc)
			var c changeDoc
			if err := s.changesC.FindOne(ctx, bson.D{{Key: "_id", Value: d.Seq}}).Decode(&c); err != nil {
				return err
			}
			if !c.Void {
				continue // published by a concurrent sweep
			}
			if err := s.resequence(ctx, owners[i], d); err != nil {
				return err
			}
		}
	}
	var audits []any
	for _, p := range ps {
		if p.Audit != nil {
			audits = append(audits, p.Audit)
		}
	}
	if len(audits) > 0 {
		_, err := s.insertMany(ctx, s.auditC, audits, options.InsertMany().SetOrdered(false))
		if err != nil && !onlyDuplicates(err) {
			return err
		}
	}
	return nil
}

// resequence publishes a change whose number was voided by a reader that
// gave up waiting for it under a fresh number.
func (s *Store) resequence(ctx context.Context, p *pendingDoc, d changeDoc) error {
	for range 5 {
		seqs, _, err := s.next(ctx, 1, false)
		if err != nil {
			return err
		}
		d.Seq = seqs[0]
		d.At = s.now()
		_, err = s.insertOne(ctx, s.changesC, d)
		if err == nil {
			s.logger().Info("mongo: change published under a new number", "kind", p.Kind, "id", p.ID, "seq", d.Seq)
			return nil
		}
		if !isDup(err) {
			return err
		}
	}
	return fmt.Errorf("mongo: could not publish the change of %s %s", p.Kind, p.ID)
}

// clearPending removes a published outbox from its record, or the record
// itself when it is a tombstone.
func (s *Store) clearPending(ctx context.Context, c *mongo.Collection, p *pendingDoc) error {
	g := guard{op: p.Op}
	if p.Deleted {
		_, err := s.deleteByID(ctx, c, p.ID, g)
		return err
	}
	_, err := s.updateByID(ctx, c, p.ID, g, bson.D{{Key: "$unset", Value: bson.D{{Key: pendingField, Value: ""}}}})
	return err
}

// outboxCollections are the collections whose writes carry an outbox.
func (s *Store) outboxCollections() []*mongo.Collection {
	return []*mongo.Collection{s.assetsC, s.releasesC, s.entitiesC, s.adoptionsC, s.purchasesC, s.linksC,
		s.advisoriesC, s.mirrorsC, s.usersC, s.tokensC, s.webhooksC}
}

// sweep publishes every outbox left on a record: writes that happened but
// whose process stopped before publishing them.
func (s *Store) sweep(ctx context.Context) error {
	for _, c := range s.outboxCollections() {
		if _, err := s.sweepCollection(ctx, c); err != nil {
			return fmt.Errorf("%s: %w", c.Name(), err)
		}
	}
	return nil
}

func (s *Store) sweepCollection(ctx context.Context, c *mongo.Collection) (int, error) {
	cur, err := c.Find(ctx, bson.D{{Key: pendingOp, Value: bson.D{{Key: "$exists", Value: true}}}},
		options.Find().SetProjection(bson.D{{Key: pendingField, Value: 1}}))
	if err != nil {
		return 0, err
	}
	var docs []struct {
		Pending *pendingDoc `bson:"_pending"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return 0, err
	}
	n := 0
	for _, d := range docs {
		if d.Pending == nil {
			continue
		}
		if err := s.publish(ctx, c, d.Pending); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Changes returns up to limit changes after the given number, in order. It
// stops before a hole in the sequence (a write between taking its number
// and publishing it), so a reader never skips a change it has not seen. A
// hole older than the grace period was left by a stopped writer: Changes
// then publishes every outbox left on records and voids what is still
// missing.
func (s *Store) Changes(ctx context.Context, after int64, limit int) ([]registry.Change, error) {
	if limit <= 0 {
		return nil, nil
	}
	out := make([]registry.Change, 0, min(limit, 1000))
	repaired := false
	for {
		want := int64(limit - len(out) + 16)
		cur, err := s.changesC.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}},
			options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(want))
		if err != nil {
			return nil, err
		}
		var docs []changeDoc
		if err := cur.All(ctx, &docs); err != nil {
			return nil, err
		}
		hole := false
		for _, d := range docs {
			if d.Seq != after+1 {
				if repaired || s.now().Sub(d.At) < s.cfg.grace {
					return out, nil
				}
				if err := s.repairHole(ctx, after+1, d.Seq-1); err != nil {
					return nil, err
				}
				repaired, hole = true, true
				break
			}
			after = d.Seq
			if d.Void {
				continue
			}
			out = append(out, registry.Change{Seq: d.Seq, Kind: d.Kind, ID: d.ID, Deleted: d.Deleted})
			if len(out) == limit {
				return out, nil
			}
		}
		if !hole && int64(len(docs)) < want {
			return out, nil
		}
	}
}

// repairHole fills the numbers from..to that no writer published within the
// grace period: outboxes left on records are published first (their own
// numbers fill the hole); what is still missing is voided.
func (s *Store) repairHole(ctx context.Context, from, to int64) error {
	if err := s.sweep(ctx); err != nil {
		return err
	}
	if to-from > 100000 {
		to = from + 100000
	}
	seqs := make([]int64, 0, to-from+1)
	for q := from; q <= to; q++ {
		seqs = append(seqs, q)
	}
	s.logger().Warn("mongo: voiding change numbers no writer published", "from", from, "to", to)
	s.voidSeqs(ctx, seqs)
	return nil
}

// duplicateIndexes lists the indexes of the documents of a bulk insert that
// failed with a duplicate key.
func duplicateIndexes(err error) []int {
	var out []int
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) {
		for _, we := range bwe.WriteErrors {
			if isDupCode(we.Code) {
				out = append(out, we.Index)
			}
		}
	}
	return out
}

// onlyDuplicates reports a bulk error made only of duplicate keys.
func onlyDuplicates(err error) bool {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return false
	}
	for _, we := range bwe.WriteErrors {
		if !isDupCode(we.Code) {
			return false
		}
	}
	return true
}

func isDupCode(code int) bool { return code == 11000 || code == 11001 || code == 12582 }

// Serialised write commands (see Store.serialized).

func (s *Store) insertOne(ctx context.Context, c *mongo.Collection, doc any) (*mongo.InsertOneResult, error) {
	return c.InsertOne(ctx, doc) // atomic on FerretDB too (unique index)
}

func (s *Store) insertMany(ctx context.Context, c *mongo.Collection, docs []any, opts ...options.Lister[options.InsertManyOptions]) (*mongo.InsertManyResult, error) {
	return c.InsertMany(ctx, docs, opts...)
}

func (s *Store) updateOne(ctx context.Context, c *mongo.Collection, filter, update any) (res *mongo.UpdateResult, err error) {
	err = s.serialized(ctx, func() (e error) { res, e = c.UpdateOne(ctx, filter, update); return e })
	return res, err
}

func (s *Store) updateMany(ctx context.Context, c *mongo.Collection, filter, update any) (res *mongo.UpdateResult, err error) {
	err = s.serialized(ctx, func() (e error) { res, e = c.UpdateMany(ctx, filter, update); return e })
	return res, err
}

func (s *Store) deleteOne(ctx context.Context, c *mongo.Collection, filter any) (res *mongo.DeleteResult, err error) {
	err = s.serialized(ctx, func() (e error) { res, e = c.DeleteOne(ctx, filter); return e })
	return res, err
}

func (s *Store) deleteMany(ctx context.Context, c *mongo.Collection, filter any) (res *mongo.DeleteResult, err error) {
	err = s.serialized(ctx, func() (e error) { res, e = c.DeleteMany(ctx, filter); return e })
	return res, err
}

func (s *Store) bulkWrite(ctx context.Context, c *mongo.Collection, models []mongo.WriteModel, opts ...options.Lister[options.BulkWriteOptions]) (res *mongo.BulkWriteResult, err error) {
	err = s.serialized(ctx, func() (e error) { res, e = c.BulkWrite(ctx, models, opts...); return e })
	return res, err
}

// isDup reports a duplicate key. FerretDB v1 reports a unique index
// violated by an update as an internal error naming SQLite's constraint.
func isDup(err error) bool {
	if err == nil {
		return false
	}
	return mongo.IsDuplicateKeyError(err) || strings.Contains(err.Error(), "UNIQUE constraint failed")
}
