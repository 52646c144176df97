package mongo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/mongo/mongotest"
)

// These tests stop writes at each point of the write protocol, as if the
// process had died there, and check what a reader sees before and after a
// restart (a new Store on the same database): the change log and the audit
// log never claim a write that did not happen, and every write that did
// happen gets its change and its audit event.

var errDied = errors.New("process died here")

type world struct {
	t   *testing.T
	srv mongotest.Server
	db  string
}

func newWorld(t *testing.T) *world {
	return &world{t: t, srv: mongotest.Start(t), db: mongotest.DBName()}
}

// open opens a store on the world's database, like a (re)started process.
func (w *world) open(opts ...Option) *Store {
	w.t.Helper()
	s, err := Open(w.t.Context(), w.srv.URI, append([]Option{WithDatabase(w.db)}, opts...)...)
	if err != nil {
		w.t.Fatalf("Open: %v", err)
	}
	w.t.Cleanup(func() { _ = s.Close() })
	return s
}

// dieAt makes the store's next write stop at point.
func dieAt(s *Store, point string) {
	s.hook = func(p string) error {
		if p == point {
			s.hook = nil
			return errDied
		}
		return nil
	}
}

func changes(t *testing.T, s *Store) []registry.Change {
	t.Helper()
	cs, err := s.Changes(t.Context(), 0, 100)
	if err != nil {
		t.Fatalf("Changes: %v", err)
	}
	return cs
}

func auditOf(t *testing.T, s *Store, target string) []registry.AuditEvent {
	t.Helper()
	l, err := s.Audit().List(t.Context(), registry.AuditFilter{TargetID: target, Page: registry.Page{First: 100}})
	if err != nil {
		t.Fatalf("Audit.List: %v", err)
	}
	return l.Items
}

func entity(id, nit string) *registry.Entity {
	return &registry.Entity{ID: id, NIT: nit, CheckDigit: registry.NITCheckDigit(nit), Name: "Entidad " + nit,
		CreatedAt: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)}
}

func ev(action, id string) *registry.AuditEvent {
	return &registry.AuditEvent{At: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), Actor: "u1", Action: action, TargetID: id}
}

// A write that dies after applying, before publishing, is published by the
// next Open: its change and its audit event appear exactly once.
func TestDiesAfterApply(t *testing.T) {
	for _, point := range []string{"publish", "clear"} {
		t.Run(point, func(t *testing.T) {
			w := newWorld(t)
			s := w.open()
			dieAt(s, point)
			if err := s.Entities().Create(t.Context(), entity("e1", "899999053"), ev("entity.create", "e1")); !errors.Is(err, errDied) {
				t.Fatalf("Create: %v", err)
			}
			if _, err := s.Entities().Get(t.Context(), "e1"); err != nil {
				t.Fatalf("the applied write is not readable: %v", err)
			}
			if point == "publish" {
				if cs := changes(t, s); len(cs) != 0 {
					t.Fatalf("changes before the restart: %+v", cs)
				}
				if evs := auditOf(t, s, "e1"); len(evs) != 0 {
					t.Fatalf("audit before the restart: %+v", evs)
				}
			}
			r := w.open() // restart
			cs := changes(t, r)
			if len(cs) != 1 || cs[0].Kind != registry.KindEntity || cs[0].ID != "e1" {
				t.Fatalf("changes after the restart: %+v", cs)
			}
			if evs := auditOf(t, r, "e1"); len(evs) != 1 || evs[0].Action != "entity.create" {
				t.Fatalf("audit after the restart: %+v", evs)
			}
			// The record takes writes again (its outbox is gone).
			e, _ := r.Entities().Get(t.Context(), "e1")
			e.Website = "https://example.gov.co"
			if err := r.Entities().Update(t.Context(), &e, nil); err != nil {
				t.Fatalf("Update after the restart: %v", err)
			}
		})
	}
}

// A write that dies before applying leaves a hole in the sequence. Readers
// stop before it during the grace period (so they never skip a change that
// is about to appear) and void it afterwards.
func TestDiesBeforeApply(t *testing.T) {
	w := newWorld(t)
	s := w.open()
	dieAt(s, "apply")
	if err := s.Entities().Create(t.Context(), entity("e1", "899999053"), ev("entity.create", "e1")); !errors.Is(err, errDied) {
		t.Fatalf("Create: %v", err)
	}
	if _, err := s.Entities().Get(t.Context(), "e1"); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("a write that never happened is readable: %v", err)
	}
	if err := s.Entities().Create(t.Context(), entity("e2", "800000001"), nil); err != nil {
		t.Fatal(err)
	}
	if cs := changes(t, s); len(cs) != 0 {
		t.Fatalf("a reader went past the hole within the grace period: %+v", cs)
	}
	later := w.open(WithClock(func() time.Time { return time.Now().Add(time.Minute) }))
	cs := changes(t, later)
	if len(cs) != 1 || cs[0].ID != "e2" || cs[0].Seq != 2 {
		t.Fatalf("changes after the grace period: %+v", cs)
	}
	if evs := auditOf(t, later, "e1"); len(evs) != 0 {
		t.Fatalf("audit of a write that never happened: %+v", evs)
	}
	// The hole is voided for good: the first reader sees the same.
	if cs := changes(t, s); len(cs) != 1 || cs[0].ID != "e2" {
		t.Fatalf("changes after the repair: %+v", cs)
	}
}

