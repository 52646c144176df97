package mongo

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/acervo-co/acervo/registry"
)

type purchaseStore struct {
	k     *kindStore[registry.Purchase]
	sorts map[string]sortSpec[registry.Purchase]
}

// signedKey is the signature date as a sortable number; rows without one
// sort last in the newest-first order.
func signedKey(p *registry.Purchase) int64 {
	if p.SignedAt == nil {
		return math.MinInt64
	}
	return p.SignedAt.UnixMilli()
}

func newPurchaseStore(s *Store) *purchaseStore {
	k := newKind(s, s.purchasesC, registry.KindPurchase,
		func(p *registry.Purchase) (*string, *int64) { return &p.ID, &p.Rev },
		func(p *registry.Purchase) bson.D {
			return bson.D{{Key: "source", Value: p.Source}, {Key: "contractId", Value: p.ContractID}, {Key: "signedKey", Value: signedKey(p)}}
		}, "signedKey")
	return &purchaseStore{k: k, sorts: map[string]sortSpec[registry.Purchase]{
		registry.SortDate:  intSort("signedKey", true, signedKey),
		registry.SortValue: intSort("value", true, func(p *registry.Purchase) int64 { return p.Value }),
	}}
}

func (st *purchaseStore) Get(ctx context.Context, id string) (registry.Purchase, error) {
	return st.k.get(ctx, id)
}

func (st *purchaseStore) GetByKey(ctx context.Context, source, contractID string) (registry.Purchase, error) {
	return st.k.one(ctx, bson.D{{Key: "source", Value: source}, {Key: "contractId", Value: contractID}})
}

func (st *purchaseStore) GetMany(ctx context.Context, ids []string) ([]registry.Purchase, error) {
	return st.k.many(ctx, "_id", ids, func(p *registry.Purchase) string { return p.ID })
}

func (st *purchaseStore) Delete(ctx context.Context, id string, rev int64, ev *registry.AuditEvent) error {
	return st.k.delete(ctx, id, rev, ev)
}

func purchaseFilter(f registry.PurchaseFilter) bson.D {
	var c conds
	c.in("_id", f.IDs)
	c.eqStr("source", f.Source)
	c.eqStr("buyerNit", f.BuyerNIT)
	c.eqStr("supplier.docNumber", f.SupplierDoc)
	if code := strings.TrimSpace(f.UNSPSC); code != "" {
		if len(code) == 8 {
			c.eq("unspsc", code)
		} else {
			c.eq("unspsc", bson.D{{Key: "$regex", Value: "^" + regexp.QuoteMeta(code)}})
		}
	}
	if f.Year != 0 {
		c.eq("year", f.Year)
	}
	var v bson.D
	if f.MinValue != nil {
		v = append(v, bson.E{Key: "$gte", Value: *f.MinValue})
	}
	if f.MaxValue != nil {
		v = append(v, bson.E{Key: "$lte", Value: *f.MaxValue})
	}
	if v != nil {
		c.eq("value", v)
	}
	if f.MinSoftwareScore != nil {
		c.eq("softwareScore", bson.D{{Key: "$gte", Value: *f.MinSoftwareScore}})
	}
	if f.Contracted {
		// A record without a status matches $nin: it counts, as in Go.
		c.eq("status", bson.D{{Key: "$nin", Value: registry.NoContractStatuses()}})
	}
	return c.and()
}

func (st *purchaseStore) List(ctx context.Context, f registry.PurchaseFilter) (registry.List[registry.Purchase], error) {
	return st.k.page(ctx, purchaseFilter(f), st.sorts, f.Sort, registry.SortDate, f.Page)
}

// Scan visits the matching purchases in _id order, in batches.
func (st *purchaseStore) Scan(ctx context.Context, f registry.PurchaseFilter, fn func([]registry.Purchase) error) error {
	const batch = 500
	base := purchaseFilter(f)
	last := ""
	for {
		flt := base
		if last != "" {
			flt = and(base, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: last}}}})
		}
		cur, err := st.k.c.Find(ctx, live(flt), options.Find().SetProjection(hidden).
			SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(batch))
		if err != nil {
			return err
		}
		var ps []registry.Purchase
		if err := cur.All(ctx, &ps); err != nil {
			return err
		}
		if len(ps) == 0 {
			return nil
		}
		if err := fn(ps); err != nil {
			return err
		}
		if len(ps) < batch {
			return nil
		}
		last = ps[len(ps)-1].ID
	}
}

