package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/registrytest"
)

func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	registrytest.Run(t, func(t *testing.T) registry.Store { return openTest(t) })
}

func TestDataDirLocked(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(t.Context(), dir)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	if want := "data directory " + dir + " is in use by another acervo process"; err.Error() != want {
		t.Fatalf("second Open: %q does not say %q", err, want)
	}
	// The first store keeps working.
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Once closed, the directory opens again, with its data.
	s2, err := Open(t.Context(), dir)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	s2.Close()
}

// openDir opens the store of dir, failing the test if it cannot.
func openDir(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMigrationsRecorded(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir)
	e := &registry.Entity{NIT: "899999053", Name: "MinTIC"}
	if err := s.Entities().Create(t.Context(), e, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Reopening applies nothing twice and keeps the data.
	s = openDir(t, dir)
	defer s.Close()
	var n, v int
	if err := s.r.QueryRow(`SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &v); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("migrations/*.sql")
	if n != len(files) || n == 0 {
		t.Fatalf("%d migrations recorded, %d embedded", n, len(files))
	}
	if _, err := s.Entities().GetByNIT(t.Context(), "899999053"); err != nil {
		t.Fatalf("data lost on reopen: %v", err)
	}
	var mode, sync string
	s.r.QueryRow(`PRAGMA journal_mode`).Scan(&mode)
	s.r.QueryRow(`PRAGMA synchronous`).Scan(&sync)
	if mode != "wal" || sync != "1" {
		t.Fatalf("journal_mode %s synchronous %s, want wal and 1 (NORMAL)", mode, sync)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 'x')`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(context.Background(), dir)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open of a newer schema: %v", err)
	}
}

func TestUnwritableDir(t *testing.T) {
	if os.Getuid() == 0 {
		// root writes anywhere: use a path under a regular file instead.
		f := filepath.Join(t.TempDir(), "file")
		os.WriteFile(f, nil, 0o600)
		if _, err := Open(t.Context(), filepath.Join(f, "data")); err == nil {
			t.Fatal("Open under a regular file succeeded")
		}
		return
	}
	dir := filepath.Join(t.TempDir(), "ro")
	os.Mkdir(dir, 0o500)
	if _, err := Open(t.Context(), filepath.Join(dir, "data")); err == nil {
		t.Fatal("Open in a read-only directory succeeded")
	}
}

// TestUpgradeSetsContracted: a store made before migration 2 (the
// contracted column) keeps its purchases, and the upgrade sets the column
// from each stored purchase's state, so spending figures leave out the
// records that never became a contract.
func TestUpgradeSetsContracted(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir)
	ps := []registry.Purchase{
		{Source: registry.SourceTVEC, ContractID: "1001", BuyerNIT: "899999053", Value: 5_000_000, Year: 2024, Status: "Emitida", RowHash: "a"},
		{Source: registry.SourceTVEC, ContractID: "1002", BuyerNIT: "899999053", Value: 7_000_000, Year: 2024, Status: "Cancelada", RowHash: "b"},
		{Source: registry.SourceSECOPI, ContractID: "11-1-1", BuyerNIT: "899999053", Value: 9_000_000, Year: 2024, Status: "Declarado desierto", RowHash: "c"},
	}
	if _, err := s.Purchases().UpsertBatch(t.Context(), ps, nil); err != nil {
		t.Fatal(err)
	}
	// Back to the schema of version 1: the column and its record gone.
	if _, err := s.w.Exec(`ALTER TABLE purchases DROP COLUMN contracted; DELETE FROM schema_migrations WHERE version = 2`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openDir(t, dir)
	defer s.Close()
	g, err := s.Purchases().Aggregate(t.Context(), registry.PurchaseFilter{Contracted: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(g) != 1 || g[0].Count != 1 || g[0].Total != 5_000_000 {
		t.Fatalf("contracted after the upgrade: %+v, want the one order of $ 5.000.000", g)
	}
	all, err := s.Purchases().Aggregate(t.Context(), registry.PurchaseFilter{})
	if err != nil || len(all) != 1 || all[0].Count != 3 {
		t.Fatalf("every record is kept: %+v, %v", all, err)
	}
}