// A writer that is only slow (its number was voided by a reader that gave
// up waiting) publishes its change under a new number.
func TestSlowWriterIsResequenced(t *testing.T) {
	w := newWorld(t)
	s := w.open()
	impatient := w.open(WithGrace(0))
	var seen []registry.Change
	s.hook = func(p string) error {
		if p != "apply" {
			return nil
		}
		s.hook = nil
		// Meanwhile another writer publishes number 2 and a reader voids 1.
		if err := impatient.Entities().Create(t.Context(), entity("e2", "800000001"), nil); err != nil {
			return err
		}
		seen = changes(t, impatient)
		return nil
	}
	if err := s.Entities().Create(t.Context(), entity("e1", "899999053"), ev("entity.create", "e1")); err != nil {
		t.Fatalf("slow Create: %v", err)
	}
	if len(seen) != 1 || seen[0].ID != "e2" {
		t.Fatalf("the impatient reader saw %+v", seen)
	}
	cs := changes(t, s)
	if len(cs) != 2 || cs[0].ID != "e2" || cs[1].ID != "e1" || cs[1].Seq <= cs[0].Seq {
		t.Fatalf("changes: %+v, want e2 then e1 under a new number", cs)
	}
	if cs, _ := impatient.Changes(t.Context(), seen[0].Seq, 10); len(cs) != 1 || cs[0].ID != "e1" {
		t.Fatalf("the reader's next poll: %+v", cs)
	}
}

// A delete that dies after its tombstone hides the record at once, keeps
// its natural key free for a new record, and is published at restart.
func TestDiesAfterTombstone(t *testing.T) {
	w := newWorld(t)
	s := w.open()
	ctx := t.Context()
	if err := s.Entities().Create(ctx, entity("e1", "899999053"), nil); err != nil {
		t.Fatal(err)
	}
	dieAt(s, "publish")
	if err := s.Entities().Delete(ctx, "e1", 1, ev("entity.delete", "e1")); !errors.Is(err, errDied) {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Entities().Get(ctx, "e1"); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("Get of a deleted record: %v", err)
	}
	if _, err := s.Entities().GetByNIT(ctx, "899999053"); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("GetByNIT of a deleted record: %v", err)
	}
	if l, _ := s.Entities().List(ctx, registry.EntityFilter{Page: registry.Page{WantTotal: true}}); l.Total != 0 || len(l.Items) != 0 {
		t.Fatalf("List shows a deleted record: %+v", l)
	}
	if err := s.Entities().Delete(ctx, "e1", 0, nil); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("second Delete: %v", err)
	}
	// The NIT is free: the tombstone is finished when a new record needs it.
	if err := s.Entities().Create(ctx, entity("e2", "899999053"), nil); err != nil {
		t.Fatalf("Create on the deleted record's NIT: %v", err)
	}
	r := w.open()
	cs := changes(t, r)
	if len(cs) != 3 || cs[1].ID != "e1" || !cs[1].Deleted || cs[2].ID != "e2" {
		t.Fatalf("changes: %+v", cs)
	}
	if evs := auditOf(t, r, "e1"); len(evs) != 1 || evs[0].Action != "entity.delete" {
		t.Fatalf("audit: %+v", evs)
	}
}