var groupFields = map[string]string{
	registry.GroupYear:       "year",
	registry.GroupBuyer:      "buyerNit",
	registry.GroupSupplier:   "supplier.docNumber",
	registry.GroupSource:     "source",
	registry.GroupDepartment: "departmentCode",
}

// Aggregate counts and sums the matching purchases by the given fields.
// FerretDB v1 computes only the first accumulator of a $group (the others
// come back as 0), so the count and the sum are two single-accumulator
// $group queries, joined in Go.
func (st *purchaseStore) Aggregate(ctx context.Context, f registry.PurchaseFilter, groupBy ...string) ([]registry.PurchaseGroup, error) {
	id := bson.D{}
	for i, g := range groupBy {
		field, ok := groupFields[g]
		if !ok {
			return nil, registry.Invalid("groupBy", "unknown group field %q", g)
		}
		id = append(id, bson.E{Key: "k" + strconv.Itoa(i), Value: "$" + field})
	}
	match := live(purchaseFilter(f))
	run := func(acc bson.D) (map[string]int64, map[string]map[string]string, error) {
		cur, err := st.k.c.Aggregate(ctx, mongo.Pipeline{
			{{Key: "$match", Value: match}},
			{{Key: "$group", Value: bson.D{{Key: "_id", Value: id}, {Key: "v", Value: acc}}}},
		})
		if err != nil {
			return nil, nil, err
		}
		var rows []bson.M
		if err := cur.All(ctx, &rows); err != nil {
			return nil, nil, err
		}
		vals := map[string]int64{}
		keys := map[string]map[string]string{}
		for _, r := range rows {
			key := map[string]string{}
			kd := docMap(r["_id"])
			parts := make([]string, len(groupBy))
			for i, g := range groupBy {
				key[g] = groupValue(kd["k"+strconv.Itoa(i)])
				parts[i] = key[g]
			}
			k := strings.Join(parts, "\x00")
			n, err := toInt64(r["v"])
			if err != nil {
				return nil, nil, err
			}
			vals[k] += n
			keys[k] = key
		}
		return vals, keys, nil
	}
	counts, keys, err := run(bson.D{{Key: "$sum", Value: 1}})
	if err != nil {
		return nil, err
	}
	totals, _, err := run(bson.D{{Key: "$sum", Value: "$value"}})
	if err != nil {
		return nil, err
	}
	out := make([]registry.PurchaseGroup, 0, len(counts))
	for k, n := range counts {
		out = append(out, registry.PurchaseGroup{Key: keys[k], Count: n, Total: totals[k]})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Total != out[j].Total {
			return out[i].Total > out[j].Total
		}
		for _, g := range groupBy {
			if out[i].Key[g] != out[j].Key[g] {
				return out[i].Key[g] < out[j].Key[g]
			}
		}
		return false
	})
	return out, nil
}

// docMap reads a decoded sub-document (bson.D or bson.M) as a map.
func docMap(v any) map[string]any {
	m := map[string]any{}
	switch d := v.(type) {
	case bson.D:
		for _, e := range d {
			m[e.Key] = e.Value
		}
	case bson.M:
		for k, x := range d {
			m[k] = x
		}
	}
	return m
}

func groupValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func toInt64(v any) (int64, error) {
	switch x := v.(type) {
	case int32:
		return int64(x), nil
	case int64:
		return x, nil
	case float64:
		return int64(math.Round(x)), nil
	case nil:
		return 0, nil
	}
	return 0, fmt.Errorf("mongo: unexpected aggregate value %T", v)
}

// purchase keys.

type pkey struct{ source, contract string }

func keyOf(p *registry.Purchase) pkey { return pkey{p.Source, p.ContractID} }

