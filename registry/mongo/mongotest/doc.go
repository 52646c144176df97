// Package mongotest gives tests a MongoDB to talk to: a FerretDB v1.24.2
// server (SQLite handler in a temporary directory, loopback only, logging
// discarded) by default, or the real MongoDB named by
// ACERVO_TEST_MONGODB_URI. Each caller gets a database of its own.
//
// FerretDB runs in-process. Under the race detector it runs in a child
// process instead (command ferretdbserver, built without -race): FerretDB
// decodes every stored document on every query, and instrumented it is an
// order of magnitude slower, while the race detector is there for Acervo's
// code, not FerretDB's.
package mongotest
