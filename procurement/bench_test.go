package procurement

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/acervo-co/acervo/procurement/internal/gencsv"
	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/sqlite"
)

// BenchmarkMapSECOP2 measures reading, mapping, scoring and hashing the real
// SECOP II sample, without a store (ns/op is per file of 4,035 rows).
func BenchmarkMapSECOP2(b *testing.B) {
	data, err := os.ReadFile("testdata/real/secop2_contratos_ti.csv")
	if err != nil {
		b.Fatal(err)
	}
	tb, _ := LoadTables()
	det := NewDetector()
	b.ReportAllocs()
	for b.Loop() {
		src, err := openSource(bytes.NewReader(data), "auto", tb)
		if err != nil {
			b.Fatal(err)
		}
		im := &Importer{tables: tb, opts: Options{Detector: det}}
		n := 0
		for {
			it, err := src.next()
			if err != nil {
				break
			}
			ms, _ := im.mapItem(it, src.format().Dataset)
			for i := range ms {
				p := &ms[i].Purchase
				p.SoftwareScore, p.SoftwareReasons = det.Score(p)
				p.RowHash = RowHash(p)
				n++
			}
		}
		b.ReportMetric(float64(n), "rows/op")
	}
}

// benchFile writes a generated SECOP II CSV of n rows (ACERVO_BENCH_FILE, when
// set, is used as it is).
func benchFile(b *testing.B, n int) string {
	b.Helper()
	if p := os.Getenv("ACERVO_BENCH_FILE"); p != "" {
		return p
	}
	sample, err := os.Open("testdata/real/secop2_contratos_ti.csv")
	if err != nil {
		b.Fatal(err)
	}
	defer sample.Close()
	g, err := gencsv.New(sample, 7)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "contratos.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := g.Write(w, n, 90000000); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkImportStore imports a generated 100,000-row SECOP II CSV into a
// fresh embedded store (ns/op is per file; ACERVO_BENCH_BATCH sets the batch
// size).
func BenchmarkImportStore(b *testing.B) {
	path := benchFile(b, 100000)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		st, err := sqlite.Open(b.Context(), dir)
		if err != nil {
			b.Fatal(err)
		}
		svc := registry.NewService(st)
		ctx := registry.WithActor(b.Context(), registry.SystemActor("import"))
		bs, _ := strconv.Atoi(os.Getenv("ACERVO_BENCH_BATCH"))
		im, err := NewImporter(svc, Options{DataDir: dir, BatchSize: bs})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		sum, err := im.ImportFile(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		b.ReportMetric(float64(sum.Rows()), "rows/op")
		st.Close()
		b.StartTimer()
	}
}

// nopSink accepts everything and stores nothing: the pipeline's own cost.
type nopSink struct{}

func (nopSink) ImportPurchases(_ context.Context, _ string, ps []registry.Purchase) ([]registry.UpsertOutcome, error) {
	return make([]registry.UpsertOutcome, len(ps)), nil
}
func (nopSink) ImportEntity(context.Context, registry.Entity) (bool, error) { return true, nil }
func (nopSink) PurchaseByKey(context.Context, string, string) (registry.Purchase, error) {
	return registry.Purchase{}, registry.ErrNotFound
}
func (nopSink) StartImportRun(_ context.Context, r *registry.ImportRun) error {
	r.ID = "run"
	return nil
}
func (nopSink) SaveImportRun(context.Context, *registry.ImportRun) error { return nil }
func (nopSink) ResumableImportRun(context.Context, string, string) (registry.ImportRun, error) {
	return registry.ImportRun{}, registry.ErrNotFound
}

// BenchmarkImportPipeline imports the generated file into a sink that
// stores nothing (ns/op is per file of 100,000 rows).
func BenchmarkImportPipeline(b *testing.B) {
	path := benchFile(b, 100000)
	b.ReportAllocs()
	for b.Loop() {
		im, err := NewImporter(nopSink{}, Options{})
		if err != nil {
			b.Fatal(err)
		}
		sum, err := im.ImportFile(b.Context(), path)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(sum.Rows()), "rows/op")
	}
}

// BenchmarkStoreUpsertBatches times only the store's share: the generated
// file is mapped beforehand into the importer's batches (2,000 rows), which
// are then written with Purchases().UpsertBatch into a fresh embedded store
// (ns/op is per file of 100,000 rows).
func BenchmarkStoreUpsertBatches(b *testing.B) {
	path := benchFile(b, 100000)
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	tb, _ := LoadTables()
	src, err := openSource(f, "secop2", tb)
	if err != nil {
		b.Fatal(err)
	}
	im := &Importer{tables: tb, opts: Options{Detector: NewDetector()}}
	var all []registry.Purchase
	for {
		it, err := src.next()
		if err != nil {
			break
		}
		ms, _ := im.mapItem(it, src.format().Dataset)
		for i := range ms {
			p := &ms[i].Purchase
			p.SoftwareScore, p.SoftwareReasons = im.opts.Detector.Score(p)
			p.RowHash = RowHash(p)
			all = append(all, *p)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		st, err := sqlite.Open(b.Context(), b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		svc := registry.NewService(st)
		ctx := registry.WithActor(b.Context(), registry.SystemActor("import"))
		ps := append([]registry.Purchase(nil), all...)
		b.StartTimer()
		for i := 0; i < len(ps); i += 2000 {
			if _, err := svc.ImportPurchases(ctx, "run", ps[i:min(i+2000, len(ps))]); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(len(ps)), "rows/op")
		st.Close()
		b.StartTimer()
	}
}