// storedRow is what UpsertBatch reads of a stored purchase.
type storedRow struct {
	ID         string      `bson:"_id"`
	Source     string      `bson:"source"`
	ContractID string      `bson:"contractId"`
	RowHash    string      `bson:"rowHash"`
	Rev        int64       `bson:"rev"`
	CreatedAt  time.Time   `bson:"createdAt"`
	Pending    *pendingDoc `bson:"_pending"`
	Deleted    bool        `bson:"_deleted"`
}

func (st *purchaseStore) load(ctx context.Context, keys []pkey) (map[pkey]storedRow, error) {
	bySource := map[string][]string{}
	for _, k := range keys {
		bySource[k.source] = append(bySource[k.source], k.contract)
	}
	var or bson.A
	for src, ids := range bySource {
		or = append(or, bson.D{{Key: "source", Value: src}, {Key: "contractId", Value: bson.D{{Key: "$in", Value: ids}}}})
	}
	proj := bson.D{{Key: "source", Value: 1}, {Key: "contractId", Value: 1}, {Key: "rowHash", Value: 1}, {Key: "rev", Value: 1},
		{Key: "createdAt", Value: 1}, {Key: pendingField, Value: 1}, {Key: deletedField, Value: 1}}
	cur, err := st.k.c.Find(ctx, bson.D{{Key: "$or", Value: or}}, options.Find().SetProjection(proj))
	if err != nil {
		return nil, err
	}
	var rows []storedRow
	if err := cur.All(ctx, &rows); err != nil {
		return nil, err
	}
	out := make(map[pkey]storedRow, len(rows))
	for _, r := range rows {
		out[pkey{r.Source, r.ContractID}] = r
	}
	return out, nil
}

// ferretChunk is how many rows a FerretDB write lock covers at a time (held
// far less than lockTTL even on a loaded machine).
const ferretChunk = 100

// rowWrite is the write of one key in a batch: the last of its rows, with
// one change number per row.
type rowWrite struct {
	insert  bool
	baseRev int64
	rows    []int
	seqs    []int64
	p       *pendingDoc
	doc     bson.D // insert: the document with its outbox
	update  bson.D // update: $set/$unset with the outbox
}

