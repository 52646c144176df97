package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/acervo-co/acervo/registry"
	jsonv2 "github.com/go-json-experiment/json"
)

// table maps one record type onto one table: id, rev, doc (the JSON record)
// and the indexed columns cols, whose values vals extracts.
type table[T any] struct {
	name  string
	kind  string // change kind; "" records no change
	akind string // audit target kind when kind is ""
	cols  []string
	vals  func(*T) []any
	meta  func(*T) (id *string, rev *int64)
	born  func(*T) time.Time // the time a new id is made from
	// side rewrites the side tables of x (after insert and update); unside
	// drops them (before update and on delete).
	side   func(tx *wtx, x *T) error
	unside func(tx *wtx, id string) error

	insertSQL, updateSQL string
}

func (tb *table[T]) init() *table[T] {
	cols := append([]string{"id", "rev", "doc"}, tb.cols...)
	tb.insertSQL = fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", tb.name, strings.Join(cols, ", "), placeholders(len(cols)))
	sets := []string{"rev = ?", "doc = ?"}
	for _, c := range tb.cols {
		sets = append(sets, c+" = ?")
	}
	tb.updateSQL = fmt.Sprintf("UPDATE %s SET %s WHERE id = ? AND rev = ?", tb.name, strings.Join(sets, ", "))
	return tb
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// decode reads one JSON record. Records are written by encoding/json and
// read with the decoder that is becoming encoding/json/v2: about three
// times faster, which is most of the cost of a page of purchases.
// Purchases written in their binary form (purchasecodec.go) are read with
// their own decoder.
func decode[T any](doc []byte) (T, error) {
	var x T
	if p, ok := any(&x).(*registry.Purchase); ok && isPurchaseBinary(doc) {
		if err := decodePurchase(doc, p); err != nil {
			return x, fmt.Errorf("sqlite: corrupt record: %w", err)
		}
		return x, nil
	}
	if err := jsonv2.Unmarshal(doc, &x); err != nil {
		return x, fmt.Errorf("sqlite: corrupt record: %w", err)
	}
	return x, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// get reads the record where col = key.
func (tb *table[T]) get(ctx context.Context, db querier, col string, key any) (T, error) {
	var doc []byte
	err := db.QueryRowContext(ctx, "SELECT doc FROM "+tb.name+" WHERE "+col+" = ?", key).Scan(&doc)
	if err != nil {
		var zero T
		return zero, dbErr(err)
	}
	return decode[T](doc)
}

// many reads the records whose col is one of keys, in the order of keys.
func (tb *table[T]) many(ctx context.Context, db querier, col string, keys []string) ([]T, error) {
	out := []T{}
	if len(keys) == 0 {
		return out, nil
	}
	found := map[string]T{}
	for chunk := range slices.Chunk(keys, 500) {
		rows, err := db.QueryContext(ctx, "SELECT "+col+", doc FROM "+tb.name+" WHERE "+col+" IN ("+placeholders(len(chunk))+")", anys(chunk)...)
		if err != nil {
			return nil, dbErr(err)
		}
		for rows.Next() {
			var k string
			var doc []byte
			if err := rows.Scan(&k, &doc); err != nil {
				rows.Close()
				return nil, dbErr(err)
			}
			x, err := decode[T](doc)
			if err != nil {
				rows.Close()
				return nil, err
			}
			found[k] = x
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, dbErr(err)
		}
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if x, ok := found[k]; ok && !seen[k] {
			seen[k] = true
			out = append(out, x)
		}
	}
	return out, nil
}

// all reads every record of a query.
func all[T any](ctx context.Context, db querier, query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, dbErr(err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, dbErr(err)
		}
		x, err := decode[T](doc)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, dbErr(rows.Err())
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// insert writes a new record with Rev 1 (and an id when it has none), its
// change and its audit event.
func (tb *table[T]) insert(tx *wtx, x *T, ev *registry.AuditEvent) (err error) {
	id, rev := tb.meta(x)
	oldID, oldRev := *id, *rev
	defer func() {
		if err != nil {
			*id, *rev = oldID, oldRev
		}
	}()
	if *id == "" {
		*id = registry.NewID(tb.bornAt(x))
	}
	*rev = 1
	if err := tb.write(tx, tb.insertSQL, x, nil); err != nil {
		return err
	}
	return tb.after(tx, x, ev, false)
}

func (tb *table[T]) bornAt(x *T) time.Time {
	if tb.born != nil {
		if t := tb.born(x); !t.IsZero() {
			return t
		}
	}
	return time.Now()
}

// write runs the insert or update statement of x.
func (tb *table[T]) write(tx *wtx, query string, x *T, tail []any) error {
	id, rev := tb.meta(x)
	doc, err := encodeDoc(x)
	if err != nil {
		return err
	}
	args := make([]any, 0, 3+len(tb.cols)+len(tail))
	if tail == nil {
		args = append(args, *id)
	}
	args = append(args, *rev, doc)
	args = append(args, tb.vals(x)...)
	args = append(args, tail...)
	res, err := tx.exec(query, args...)
	if err != nil {
		return err
	}
	if tail != nil {
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return errNoRow
		}
	}
	return nil
}

var errNoRow = errors.New("no row")

// after writes side tables, the change and the audit event of x.
func (tb *table[T]) after(tx *wtx, x *T, ev *registry.AuditEvent, updated bool) error {
	id, _ := tb.meta(x)
	if updated && tb.unside != nil {
		if err := tb.unside(tx, *id); err != nil {
			return err
		}
	}
	if tb.side != nil {
		if err := tb.side(tx, x); err != nil {
			return err
		}
	}
	if tb.kind != "" {
		if err := tx.change(tb.kind, *id, false); err != nil {
			return err
		}
	}
	return tx.audit(ev, tb.auditKind(), *id)
}

func (tb *table[T]) auditKind() string {
	if tb.kind != "" {
		return tb.kind
	}
	return tb.akind
}

// update writes x when its Rev matches the stored one, and increments it.
func (tb *table[T]) update(tx *wtx, x *T, ev *registry.AuditEvent) (err error) {
	id, rev := tb.meta(x)
	old := *rev
	defer func() {
		if err != nil {
			*rev = old
		}
	}()
	*rev = old + 1
	err = tb.write(tx, tb.updateSQL, x, []any{*id, old})
	if errors.Is(err, errNoRow) {
		return tb.missingOrStale(tx, *id)
	}
	if err != nil {
		return err
	}
	return tb.after(tx, x, ev, true)
}

func (tb *table[T]) missingOrStale(tx *wtx, id string) error {
	var n int
	if err := tx.QueryRowContext(tx.ctx, "SELECT count(*) FROM "+tb.name+" WHERE id = ?", id).Scan(&n); err != nil {
		return dbErr(err)
	}
	if n == 0 {
		return fmt.Errorf("%s %s: %w", tb.name, id, registry.ErrNotFound)
	}
	return fmt.Errorf("%s %s was changed by someone else: %w", tb.name, id, registry.ErrConflict)
}

// del deletes the record when rev matches (0: any revision).
func (tb *table[T]) del(tx *wtx, id string, rev int64, ev *registry.AuditEvent) error {
	res, err := tx.exec("DELETE FROM "+tb.name+" WHERE id = ? AND (rev = ? OR ? = 0)", id, rev, rev)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return tb.missingOrStale(tx, id)
	}
	if tb.unside != nil {
		if err := tb.unside(tx, id); err != nil {
			return err
		}
	}
	if tb.kind != "" {
		if err := tx.change(tb.kind, id, true); err != nil {
			return err
		}
	}
	return tx.audit(ev, tb.auditKind(), id)
}

// getTx reads a record inside a write transaction.
func (tb *table[T]) getTx(tx *wtx, col string, key any) (T, error) {
	return tb.get(tx.ctx, tx, col, key)
}

func marshal(v any) ([]byte, error) { return json.Marshal(v) }

// encodeDoc encodes a record for its doc column: purchases in their binary
// form, everything else as JSON.
func encodeDoc[T any](x *T) ([]byte, error) {
	if p, ok := any(x).(*registry.Purchase); ok {
		return encodePurchase(nil, p)
	}
	return json.Marshal(x)
}
