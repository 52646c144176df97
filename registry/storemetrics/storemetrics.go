// Package storemetrics times every call to a registry.Store, for the
// store-operation metrics of /metrics and for tests that count store calls.
package storemetrics

//go:generate go run ./gen ..

import (
	"time"

	"github.com/acervo-co/acervo/registry"
)

// Observer receives each call: the operation ("Assets.Get"), its duration
// and its error.
type Observer func(op string, d time.Duration, err error)

// Store wraps a registry.Store; methods not listed in the generated file
// (Changes, Ping, Close) pass through.
type Store struct {
	registry.Store
	observe Observer
}

// Wrap returns store with every sub-store call reported to observe.
func Wrap(store registry.Store, observe Observer) *Store {
	return &Store{Store: store, observe: observe}
}
