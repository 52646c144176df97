// Command ferretdbserver runs FerretDB v1.24.2 (SQLite handler, loopback,
// logging discarded) for the Mongo store's tests and prints its URI on
// stdout. It stops when its standard input closes.
//
// mongotest starts it when the tests run with the race detector: FerretDB
// in-process would be instrumented too and run ten times slower, and the
// race detector is there for Acervo's code, not FerretDB's.
package main
