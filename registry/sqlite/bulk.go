package sqlite

import (
	"context"
	"database/sql"
	"strings"
)

// bulkRows is how many rows one multi-row INSERT carries (SQLite allows
// 32766 parameters per statement).
const bulkRows = 100

// insertMany inserts rows with multi-row INSERTs of up to bulkRows rows,
// through prepared statements.
func (s *Store) insertMany(tx *wtx, table string, cols []string, rows [][]any, or string) error {
	for len(rows) > 0 {
		n := min(len(rows), bulkRows)
		q := insertSQL(table, cols, n, or)
		args := make([]any, 0, n*len(cols))
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		if _, err := s.wstmt(tx, q).ExecContext(tx.ctx, args...); err != nil {
			return dbErr(err)
		}
		rows = rows[n:]
	}
	return nil
}

func insertSQL(table string, cols []string, n int, or string) string {
	var b strings.Builder
	b.WriteString("INSERT ")
	if or != "" {
		b.WriteString(or + " ")
	}
	b.WriteString("INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	row := "(" + placeholders(len(cols)) + ")"
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

// wexec runs a write statement in tx, through the statement prepared at
// Open when there is one.
type execer interface {
	ExecContext(ctx context.Context, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, args ...any) (*sql.Rows, error)
}

// wstmt is the statement of query for tx: the one prepared at Open when
// query is a hot one, else prepared for this transaction. (Preparing on the
// writer pool inside a transaction would wait for the transaction's own
// connection.)
func (s *Store) wstmt(tx *wtx, query string) execer {
	s.stmtMu.Lock()
	st, ok := s.stmts[stmtKey{s.w, query}]
	s.stmtMu.Unlock()
	if ok {
		return tx.StmtContext(tx.ctx, st)
	}
	return txStmt{tx, query}
}

type txStmt struct {
	tx    *wtx
	query string
}

func (t txStmt) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.query, args...)
}

func (t txStmt) QueryContext(ctx context.Context, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.query, args...)
}

// stmt returns the prepared statement of query on db, preparing it once.
// Never call it for the writer inside a write transaction.
func (s *Store) stmt(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	key := stmtKey{db, query}
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if st, ok := s.stmts[key]; ok {
		return st, nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, dbErr(err)
	}
	if s.stmts == nil {
		s.stmts = map[stmtKey]*sql.Stmt{}
	}
	s.stmts[key] = st
	return st, nil
}

type stmtKey struct {
	db    *sql.DB
	query string
}
