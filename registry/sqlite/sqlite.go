package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/acervo-co/acervo/registry"
	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"
)

// ErrLocked reports a data directory that another running process has open.
var ErrLocked = errors.New("data directory is in use")

// lockedError says which directory is locked; it is an ErrLocked.
type lockedError struct{ dir string }

func (e *lockedError) Error() string {
	return "data directory " + e.dir + " is in use by another acervo process"
}

func (e *lockedError) Is(target error) bool { return target == ErrLocked }

//go:embed migrations/*.sql
var migrationFS embed.FS

// pageSize is the page size of new databases.
const pageSize = 16384

// DBName is the database file inside the data directory.
const DBName = "acervo.db"

// LockName is the lock file inside the data directory.
const LockName = "acervo.lock"

type config struct {
	log       *slog.Logger
	readers   int
	writerKiB int
	readerKiB int
}

// Option configures Open.
type Option func(*config)

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithReaders sets the number of read connections (default: 2 × CPUs, at
// least 4).
func WithReaders(n int) Option { return func(c *config) { c.readers = n } }

// WithCache sets the page cache of the writer and of each reader connection,
// in MiB (defaults 32 and 8). The writer's cache holds the index pages an
// import touches; readers share the operating system's file cache.
func WithCache(writerMiB, readerMiB int) Option {
	return func(c *config) { c.writerKiB, c.readerKiB = writerMiB<<10, readerMiB<<10 }
}

// idleRelease is how long the writer waits after its last write before it
// gives its page cache back: an import's index pages are not kept for the
// rest of the process's life.
const idleRelease = 10 * time.Second

// Store is the SQLite registry.Store.
type Store struct {
	dir  string
	lock *os.File
	w    *sql.DB // one connection: every write transaction, in turn
	r    *sql.DB // read-only connections
	log  *slog.Logger

	bulkRows atomic.Int64 // rows written since the last optimize

	lastWrite atomic.Int64 // Unix nanoseconds of the last write transaction
	cached    atomic.Bool  // the writer's cache holds pages since its last release
	stop      chan struct{}
	stopped   chan struct{}

	stmtMu sync.Mutex
	stmts  map[stmtKey]*sql.Stmt

	assets     *assets
	releases   *releases
	entities   *entities
	adoptions  *adoptions
	purchases  *purchases
	links      *links
	advisories *advisories
	mirrors    *mirrors
	users      *users
	tokens     *tokens
	audit      *audit
	imports    *imports
	notices    *notices
	webhooks   *webhooks
	sessions   *sessions
}

func (s *Store) Assets() registry.AssetStore        { return s.assets }
func (s *Store) Releases() registry.ReleaseStore    { return s.releases }
func (s *Store) Entities() registry.EntityStore     { return s.entities }
func (s *Store) Adoptions() registry.AdoptionStore  { return s.adoptions }
func (s *Store) Purchases() registry.PurchaseStore  { return s.purchases }
func (s *Store) Links() registry.LinkStore          { return s.links }
func (s *Store) Advisories() registry.AdvisoryStore { return s.advisories }
func (s *Store) Mirrors() registry.MirrorStore      { return s.mirrors }
func (s *Store) Users() registry.UserStore          { return s.users }
func (s *Store) Tokens() registry.TokenStore        { return s.tokens }
func (s *Store) Audit() registry.AuditStore         { return s.audit }
func (s *Store) Imports() registry.ImportStore      { return s.imports }
func (s *Store) Notices() registry.NoticeStore      { return s.notices }
func (s *Store) Webhooks() registry.WebhookStore    { return s.webhooks }
func (s *Store) Sessions() registry.SessionStore    { return s.sessions }

var _ registry.Store = (*Store)(nil)

// Open opens (creating when needed) the store in dir: dir/acervo.db, locked
// by dir/acervo.lock for as long as the store is open, migrated to the
// current schema.
func Open(ctx context.Context, dir string, opts ...Option) (*Store, error) {
	c := defaults()
	for _, o := range opts {
		o(&c)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("data directory %s: %w", dir, err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	s := &Store{dir: dir, lock: lock, log: c.log}
	s.assets = newAssets(s)
	s.releases = newReleases(s)
	s.entities = newEntities(s)
	s.adoptions = newAdoptions(s)
	s.purchases = newPurchases(s)
	s.links = newLinks(s)
	s.advisories = newAdvisories(s)
	s.mirrors = newMirrors(s)
	s.users = newUsers(s)
	s.tokens = newTokens(s)
	s.audit = &audit{s: s, sorts: map[string]sortSpec{registry.SortSeq: {col: "seq", desc: true, key: 'i'}}}
	s.imports = newImports(s)
	s.notices = newNotices(s)
	s.webhooks = newWebhooks(s)
	s.sessions = &sessions{s: s}
	if err := s.open(ctx, c); err != nil {
		s.Close()
		return nil, err
	}
	s.stop, s.stopped = make(chan struct{}), make(chan struct{})
	go s.releaseIdle()
	return s, nil
}

// lockDir takes the exclusive advisory lock of dir. The kernel drops it when
// the process ends, however it ends, so a crash never leaves a stale lock.
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, LockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("data directory %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &lockedError{dir}
		}
		return nil, fmt.Errorf("data directory %s: lock: %w", dir, err)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	return f, nil
}

// Pragmas of every connection:
//   - WAL: readers never wait for the writer, and a commit is one append to
//     the log.
//   - synchronous=NORMAL: in WAL mode a commit is written to the log before
//     it is acknowledged, and the log is fsynced at checkpoints. A commit
//     survives the process being killed (SIGKILL, panic, OOM killer), since
//     the data is in the operating system's page cache; only an operating
//     system crash or a power cut can lose the last commits, and never
//     corrupts the database. FULL would fsync every commit, which costs more
//     than the whole insert of a purchase batch on ordinary disks.
//   - busy_timeout: the odd lock held by a checkpoint waits instead of
//     failing.
//   - foreign_keys: on, though the schema declares none: referential rules
//     live in registry.Service so that the MongoDB store behaves the same.
//   - mmap_size: 0, no memory map. Each connection maps the file on its
//     own, and mapped pages count in the resident memory of the process once
//     per connection: five connections mapping 64 MiB each grew a serving
//     process by 300 MiB while an import ran. At the State's scale the
//     database is many times any map, so reads go through the operating
//     system's file cache either way.
//   - cache_size: the writer keeps the hot index pages of large imports in
//     32 MiB (512 MiB let a 1,000,000-row import peak at 2.6 GiB) and gives
//     them back when writes stop (see idleRelease); each reader keeps 8 MiB,
//     enough for the upper levels of every index. These are SQLite's
//     figures: its pages live in memory from modernc's C allocator, outside
//     the Go heap, whose power-of-two slots give each 4 KiB page (plus
//     SQLite's header) an 8 KiB slot. A full 32 MiB cache measured 52 MiB
//     resident, so the writer and four readers can hold about 100 MiB.
func dsn(path string, pragmas []string) string {
	var b strings.Builder
	b.WriteString(path + "?")
	for i, p := range pragmas {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString("_pragma=" + p)
	}
	return b.String()
}

// pragmas are the settings of a connection, as name(value).
func pragmas(cacheKiB int, extra ...string) []string {
	return append([]string{"busy_timeout(10000)", "synchronous(NORMAL)", "foreign_keys(1)",
		"temp_store(MEMORY)", "mmap_size(0)", fmt.Sprintf("cache_size(-%d)", cacheKiB)}, extra...)
}

// writerPragmas are the settings of the writer connection.
func writerPragmas(c config) []string { return pragmas(c.writerKiB, "wal_autocheckpoint(16384)") }

// defaults is the configuration Open starts from.
func defaults() config {
	return config{log: slog.New(slog.DiscardHandler), readers: max(4, 2*runtime.NumCPU()), writerKiB: 32 << 10, readerKiB: 8 << 10}
}

func (s *Store) open(ctx context.Context, c config) error {
	path := filepath.Join(s.dir, DBName)
	var err error
	s.w, err = sql.Open("sqlite", dsn(path, writerPragmas(c))+"&_txlock=immediate")
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	// The page size of a new database is set before WAL mode fixes it.
	if _, err := s.w.ExecContext(ctx, fmt.Sprintf("PRAGMA page_size = %d", pageSize)); err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	var mode string
	if err := s.w.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil || mode != "wal" {
		return fmt.Errorf("open %s: journal mode %q: %v", path, mode, err)
	}
	if err := s.migrate(ctx); err != nil {
		return err
	}
	s.optimize(ctx)
	for _, q := range hotWrites() {
		if _, err := s.stmt(ctx, s.w, q); err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
	}
	s.r, err = sql.Open("sqlite", dsn(path, pragmas(c.readerKiB, "query_only(1)")))
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	s.r.SetMaxOpenConns(c.readers)
	s.r.SetMaxIdleConns(c.readers)
	s.r.SetConnMaxIdleTime(0)
	s.r.SetConnMaxLifetime(0)
	return s.r.PingContext(ctx)
}

// migrate applies the embedded migrations the database lacks, each in its
// own transaction, in order.
// migrationFixes run after the SQL of their migration, in its transaction:
// the changes SQL cannot make alone (documents are encoded in Go).
var migrationFixes = map[int]func(context.Context, *sql.Tx) error{
	2: backfillContracted,
}

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	type migration struct {
		version int
		name    string
	}
	files, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	var ms []migration
	for _, f := range files {
		base := filepath.Base(f)
		n, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with its number", base)
		}
		ms = append(ms, migration{n, base})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	var current int
	if err := s.w.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if len(ms) > 0 && current > ms[len(ms)-1].version {
		return fmt.Errorf("database schema %d is newer than this acervo knows (%d): use a newer acervo", current, ms[len(ms)-1].version)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		body, err := migrationFS.ReadFile("migrations/" + m.name)
		if err != nil {
			return err
		}
		tx, err := s.w.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if fix := migrationFixes[m.version]; fix != nil {
			if err := fix(ctx, tx); err != nil {
				tx.Rollback()
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.version, m.name, time.Now().UTC().Format(time.RFC3339)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		s.log.Info("sqlite: applied migration", "name", m.name)
	}
	return nil
}

// optimize refreshes the planner's statistics where they are stale, so that
// it picks the index that serves a filter best (a rare buyer's index, or the
// date order for a filter most rows pass). Bounded by analysis_limit.
func (s *Store) optimize(ctx context.Context) {
	if _, err := s.w.ExecContext(ctx, `PRAGMA analysis_limit = 1000`); err != nil {
		s.log.Warn("sqlite: analysis_limit", "err", err)
	}
	if _, err := s.w.ExecContext(ctx, `PRAGMA optimize = 0x10002`); err != nil {
		s.log.Warn("sqlite: optimize", "err", err)
	}
}

// wrote counts rows written in bulk and refreshes the statistics every
// optimizeEvery rows.
func (s *Store) wrote(ctx context.Context, n int) {
	const optimizeEvery = 100_000
	if s.bulkRows.Add(int64(n)) < optimizeEvery {
		return
	}
	s.bulkRows.Store(0)
	s.optimize(ctx)
}

// releaseIdle gives the writer's page cache back once writes have stopped
// for idleRelease.
func (s *Store) releaseIdle() {
	defer close(s.stopped)
	t := time.NewTicker(idleRelease / 2)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		if !s.cached.Load() || time.Since(time.Unix(0, s.lastWrite.Load())) < idleRelease {
			continue
		}
		s.cached.Store(false)
		if _, err := s.w.Exec(`PRAGMA shrink_memory`); err != nil {
			s.log.Warn("sqlite: releasing the writer's cache", "err", err)
		}
	}
}

// Close closes the database and releases the data directory.
func (s *Store) Close() error {
	var errs []error
	if s.stop != nil {
		close(s.stop)
		<-s.stopped
		s.stop = nil
	}
	s.stmtMu.Lock()
	for _, st := range s.stmts {
		errs = append(errs, st.Close())
	}
	s.stmts = nil
	s.stmtMu.Unlock()
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	if s.w != nil {
		// A last checkpoint folds the log into the database file.
		_, _ = s.w.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		errs = append(errs, s.w.Close())
	}
	if s.lock != nil {
		_ = syscall.Flock(int(s.lock.Fd()), syscall.LOCK_UN)
		errs = append(errs, s.lock.Close())
		s.lock = nil
	}
	return errors.Join(errs...)
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var n int
	return s.r.QueryRowContext(ctx, `SELECT 1`).Scan(&n)
}

// Dir is the data directory.
func (s *Store) Dir() string { return s.dir }

// Changes returns up to limit changes after seq.
func (s *Store) Changes(ctx context.Context, after int64, limit int) ([]registry.Change, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.r.QueryContext(ctx, `SELECT seq, kind, id, deleted FROM changes WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, dbErr(err)
	}
	defer rows.Close()
	var out []registry.Change
	for rows.Next() {
		var c registry.Change
		if err := rows.Scan(&c.Seq, &c.Kind, &c.ID, &c.Deleted); err != nil {
			return nil, dbErr(err)
		}
		out = append(out, c)
	}
	return out, dbErr(rows.Err())
}

// wtx is a write transaction.
type wtx struct {
	*sql.Tx
	ctx context.Context
}

// write runs fn in one IMMEDIATE transaction on the writer connection:
// everything fn writes commits together or not at all.
func (s *Store) write(ctx context.Context, fn func(tx *wtx) error) error {
	defer func() {
		s.lastWrite.Store(time.Now().UnixNano())
		s.cached.Store(true)
	}()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return dbErr(err)
	}
	if err := fn(&wtx{Tx: tx, ctx: ctx}); err != nil {
		tx.Rollback()
		return err
	}
	return dbErr(tx.Commit())
}

func (tx *wtx) exec(query string, args ...any) (sql.Result, error) {
	r, err := tx.ExecContext(tx.ctx, query, args...)
	return r, dbErr(err)
}

// change appends one entry to the change sequence.
func (tx *wtx) change(kind, id string, deleted bool) error {
	_, err := tx.exec(`INSERT INTO changes (kind, id, deleted) VALUES (?, ?, ?)`, kind, id, deleted)
	return err
}

// audit appends ev (when not nil), filling its id, time and target.
func (tx *wtx) audit(ev *registry.AuditEvent, kind, id string) error {
	if ev == nil {
		return nil
	}
	if ev.At.IsZero() {
		ev.At = time.Now().UTC()
	}
	if ev.ID == "" {
		ev.ID = registry.NewID(ev.At)
	}
	if ev.TargetKind == "" {
		ev.TargetKind = kind
	}
	if ev.TargetID == "" {
		ev.TargetID = id
	}
	doc, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	_, err = tx.exec(`INSERT INTO audit (id, actor, action, target_kind, target_id, entity_nit, doc) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		ev.ID, ev.Actor, ev.Action, ev.TargetKind, ev.TargetID, ev.EntityNIT, doc)
	return err
}

// dbErr translates SQLite errors into the registry's sentinels.
func dbErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return registry.ErrNotFound
	}
	var se *sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3lib.SQLITE_CONSTRAINT_UNIQUE, sqlite3lib.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %s", registry.ErrConflict, se.Error())
		}
	}
	return err
}

// Time keys: Unix microseconds, from the zero time to far futures.
func tkey(t time.Time) int64 { return t.UnixMicro() }

func ptkey(t *time.Time, none int64) int64 {
	if t == nil {
		return none
	}
	return t.UnixMicro()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
