package mongo_test

import (
	"context"
	"testing"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/mongo"
	"github.com/acervo-co/acervo/registry/mongo/mongotest"
	"github.com/acervo-co/acervo/registry/registrytest"
)

// TestConformance runs the shared store suite, each subtest on a fresh
// database: on an in-process FerretDB, or on ACERVO_TEST_MONGODB_URI.
func TestConformance(t *testing.T) {
	srv := mongotest.Start(t)
	registrytest.Run(t, func(t *testing.T) registry.Store {
		s, err := mongo.Open(t.Context(), srv.URI, mongo.WithDatabase(mongotest.DBName()))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() {
			if !srv.Ferret {
				_ = s.DropDatabase(context.Background())
			}
			_ = s.Close()
		})
		return s
	})
}
