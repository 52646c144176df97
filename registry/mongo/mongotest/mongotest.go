// Package mongotest gives tests a MongoDB to talk to: an in-process FerretDB
// v1.24.2 server (SQLite handler in a temporary directory, loopback only,
// logging discarded) by default, or the real MongoDB named by
// ACERVO_TEST_MONGODB_URI. Each caller gets a database of its own.
package mongotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"testing"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// EnvURI names the variable that points the tests at a real MongoDB.
const EnvURI = "ACERVO_TEST_MONGODB_URI"

// Server is a MongoDB endpoint for tests.
type Server struct {
	URI    string
	Ferret bool // an in-process FerretDB, not a real MongoDB
}

// Start returns the MongoDB of ACERVO_TEST_MONGODB_URI when set; otherwise
// it starts an in-process FerretDB that stops when tb's cleanup runs.
func Start(tb testing.TB) Server {
	tb.Helper()
	if uri := os.Getenv(EnvURI); uri != "" {
		return Server{URI: uri}
	}
	ctx, cancel := context.WithCancel(context.Background())
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + tb.TempDir() + "/",
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		cancel()
		tb.Fatalf("mongotest: starting FerretDB: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()
	tb.Cleanup(func() {
		cancel()
		<-done
	})
	return Server{URI: f.MongoDBURI(), Ferret: true}
}

// DBName returns a fresh database name.
func DBName() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "acervo_test_" + hex.EncodeToString(b[:])
}
