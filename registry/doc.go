// Package registry is Acervo's domain: the types of the registry of reusable
// public software and of the State's software purchases, their validation
// rules, the sentinel errors, the narrow Store interfaces every storage engine
// implements, and the Service through which every write passes.
//
// The package imports only the standard library. Adapters (registry/sqlite,
// registry/mongo, gitsync, procurement, graphql, web) depend on it, never the
// other way round; TestNoAdapterImports enforces the direction.
package registry
