package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// noDate is the sort key of a purchase without signature date: last when
// newest first.
const noDate = math.MinInt64

type purchases struct {
	s     *Store
	tb    *table[registry.Purchase]
	sorts map[string]sortSpec
}

// purchaseCols are the columns of purchases besides id, rev and doc: the
// indexed ones, and contracted.
func purchaseCols() []string {
	return []string{"nkey", "source", "dept", "buyer_nit", "supplier_doc", "year", "value", "score", "signed", "row_hash", "contracted"}
}

func newPurchases(s *Store) *purchases {
	tb := (&table[registry.Purchase]{
		name: "purchases", kind: registry.KindPurchase,
		cols: purchaseCols(),
		vals: purchaseVals,
		meta: func(p *registry.Purchase) (*string, *int64) { return &p.ID, &p.Rev },
		unside: func(tx *wtx, id string) error {
			_, err := tx.exec(`DELETE FROM purchase_unspsc WHERE purchase_id = ?`, id)
			return err
		},
	}).init()
	return &purchases{s: s, tb: tb, sorts: map[string]sortSpec{
		registry.SortDate:  {col: "signed", desc: true, key: 'i'},
		registry.SortValue: {col: "value", desc: true, key: 'i'},
	}}
}

func nkey(source, contractID string) string { return source + "\x1f" + contractID }

// contracted is the contracted column: 0 for a record whose process never
// became a contract or an order.
func contracted(p *registry.Purchase) int {
	if registry.NoContract(p.Status) {
		return 0
	}
	return 1
}

