// Package registrytest is the conformance suite every registry.Store runs
// (registry/sqlite, registry/mongo), in the manner of perkeep's kvtest:
//
//	func TestConformance(t *testing.T) {
//		registrytest.Run(t, func(t *testing.T) registry.Store { return openFresh(t) })
//	}
//
// The suite writes with fixed clock values and explicit identifiers so its
// expectations are computed in Go and compared exactly. It checks every
// store's reads and writes, every filter and sort with keyset pagination in
// both directions, uniqueness, idempotent upserts, optimistic concurrency,
// audit events, the change sequence, mirror leases, purchase aggregation and
// parallel writers (run it with -race).
//
// The behaviour it expects where registry/store.go leaves room is written
// down in the "Store contract decisions" comment of registry/store.go.
package registrytest
