package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/mongo"
	"github.com/acervo-co/acervo/registry/password"
	"github.com/acervo-co/acervo/registry/sqlite"
)

// envName is a flag's environment twin: --mongo-uri <-> ACERVO_MONGO_URI.
func envName(flagName string) string {
	return "ACERVO_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// multiFlag collects a repeated flag (--url A --url B).
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error {
	*m = append(*m, v)
	return nil
}

// newFlags returns a FlagSet that writes its errors to stderr.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("acervo "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args, then fills every flag not given on the command
// line from its ACERVO_* twin. Repeated flags take a list from their twin
// split on the separator (":" for paths, "," otherwise).
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		v := getenv(envName(f.Name))
		if v == "" {
			return
		}
		if _, ok := f.Value.(*multiFlag); ok {
			sep := ","
			if strings.Contains(f.Name, "local") {
				sep = ":"
			}
			for _, part := range strings.Split(v, sep) {
				if part = strings.TrimSpace(part); part != "" {
					if e := f.Value.Set(part); e != nil {
						err = fmt.Errorf("%s: %v", envName(f.Name), e)
					}
				}
			}
			return
		}
		if e := f.Value.Set(v); e != nil {
			err = fmt.Errorf("%s=%q: %v", envName(f.Name), v, e)
		}
	})
	return err
}

// storeFlags are the flags that choose the store, shared by every command.
type storeFlags struct {
	data      string
	mongoURI  string
	mongoWait time.Duration
}

func (sf *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&sf.data, "data", "./acervo-data", "data directory (embedded store, mirrors, search index)")
	fs.StringVar(&sf.mongoURI, "mongo-uri", "", "MongoDB URI (a replica set); empty: the embedded store in --data")
	fs.DurationVar(&sf.mongoWait, "mongo-timeout", 10*time.Second, "how long to wait for MongoDB at start-up")
}

// errSetup marks configuration problems: the command exits 2 with one line.
var errSetup = errors.New("setup")

// openStore opens the store the flags choose. The data directory is created
// and checked writable even with MongoDB (mirrors and the index live there).
func openStore(ctx context.Context, sf storeFlags, log *slog.Logger) (registry.Store, error) {
	if err := os.MkdirAll(sf.data, 0o750); err != nil {
		return nil, fmt.Errorf("%w: cannot create data directory %s: %v", errSetup, sf.data, unwrapPath(err))
	}
	probe, err := os.CreateTemp(sf.data, ".write-check-*")
	if err != nil {
		return nil, fmt.Errorf("%w: data directory %s is not writable: %v", errSetup, sf.data, unwrapPath(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	if sf.mongoURI != "" {
		cctx, cancel := context.WithTimeout(ctx, sf.mongoWait)
		defer cancel()
		st, err := mongo.Open(cctx, sf.mongoURI)
		if err != nil {
			return nil, fmt.Errorf("%w: MongoDB at %s: %v", errSetup, redactURI(sf.mongoURI), err)
		}
		return st, nil
	}
	st, err := sqlite.Open(ctx, sf.data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errSetup, err)
	}
	return st, nil
}

// newService builds the Service over a store.
func newService(st registry.Store, log *slog.Logger, opts ...registry.Option) *registry.Service {
	return registry.NewService(st, append([]registry.Option{registry.WithPasswordHasher(password.Argon2id{}), registry.WithLogger(log)}, opts...)...)
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// redactURI hides a password in a MongoDB URI.
func redactURI(uri string) string {
	at := strings.LastIndex(uri, "@")
	scheme := strings.Index(uri, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return uri
	}
	cred := uri[scheme+3 : at]
	if i := strings.IndexByte(cred, ':'); i >= 0 {
		cred = cred[:i] + ":***"
	}
	return uri[:scheme+3] + cred + uri[at:]
}

// newLogger logs text to stderr at the level of ACERVO_LOG_LEVEL.
func newLogger(stderr io.Writer, getenv func(string) string) *slog.Logger {
	level := slog.LevelInfo
	_ = level.UnmarshalText([]byte(getenv("ACERVO_LOG_LEVEL")))
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
}

// dataPath joins a path inside the data directory.
func dataPath(sf storeFlags, elem ...string) string {
	return filepath.Join(append([]string{sf.data}, elem...)...)
}
