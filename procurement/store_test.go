package procurement

import (
	"context"
	"testing"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/sqlite"
)

// newService opens a real embedded store in dir and returns the Service and
// a context acting as the importer.
func newService(t *testing.T, dir string) (*registry.Service, context.Context) {
	t.Helper()
	st, err := sqlite.Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return registry.NewService(st), registry.WithActor(t.Context(), registry.SystemActor("import"))
}

func importFile(t *testing.T, svc *registry.Service, ctx context.Context, dataDir, path string, opts Options) (Summary, []RowError) {
	t.Helper()
	var rejected []RowError
	opts.DataDir = dataDir
	opts.OnReject = func(e RowError) { rejected = append(rejected, e) }
	im, err := NewImporter(svc, opts)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := im.ImportFile(ctx, path)
	if err != nil {
		t.Fatalf("import %s: %v", path, err)
	}
	if int64(len(rejected)) > sum.Rejected {
		t.Fatalf("%d rejects reported, summary says %d", len(rejected), sum.Rejected)
	}
	return sum, rejected
}

func countPurchases(t *testing.T, svc *registry.Service, source string) int64 {
	t.Helper()
	l, err := svc.Store().Purchases().List(t.Context(), registry.PurchaseFilter{Source: source, Page: registry.Page{First: 1, WantTotal: true}})
	if err != nil {
		t.Fatal(err)
	}
	return l.Total
}