// backfillContracted sets the contracted column, added by migration 2, of
// the purchases stored before it.
func backfillContracted(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT doc FROM purchases`)
	if err != nil {
		return err
	}
	var void []string
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			rows.Close()
			return err
		}
		p, err := decode[registry.Purchase](doc)
		if err != nil {
			rows.Close()
			return err
		}
		if registry.NoContract(p.Status) {
			void = append(void, p.ID)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range void {
		if _, err := tx.ExecContext(ctx, `UPDATE purchases SET contracted = 0 WHERE id = ?`, id); err != nil {
			return err
		}
	}
	return nil
}

func purchaseVals(p *registry.Purchase) []any {
	return []any{nkey(p.Source, p.ContractID), p.Source, p.DepartmentCode, p.BuyerNIT, p.Supplier.DocNumber,
		p.Year, p.Value, p.SoftwareScore, ptkey(p.SignedAt, noDate), p.RowHash, contracted(p)}
}

// stored is what a batch needs to know of a stored purchase.
type stored struct {
	id        string
	hash      string
	rev       int64
	createdAt time.Time
	isNew     bool // inserted by this batch
	last      int  // index of the row that last wrote it in this batch
}

// UpsertBatch inserts or updates the rows by natural key in one
// transaction: one multi-row INSERT for the new rows, one UPDATE per
// changed row, one change per written row, one audit event.
func (st *purchases) UpsertBatch(ctx context.Context, ps []registry.Purchase, ev *registry.AuditEvent) ([]registry.UpsertOutcome, error) {
	out := make([]registry.UpsertOutcome, len(ps))
	if len(ps) == 0 {
		return out, nil
	}
	saved := make([]registry.Purchase, len(ps))
	copy(saved, ps)
	docs, err := st.encodeNew(ctx, ps)
	if err != nil {
		return nil, err
	}
	err = st.s.write(ctx, func(tx *wtx) error {
		known, err := st.lookup(tx, ps)
		if err != nil {
			return err
		}
		changed := make([]string, 0, len(ps))
		for i := range ps {
			p := &ps[i]
			k := nkey(p.Source, p.ContractID)
			cur, ok := known[k]
			switch {
			case !ok:
				if p.ID == "" {
					p.ID = registry.NewID(time.Now())
				}
				p.Rev = 1
				known[k] = &stored{id: p.ID, hash: p.RowHash, rev: 1, createdAt: p.CreatedAt, isNew: true, last: i}
				out[i] = registry.OutcomeNew
			case cur.hash == p.RowHash:
				p.ID, p.CreatedAt, p.Rev = cur.id, cur.createdAt, cur.rev
				out[i] = registry.OutcomeUnchanged
				continue
			default:
				cur.rev++
				cur.hash = p.RowHash
				cur.last = i
				p.ID, p.CreatedAt, p.Rev = cur.id, cur.createdAt, cur.rev
				out[i] = registry.OutcomeUpdated
			}
			changed = append(changed, p.ID)
		}
		if len(changed) == 0 {
			return nil
		}
		// Write each key once, with the last row that wrote it.
		var inserts, updates []*registry.Purchase
		for i := range ps {
			if out[i] == registry.OutcomeUnchanged {
				continue
			}
			cur := known[nkey(ps[i].Source, ps[i].ContractID)]
			if cur.last != i {
				continue
			}
			if cur.isNew {
				inserts = append(inserts, &ps[i])
			} else {
				updates = append(updates, &ps[i])
			}
		}
		if err := st.insertRows(tx, inserts, docs); err != nil {
			return err
		}
		for _, p := range updates {
			if err := st.tb.write(tx, "UPDATE purchases SET rev = ?, doc = ?, "+setList(purchaseCols())+" WHERE id = ? AND 1 = ?", p, []any{p.ID, 1}); err != nil {
				return err
			}
			if _, err := tx.exec(`DELETE FROM purchase_unspsc WHERE purchase_id = ?`, p.ID); err != nil {
				return err
			}
			if err := st.s.insertMany(tx, "purchase_unspsc", []string{"code", "purchase_id"}, unspscRows(p), "OR IGNORE"); err != nil {
				return err
			}
		}
		rows := make([][]any, len(changed))
		for i, id := range changed {
			rows[i] = []any{registry.KindPurchase, id, 0}
		}
		if err := st.s.insertMany(tx, "changes", []string{"kind", "id", "deleted"}, rows, "OR FAIL"); err != nil {
			return err
		}
		return tx.audit(ev, "import", "")
	})
	if err != nil {
		copy(ps, saved)
		return nil, err
	}
	st.s.wrote(ctx, len(ps))
	return out, nil
}

func setList(cols []string) string {
	sets := make([]string, len(cols))
	for i, c := range cols {
		sets[i] = c + " = ?"
	}
	return strings.Join(sets, ", ")
}

func unspscRows(p *registry.Purchase) [][]any {
	rows := make([][]any, 0, len(p.UNSPSC))
	for _, c := range p.UNSPSC {
		rows = append(rows, []any{c, p.ID})
	}
	return rows
}

// lookup reads the stored rows of the batch's natural keys.
func (st *purchases) lookup(tx *wtx, ps []registry.Purchase) (map[string]*stored, error) {
	keys := make([]string, 0, len(ps))
	seen := make(map[string]bool, len(ps))
	for i := range ps {
		k := nkey(ps[i].Source, ps[i].ContractID)
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	known := make(map[string]*stored, len(ps))
	for chunk := range slices.Chunk(keys, 500) {
		q := purchaseLookupSQL(len(chunk))
		rows, err := st.s.wstmt(tx, q).QueryContext(tx.ctx, anys(chunk)...)
		if err != nil {
			return nil, dbErr(err)
		}
		for rows.Next() {
			var k string
			var doc []byte
			c := &stored{}
			if err := rows.Scan(&k, &c.id, &c.hash, &c.rev, &doc); err != nil {
				rows.Close()
				return nil, dbErr(err)
			}
			if c.createdAt, err = purchaseCreatedAt(doc); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlite: corrupt record %s: %w", c.id, err)
			}
			known[k] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, dbErr(err)
		}
	}
	return known, nil
}

func purchaseLookupSQL(n int) string {
	return `SELECT nkey, id, row_hash, rev, doc FROM purchases WHERE nkey IN (` + placeholders(n) + `)`
}

// hotWrites are the write statements prepared at Open.
func hotWrites() []string {
	return []string{
		purchaseLookupSQL(500),
		insertSQL("purchases", append([]string{"id", "rev", "doc"}, purchaseCols()...), bulkRows, "OR FAIL"),
		insertSQL("purchase_unspsc", []string{"code", "purchase_id"}, bulkRows, "OR IGNORE"),
		insertSQL("changes", []string{"kind", "id", "deleted"}, bulkRows, "OR FAIL"),
	}
}

// encodeNew encodes, before the write transaction and on every core, the
// rows that look new (their key is not stored yet): the writer then only
// writes. A row found stored after all is encoded again in the transaction.
func (st *purchases) encodeNew(ctx context.Context, ps []registry.Purchase) (map[*registry.Purchase][]byte, error) {
	keys := make([]string, 0, len(ps))
	first := make(map[string]int, len(ps))
	for i := range ps {
		k := nkey(ps[i].Source, ps[i].ContractID)
		if _, ok := first[k]; !ok {
			first[k] = i
			keys = append(keys, k)
		}
	}
	stored := map[string]bool{}
	for chunk := range slices.Chunk(keys, 500) {
		stmt, err := st.s.stmt(ctx, st.s.r, `SELECT nkey FROM purchases WHERE nkey IN (`+placeholders(len(chunk))+`)`)
		if err != nil {
			return nil, err
		}
		rows, err := stmt.QueryContext(ctx, anys(chunk)...)
		if err != nil {
			return nil, dbErr(err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return nil, dbErr(err)
			}
			stored[k] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, dbErr(err)
		}
	}
	var todo []*registry.Purchase
	for _, k := range keys {
		if stored[k] {
			continue
		}
		p := &ps[first[k]]
		if p.ID == "" {
			p.ID = registry.NewID(time.Now())
		}
		todo = append(todo, p)
	}
	docs := make([][]byte, len(todo))
	workers := min(runtime.GOMAXPROCS(0), 1+len(todo)/256)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(todo); i += workers {
				c := *todo[i]
				c.Rev = 1
				docs[i], _ = encodePurchase(nil, &c)
			}
		}()
	}
	wg.Wait()
	out := make(map[*registry.Purchase][]byte, len(todo))
	for i, p := range todo {
		out[p] = docs[i]
	}
	return out, nil
}

// insertRows writes new purchases with multi-row INSERTs; docs holds rows
// encoded beforehand (with Rev 1).
func (st *purchases) insertRows(tx *wtx, ps []*registry.Purchase, docs map[*registry.Purchase][]byte) error {
	if len(ps) == 0 {
		return nil
	}
	cols := append([]string{"id", "rev", "doc"}, purchaseCols()...)
	rows := make([][]any, 0, len(ps))
	var codes [][]any
	for _, p := range ps {
		doc, ok := docs[p]
		if !ok || p.Rev != 1 {
			var err error
			if doc, err = encodePurchase(nil, p); err != nil {
				return err
			}
		}
		rows = append(rows, append([]any{p.ID, p.Rev, doc}, purchaseVals(p)...))
		codes = append(codes, unspscRows(p)...)
	}
	if err := st.s.insertMany(tx, "purchases", cols, rows, "OR FAIL"); err != nil {
		return err
	}
	return st.s.insertMany(tx, "purchase_unspsc", []string{"code", "purchase_id"}, codes, "OR IGNORE")
}

func (st *purchases) Get(ctx context.Context, id string) (registry.Purchase, error) {
	return st.one(ctx, `SELECT doc FROM purchases WHERE id = ?`, id)
}

func (st *purchases) GetByKey(ctx context.Context, source, contractID string) (registry.Purchase, error) {
	return st.one(ctx, `SELECT doc FROM purchases WHERE nkey = ?`, nkey(source, contractID))
}

// one reads one purchase through a prepared statement.
func (st *purchases) one(ctx context.Context, query string, arg any) (registry.Purchase, error) {
	stmt, err := st.s.stmt(ctx, st.s.r, query)
	if err != nil {
		return registry.Purchase{}, err
	}
	var doc []byte
	if err := stmt.QueryRowContext(ctx, arg).Scan(&doc); err != nil {
		return registry.Purchase{}, dbErr(err)
	}
	return decode[registry.Purchase](doc)
}

func (st *purchases) GetMany(ctx context.Context, ids []string) ([]registry.Purchase, error) {
	return st.tb.many(ctx, st.s.r, "id", ids)
}

func (st *purchases) Delete(ctx context.Context, id string, rev int64, ev *registry.AuditEvent) error {
	return st.s.write(ctx, func(tx *wtx) error { return st.tb.del(tx, id, rev, ev) })
}

// filter turns a purchase filter into conditions.
func purchaseWhere(f registry.PurchaseFilter) where {
	var w where
	w.in("id", f.IDs)
	if f.Source != "" {
		// The natural key starts with the source: its unique index serves.
		w.add("nkey >= ? AND nkey < ?", f.Source+"\x1f", f.Source+"\x20")
	}
	w.eq("buyer_nit", f.BuyerNIT)
	w.eq("supplier_doc", f.SupplierDoc)
	if c := f.UNSPSC; c != "" {
		if len(c) >= 8 {
			w.add("id IN (SELECT purchase_id FROM purchase_unspsc WHERE code = ?)", c)
		} else {
			// Digits sort before ':', so [c, c+":") holds every code starting with c.
			w.add("id IN (SELECT purchase_id FROM purchase_unspsc WHERE code >= ? AND code < ?)", c, c+":")
		}
	}
	if f.Year != 0 {
		w.add("year = ?", f.Year)
	}
	if f.MinValue != nil {
		w.add("value >= ?", *f.MinValue)
	}
	if f.MaxValue != nil {
		w.add("value <= ?", *f.MaxValue)
	}
	if f.MinSoftwareScore != nil {
		w.add("score >= ?", *f.MinSoftwareScore)
	}
	if f.Contracted {
		w.add("contracted = 1")
	}
	return w
}

func (st *purchases) List(ctx context.Context, f registry.PurchaseFilter) (registry.List[registry.Purchase], error) {
	return list[registry.Purchase](ctx, st.s, listing{table: "purchases", where: purchaseWhere(f), sorts: st.sorts, def: registry.SortDate, sort: f.Sort, page: f.Page})
}

// Aggregate groups in SQL and orders the groups in Go.
func (st *purchases) Aggregate(ctx context.Context, f registry.PurchaseFilter, groupBy ...string) ([]registry.PurchaseGroup, error) {
	cols := map[string]string{
		registry.GroupYear: "year", registry.GroupBuyer: "buyer_nit", registry.GroupSupplier: "supplier_doc",
		registry.GroupSource: "source", registry.GroupDepartment: "dept",
	}
	exprs := make([]string, 0, len(groupBy))
	for _, g := range groupBy {
		c, ok := cols[g]
		if !ok {
			return nil, registry.Invalid("groupBy", "unknown group field %q", g)
		}
		exprs = append(exprs, c)
	}
	w := purchaseWhere(f)
	q := "SELECT " + strings.Join(append(slices.Clone(exprs), "count(*)", "coalesce(sum(value), 0)"), ", ") + " FROM purchases" + w.sql()
	if len(exprs) > 0 {
		q += " GROUP BY " + strings.Join(exprs, ", ")
	}
	rows, err := st.s.r.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, dbErr(err)
	}
	defer rows.Close()
	out := []registry.PurchaseGroup{}
	for rows.Next() {
		vals := make([]any, len(exprs)+2)
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, dbErr(err)
		}
		g := registry.PurchaseGroup{Key: map[string]string{}}
		for i, name := range groupBy {
			g.Key[name] = keyString(vals[i])
		}
		g.Count, _ = vals[len(exprs)].(int64)
		g.Total, _ = vals[len(exprs)+1].(int64)
		if g.Count == 0 {
			continue // no group by and nothing matched
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr(err)
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

func keyString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		return x
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

// Scan reads the matching purchases by id, in batches.
func (st *purchases) Scan(ctx context.Context, f registry.PurchaseFilter, fn func([]registry.Purchase) error) error {
	const batch = 500
	w := purchaseWhere(f)
	after := ""
	for {
		q := w
		q.conds = append(slices.Clone(w.conds), "id > ?")
		q.args = append(slices.Clone(w.args), after)
		ps, err := all[registry.Purchase](ctx, st.s.r, "SELECT doc FROM purchases"+q.sql()+fmt.Sprintf(" ORDER BY id LIMIT %d", batch), q.args...)
		if err != nil {
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
		after = ps[len(ps)-1].ID
	}
}
