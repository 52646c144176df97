package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/acervo-co/acervo/registry"
)

// sortSpec is one order of a list: a column (with an index ending in id)
// and its direction. Ties are broken by id in the same direction.
type sortSpec struct {
	col  string
	desc bool
	key  byte // 'i' int64, 'f' float64, 's' string
}

// where accumulates the conditions of a filter.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// in adds col IN (values) when values is not empty.
func (w *where) in(col string, values []string) {
	if len(values) == 0 {
		return
	}
	w.add(col+" IN ("+placeholders(len(values))+")", anys(values)...)
}

// eq adds col = value when value is not empty.
func (w *where) eq(col, value string) {
	if value != "" {
		w.add(col+" = ?", value)
	}
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// listing is one keyset-paginated query.
type listing struct {
	table string
	where where
	sorts map[string]sortSpec
	def   string // default sort
	sort  string
	page  registry.Page
}

func list[T any](ctx context.Context, s *Store, l listing) (registry.List[T], error) {
	var out registry.List[T]
	p := l.page
	if err := p.Validate(); err != nil {
		return out, err
	}
	name := l.sort
	if name == "" {
		name = l.def
	}
	spec, ok := l.sorts[name]
	if !ok {
		return out, registry.Invalid("sort", "unknown sort %q", l.sort)
	}
	n := p.Size()
	backward := p.Backward()
	cursor := p.After
	if backward {
		cursor = p.Before
	}
	// Scanning direction: descending when the sort is, flipped going back.
	down := spec.desc != backward
	w := where{conds: slices.Clone(l.where.conds), args: slices.Clone(l.where.args)}
	if cursor != "" {
		var (
			c   registry.Cursor
			key any
			err error
		)
		switch spec.key {
		case 'i':
			var k int64
			c, err = registry.DecodeCursor(cursor, name, &k)
			key = k
		case 'f':
			var k float64
			c, err = registry.DecodeCursor(cursor, name, &k)
			key = k
		default:
			var k string
			c, err = registry.DecodeCursor(cursor, name, &k)
			key = k
		}
		if err != nil {
			return out, err
		}
		w.add(cmp(spec.col, down), key, c.ID)
	}
	dir := " ASC"
	if down {
		dir = " DESC"
	}
	q := "SELECT doc, " + spec.col + ", id FROM " + l.table + w.sql() +
		" ORDER BY " + spec.col + dir + ", id" + dir + fmt.Sprintf(" LIMIT %d", n+1)
	rows, err := s.query(ctx, q, w.args...)
	if err != nil {
		return out, dbErr(err)
	}
	defer rows.Close()
	type row struct {
		x   T
		key any
		id  string
	}
	var rs []row
	for rows.Next() {
		var doc []byte
		var r row
		if err := rows.Scan(&doc, &r.key, &r.id); err != nil {
			return out, dbErr(err)
		}
		if r.x, err = decode[T](doc); err != nil {
			return out, err
		}
		switch spec.key {
		case 'f':
			switch k := r.key.(type) {
			case int64:
				r.key = float64(k)
			}
		case 's':
			switch k := r.key.(type) {
			case []byte:
				r.key = string(k)
			}
		}
		rs = append(rs, r)
	}
	if err := rows.Err(); err != nil {
		return out, dbErr(err)
	}
	more := len(rs) > n
	if more {
		rs = rs[:n]
	}
	if backward {
		slices.Reverse(rs)
		out.PageInfo.HasPreviousPage = more
		out.PageInfo.HasNextPage = cursor != ""
	} else {
		out.PageInfo.HasNextPage = more
		out.PageInfo.HasPreviousPage = cursor != ""
	}
	out.Items = make([]T, len(rs))
	out.Cursors = make([]string, len(rs))
	for i, r := range rs {
		out.Items[i] = r.x
		out.Cursors[i] = registry.EncodeCursor(name, r.key, r.id)
	}
	if len(rs) > 0 {
		out.PageInfo.StartCursor = out.Cursors[0]
		out.PageInfo.EndCursor = out.Cursors[len(rs)-1]
	}
	if p.WantTotal {
		if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM "+l.table+l.where.sql(), l.where.args...).Scan(&out.Total); err != nil {
			return out, dbErr(err)
		}
	}
	return out, nil
}

// query runs a read through a prepared statement (kept for the next call),
// unless too many distinct statements are kept already.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	const maxStmts = 1000
	s.stmtMu.Lock()
	n := len(s.stmts)
	s.stmtMu.Unlock()
	if n >= maxStmts {
		return s.r.QueryContext(ctx, q, args...)
	}
	st, err := s.stmt(ctx, s.r, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// cmp is the keyset condition past a cursor (key, id).
func cmp(col string, down bool) string {
	if down {
		return "(" + col + ", id) < (?, ?)"
	}
	return "(" + col + ", id) > (?, ?)"
}