// A purchase batch that dies after its bulk write is published at restart:
// one change per row and the batch's one audit event.
func TestBatchDiesAfterApply(t *testing.T) {
	w := newWorld(t)
	s := w.open()
	ctx := t.Context()
	rows := make([]registry.Purchase, 5)
	for i := range rows {
		rows[i] = registry.Purchase{Source: registry.SourceSECOPII, ContractID: fmt.Sprintf("CO1.PCCNTR.%d", i), BuyerNIT: "899999053",
			Value: int64(1000 * (i + 1)), RowHash: fmt.Sprintf("h%d", i)}
	}
	dieAt(s, "publish")
	if _, err := s.Purchases().UpsertBatch(ctx, rows, &registry.AuditEvent{Actor: "system:import", Action: "purchase.import", TargetKind: "import", TargetID: "run-1"}); !errors.Is(err, errDied) {
		t.Fatalf("UpsertBatch: %v", err)
	}
	r := w.open()
	cs := changes(t, r)
	if len(cs) != 5 {
		t.Fatalf("changes: %+v", cs)
	}
	for i, c := range cs {
		if c.ID != rows[i].ID {
			t.Fatalf("change %d: %+v, want %s", i, c, rows[i].ID)
		}
	}
	if evs := auditOf(t, r, "run-1"); len(evs) != 1 {
		t.Fatalf("audit: %+v", evs)
	}
	// Re-running the import finds every row unchanged.
	out, err := r.Purchases().UpsertBatch(ctx, rows, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range out {
		if o != registry.OutcomeUnchanged {
			t.Fatalf("row %d: %v", i, o)
		}
	}
}

// A repository URL claim left by a process that died between claiming and
// creating its asset blocks others only for the grace period.
func TestOrphanURLClaim(t *testing.T) {
	w := newWorld(t)
	s := w.open()
	ctx := t.Context()
	url := "https://git.example.gov.co/orfeo"
	if _, err := s.assetURLs.InsertOne(ctx, urlClaim{URL: url, AssetID: "ghost", At: s.now()}); err != nil {
		t.Fatal(err)
	}
	a := &registry.Asset{ID: "a1", Kind: registry.AssetPublic, Slug: "orfeo", Name: "Orfeo", RepositoryURL: url}
	if err := s.Assets().Create(ctx, a, nil); !errors.Is(err, registry.ErrConflict) {
		t.Fatalf("Create over a fresh claim: %v", err)
	}
	later := w.open(WithClock(func() time.Time { return time.Now().Add(time.Minute) }))
	if err := later.Assets().Create(ctx, a, nil); err != nil {
		t.Fatalf("Create over an orphan claim: %v", err)
	}
	var c urlClaim
	if err := s.assetURLs.FindOne(ctx, bson.D{{Key: "_id", Value: url}}).Decode(&c); err != nil || c.AssetID != "a1" {
		t.Fatalf("claim after takeover: %+v %v", c, err)
	}
}

func TestOpenUnreachable(t *testing.T) {
	start := time.Now()
	_, err := Open(context.Background(), "mongodb://127.0.0.1:1/", WithTimeout(500*time.Millisecond))
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("Open of a closed port: %v, want ErrUnreachable", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Fatalf("error is not one line: %q", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("Open took %v with a 500 ms timeout", d)
	}
	if _, err := Open(context.Background(), "postgres://nope"); err == nil || errors.Is(err, ErrUnreachable) {
		t.Fatalf("Open of a bad URI: %v", err)
	}
}

func TestDatabaseName(t *testing.T) {
	srv := mongotest.Start(t)
	name := mongotest.DBName()
	for _, tc := range []struct {
		uri  string
		opts []Option
		want string
	}{
		{srv.URI, nil, DefaultDatabase}, // FerretDB only: a real server's "acervo" is left alone
		{strings.TrimSuffix(srv.URI, "/") + "/" + name, nil, name},
		{strings.TrimSuffix(srv.URI, "/") + "/other", []Option{WithDatabase(name)}, name},
	} {
		if tc.want == DefaultDatabase && !srv.Ferret {
			continue
		}
		s, err := Open(t.Context(), tc.uri, tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Database(); got != tc.want {
			t.Errorf("Open(%s): database %q, want %q", tc.uri, got, tc.want)
		}
		if s.FerretDB() != srv.Ferret {
			t.Errorf("FerretDB() = %v on a server that is FerretDB: %v", s.FerretDB(), srv.Ferret)
		}
		_ = s.Close()
	}
}

// The asset documents are the truth about repository URLs: a claim that
// went missing while its asset still lists the URL does not let another
// asset take the URL.
func TestLostURLClaim(t *testing.T) {
	w := newWorld(t)
	s := w.open()
	ctx := t.Context()
	url := "https://git.example.gov.co/orfeo"
	if err := s.Assets().Create(ctx, &registry.Asset{ID: "a1", Kind: registry.AssetPublic, Slug: "orfeo", Name: "Orfeo", RepositoryURL: url}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.assetURLs.DeleteOne(ctx, bson.D{{Key: "_id", Value: url}}); err != nil {
		t.Fatal(err)
	}
	b := &registry.Asset{ID: "b1", Kind: registry.AssetPublic, Slug: "orfeo-2", Name: "Orfeo 2", RepositoryAliases: []string{url}}
	if err := s.Assets().Create(ctx, b, nil); !errors.Is(err, registry.ErrConflict) {
		t.Fatalf("Create with a URL another asset lists: %v", err)
	}
	if n, _ := s.assetURLs.CountDocuments(ctx, bson.D{}); n != 0 {
		t.Fatalf("%d claims left after the refused Create", n)
	}
	// The owner re-claims it on its next update.
	a, _ := s.Assets().Get(ctx, "a1")
	a.Name = "Orfeo NG"
	if err := s.Assets().Update(ctx, &a, nil); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.assetURLs.CountDocuments(ctx, bson.D{{Key: "assetId", Value: "a1"}}); n != 1 {
		t.Fatalf("claims of a1 after its update: %d", n)
	}
}