// UpsertBatch inserts or updates rows by (Source, ContractID), comparing
// RowHash. Rows apply in order; a key repeated in the batch is written once
// with its last row and gets one change number per row. The writes of a
// round go in one ordered bulk write, each record carrying its outbox;
// rows whose write lost a race (a concurrent insert of the same key, a
// moved revision) are planned again from fresh reads.
func (st *purchaseStore) UpsertBatch(ctx context.Context, rows []registry.Purchase, ev *registry.AuditEvent) ([]registry.UpsertOutcome, error) {
	s := st.k.s
	out := make([]registry.UpsertOutcome, len(rows))
	for i := range rows {
		if rows[i].Source == "" || rows[i].ContractID == "" {
			return nil, registry.Invalid(fmt.Sprintf("rows[%d]", i), "source and contract id are required")
		}
	}
	todo := make([]int, len(rows))
	for i := range todo {
		todo[i] = i
	}
	var audit *auditRecord
	if ev != nil {
		e := *ev
		s.fillEvent(&e, "import", "")
		audit = &auditRecord{MID: e.ID, AuditEvent: e}
	}
	auditDone := false
	for attempt := 0; len(todo) > 0; attempt++ {
		if attempt >= len(rows)+maxAttempts {
			return out, fmt.Errorf("%w: purchases: too many concurrent writes", registry.ErrConflict)
		}
		var keys []pkey
		seen := map[pkey]bool{}
		for _, i := range todo {
			if k := keyOf(&rows[i]); !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
		stored, err := st.load(ctx, keys)
		if err != nil {
			return out, err
		}
		flushed := false
		for _, r := range stored {
			if r.Pending != nil { // another write's outbox: finish it first
				if err := s.publish(ctx, st.k.c, r.Pending); err != nil {
					return out, err
				}
				flushed = true
			}
		}
		if flushed {
			continue
		}

		// Plan the round.
		type state struct {
			id        string
			rev       int64
			hash      string
			createdAt time.Time
		}
		states := map[pkey]*state{}
		for k, r := range stored {
			states[k] = &state{id: r.ID, rev: r.Rev, hash: r.RowHash, createdAt: r.CreatedAt}
		}
		writes := map[pkey]*rowWrite{}
		var order []pkey
		nrows := 0
		for _, i := range todo {
			row := &rows[i]
			k := keyOf(row)
			stt := states[k]
			if stt != nil && stt.hash == row.RowHash {
				out[i] = registry.OutcomeUnchanged
				row.ID, row.CreatedAt, row.Rev = stt.id, stt.createdAt, stt.rev
				continue
			}
			w := writes[k]
			if stt == nil {
				id := row.ID
				if id == "" {
					id = registry.NewID(s.cfg.now())
				}
				stt = &state{id: id, rev: 1, createdAt: row.CreatedAt}
				states[k] = stt
				out[i] = registry.OutcomeNew
				if w == nil {
					w = &rowWrite{insert: true}
				}
			} else {
				if w == nil {
					w = &rowWrite{baseRev: stt.rev}
				}
				stt.rev++
				out[i] = registry.OutcomeUpdated
			}
			if writes[k] == nil {
				writes[k] = w
				order = append(order, k)
			}
			stt.hash = row.RowHash
			row.ID, row.CreatedAt, row.Rev = stt.id, stt.createdAt, stt.rev
			w.rows = append(w.rows, i)
			nrows++
		}
		if nrows == 0 {
			break
		}
		needAudit := audit != nil && !auditDone && audit.Seq == 0
		seqs, aseq, err := s.next(ctx, nrows, needAudit)
		if err != nil {
			return out, err
		}
		if needAudit {
			audit.Seq = aseq
		}
		next := 0
		for _, i := range todo { // numbers in row order
			if out[i] == registry.OutcomeUnchanged {
				continue
			}
			w := writes[keyOf(&rows[i])]
			w.seqs = append(w.seqs, seqs[next])
			next++
		}
		op := registry.NewID(s.cfg.now())
		now := s.now()
		ids := make([]string, 0, len(order))
		for j, k := range order {
			w := writes[k]
			final := rows[w.rows[len(w.rows)-1]]
			w.p = &pendingDoc{Op: op, Kind: registry.KindPurchase, ID: final.ID, Seqs: w.seqs, At: now}
			if j == 0 && audit != nil && !auditDone {
				w.p.Audit = audit // the first write of an ordered bulk carries the batch's event
			}
			d, err := st.k.doc(&final)
			if err != nil {
				return out, err
			}
			if w.insert {
				w.doc = append(d, bson.E{Key: pendingField, Value: w.p})
			} else {
				w.update = setUnset(d, st.k.keys, bson.E{Key: pendingField, Value: w.p})
			}
			ids = append(ids, final.ID)
		}
		if err := s.at("apply"); err != nil {
			return out, err
		}
		ws := make([]*rowWrite, len(order))
		for j, k := range order {
			ws[j] = writes[k]
		}
		applied, err := st.apply(ctx, ws, ids, op)
		if err != nil {
			// Unknown outcome: the outboxes of what was written stay on the
			// records; the next sweep publishes them.
			return out, err
		}
		var done []*pendingDoc
		var doneIDs []string
		var retry []int
		for _, k := range order {
			w := writes[k]
			if !applied[w.p.ID] {
				taken := s.voidSeqs(ctx, w.seqs)
				if len(taken) == 0 {
					for _, i := range w.rows {
						out[i] = 0
					}
					retry = append(retry, w.rows...)
					continue
				}
				// A concurrent sweep published it already: it was written.
			}
			done = append(done, w.p)
			doneIDs = append(doneIDs, w.p.ID)
		}
		if err := s.at("publish"); err != nil {
			return out, err
		}
		if err := s.publishEntries(ctx, done); err != nil {
			return out, err
		}
		for _, p := range done {
			if p.Audit != nil {
				auditDone = true
			}
		}
		if err := s.at("clear"); err != nil {
			return out, err
		}
		if err := st.clear(ctx, doneIDs, op); err != nil {
			return out, err
		}
		slices.Sort(retry)
		todo = retry
	}
	if audit != nil && auditDone {
		*ev = audit.AuditEvent
	}
	return out, nil
}

// apply runs the writes of a round in order and stops at the first that
// fails (so the first write, which carries the batch's audit event, is
// written whenever any is). It returns the ids of the records written.
// MongoDB gets one ordered bulk write; on FerretDB each write goes by _id
// (see guard).
func (st *purchaseStore) apply(ctx context.Context, ws []*rowWrite, ids []string, op string) (map[string]bool, error) {
	s := st.k.s
	applied := make(map[string]bool, len(ws))
	if s.ferret { // the write lock is taken once per chunk, not per row
		stopped := false
		for lo := 0; lo < len(ws) && !stopped; lo += ferretChunk {
			err := s.serialized(ctx, func() error {
				for i := lo; i < min(lo+ferretChunk, len(ws)); i++ {
					w := ws[i]
					if w.insert {
						if _, err := st.k.c.InsertOne(ctx, w.doc); isDup(err) {
							stopped = true
							return nil
						} else if err != nil {
							return err
						}
					} else {
						ok, err := s.ferretCheck(ctx, st.k.c, ids[i], guard{rev: w.baseRev, free: true, live: true})
						if err != nil {
							return err
						}
						if !ok {
							stopped = true
							return nil
						}
						if _, err := st.k.c.UpdateOne(ctx, bson.D{{Key: "_id", Value: ids[i]}}, w.update); err != nil {
							return err
						}
					}
					applied[ids[i]] = true
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
		return applied, nil
	}
	models := make([]mongo.WriteModel, len(ws))
	for i, w := range ws {
		if w.insert {
			models[i] = mongo.NewInsertOneModel().SetDocument(w.doc)
		} else {
			models[i] = mongo.NewUpdateOneModel().SetFilter(guard{rev: w.baseRev, free: true, live: true}.filter(ids[i])).SetUpdate(w.update)
		}
	}
	res, err := s.bulkWrite(ctx, st.k.c, models, options.BulkWrite().SetOrdered(true))
	if err == nil && res != nil && int(res.InsertedCount+res.MatchedCount) == len(models) {
		for _, id := range ids {
			applied[id] = true
		}
		return applied, nil
	}
	if err != nil && !onlyDuplicates(err) {
		return nil, err
	}
	return st.appliedBy(ctx, ids, op)
}

// clear removes op's outbox from the written records.
func (st *purchaseStore) clear(ctx context.Context, ids []string, op string) error {
	s := st.k.s
	if len(ids) == 0 {
		return nil
	}
	unset := bson.D{{Key: "$unset", Value: bson.D{{Key: pendingField, Value: ""}}}}
	if s.ferret {
		// FerretDB's SQLite tables have no usable index even for _id (the
		// lookup expression differs from the index's), so one scan for
		// the whole round beats a lookup per row. updateMany runs under
		// the write lock, so no other write slips between its read and its
		// write.
		_, err := s.updateMany(ctx, st.k.c, bson.D{{Key: pendingOp, Value: op}}, unset)
		return err
	}
	_, err := s.updateMany(ctx, st.k.c, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}, {Key: pendingOp, Value: op}}, unset)
	return err
}

// appliedBy reads which of the records carry the outbox of op.
func (st *purchaseStore) appliedBy(ctx context.Context, ids []string, op string) (map[string]bool, error) {
	cur, err := st.k.c.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
		options.Find().SetProjection(bson.D{{Key: pendingOp, Value: 1}}))
	if err != nil {
		return nil, err
	}
	var docs []struct {
		ID      string      `bson:"_id"`
		Pending *pendingDoc `bson:"_pending"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, d := range docs {
		if d.Pending != nil && d.Pending.Op == op {
			out[d.ID] = true
		}
	}
	return out, nil
}
