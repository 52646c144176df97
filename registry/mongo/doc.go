// Package mongo is Acervo's MongoDB store: a registry.Store on
// go.mongodb.org/mongo-driver/v2 that gives the same answers on MongoDB and
// on FerretDB v1 (the in-process test server).
//
// Open connects within a bounded time (default 10 s; an unreachable server
// is ErrUnreachable), takes the database from the URI path or WithDatabase
// (default "acervo"), writes with majority write concern, and creates every
// index and unique natural key at start-up.
//
// # Documents
//
// Each record is one document: its fields under their json names, _id = its
// ID, plus derived fields a filter or sort needs (nameFold = registry.Fold of
// the name for NAME order and accent-insensitive prefixes with an anchored,
// escaped $regex; nitKey for numeric NIT order; signedKey for purchases by
// date with undated rows last; repoUrls; natural-key fields stored even when
// empty, because FerretDB's unique indexes do not treat a missing field as
// null). Lists are keyset pages on (sort key, _id) with $or conditions;
// backward pages run the reversed sort.
//
// Only what MongoDB and FerretDB v1 both do right is used: find, insert,
// update, delete, findOneAndUpdate, bulkWrite, countDocuments and an
// aggregation of $match and a $group with ONE accumulator. No transactions,
// $text, $lookup, $facet, collation, $elemMatch on sub-documents or
// $project of "$field". Joins (assets adopted by an entity or a
// department) run as two queries; Aggregate runs a count and a sum as two
// single-accumulator $group queries (FerretDB returns 0 for every
// accumulator after the first) and joins them in Go. Repository URLs are
// unique through claims in asset_urls (_id = URL), because FerretDB indexes
// an array as one value.
//
// # Writes, the change sequence and crash windows
//
// Every write takes the next number(s) of a store-wide change sequence and
// of the audit log from one counters document (findOneAndUpdate, $inc,
// upsert, return after). Then, without transactions:
//
//  1. the record is written with a guard (_id and Rev, and no other write's
//     outbox on it) and, in the same single-document write, its own outbox:
//     _pending = {op, change numbers, audit event}. A delete writes a
//     tombstone (_deleted plus the outbox) at this step. Zero matched is
//     ErrConflict, or ErrNotFound when the record is gone; a duplicate key is
//     ErrConflict.
//  2. publish: insert the change entries (_id = number) into changes and the
//     event into audit (_id = event id). Both inserts are idempotent.
//  3. clear the outbox (or remove the tombstone).
//
// The crash-window decision: the record and its outbox are committed
// together, and the change and audit entries are only ever written from an
// outbox that is on a written record. So the logs never claim a write that
// did not happen. A process that dies between 1 and 3 leaves the outbox on
// the record; the next Open publishes every outbox it finds (and so does a
// writer that meets one on a record it wants to change), so an acknowledged
// write always gets its change and its event. A process that dies before 1
// leaves only a hole in the sequence: Changes stops before a hole, so a
// reader never skips a change that is about to be published; a hole older
// than the grace period (WithGrace, default 30 s) is repaired by publishing
// the outboxes left on records and voiding the numbers still missing. If a
// slow writer publishes after its number was voided, it publishes under a
// fresh number. A refused write voids its number at once. Tombstones are
// invisible to reads; a new record that needs a tombstone's natural key
// finishes the tombstone first. Audit().Append takes only an audit number.
// Import runs, notices, webhook deliveries and sessions take no number and
// are written with plain conditional commands; webhooks are audited but
// record no change.
//
// Mirror leases are one guarded findOneAndUpdate on {_id, and the lease is
// free, expired or the holder's}; they bump Rev and record no change.
//
// # FerretDB
//
// FerretDB v1 decodes the whole collection for every filter except a bare
// {_id: x}, and its update and findAndModify are a read then a write, not a
// compare-and-set (two conditional updates of one record can both match).
// The store detects FerretDB (buildInfo.ferretdbVersion) and then runs
// every read-modify-write command under the database's write lock, a
// document of the locks collection that only one client can insert (an
// insert is atomic there), and runs guarded writes on one record as "read
// by _id, check the guard in Go, write by _id", which FerretDB answers
// without a scan. Inserts need no lock: a unique index decides. So several
// clients (or processes) on one FerretDB database stay correct, one writer
// at a time. FerretDB is for tests only.
package mongo
