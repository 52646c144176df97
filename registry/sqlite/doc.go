// Package sqlite is Acervo's embedded default store: a registry.Store on one
// SQLite database file (modernc.org/sqlite, pure Go) in the data directory.
//
// Shape: one writer connection (every write is one IMMEDIATE transaction
// that writes the record, its audit event and its change-sequence entry
// together) and a pool of read-only connections, in WAL mode so readers
// never wait for the writer. Each table keeps the record as a JSON document
// plus real columns for every field a filter, sort or uniqueness rule uses,
// each with an index. The schema is created and upgraded by numbered
// migrations embedded in the binary (migrations/NNNN_name.sql), each applied
// in its own transaction and recorded in schema_migrations.
//
// A data directory belongs to one process at a time: Open takes an
// exclusive flock on DIR/acervo.lock and fails with ErrLocked when another
// process holds it.
package sqlite
