package mongotest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// EnvURI names the variable that points the tests at a real MongoDB.
const EnvURI = "ACERVO_TEST_MONGODB_URI"

// Server is a MongoDB endpoint for tests.
type Server struct {
	URI    string
	Ferret bool // FerretDB, not a real MongoDB
}

// Start returns the MongoDB of ACERVO_TEST_MONGODB_URI when set; otherwise
// it starts a FerretDB that stops when tb's cleanup runs.
func Start(tb testing.TB) Server {
	tb.Helper()
	if uri := os.Getenv(EnvURI); uri != "" {
		return Server{URI: uri}
	}
	if raceEnabled {
		return startProcess(tb)
	}
	return startInProcess(tb)
}

func startInProcess(tb testing.TB) Server {
	tb.Helper()
	lazyGC()
	ctx, cancel := context.WithCancel(context.Background())
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + tb.TempDir() + "/",
		Logger:    logger(),
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

var gcOnce sync.Once

// lazyGC lets the collector run only when the heap nears 1 GiB (unless
// GOGC or GOMEMLIMIT say otherwise): FerretDB allocates for every document
// it decodes and otherwise spends up to half its time collecting.
func lazyGC() {
	gcOnce.Do(func() {
		if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
			debug.SetMemoryLimit(1 << 30)
			debug.SetGCPercent(-1)
		}
	})
}

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// build compiles ferretdbserver (without -race) once per test process into
// a stable path in the temporary directory; the go build cache makes later
// builds a link step.
func build() (string, error) {
	buildOnce.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
			if _, serr := os.Stat(goBin); serr != nil {
				buildErr = fmt.Errorf("mongotest: the go command is needed to build ferretdbserver: %w", err)
				return
			}
		}
		dir := filepath.Join(os.TempDir(), "acervo-mongotest")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			buildErr = err
			return
		}
		tmp, err := os.CreateTemp(dir, "ferretdbserver-*.tmp")
		if err != nil {
			buildErr = err
			return
		}
		_ = tmp.Close()
		cmd := exec.Command(goBin, "build", "-o", tmp.Name(), "github.com/acervo-co/acervo/registry/mongo/mongotest/ferretdbserver")
		if out, err := cmd.CombinedOutput(); err != nil {
			_ = os.Remove(tmp.Name())
			buildErr = fmt.Errorf("mongotest: building ferretdbserver: %v\n%s", err, out)
			return
		}
		binary = filepath.Join(dir, "ferretdbserver")
		buildErr = os.Rename(tmp.Name(), binary)
	})
	return binary, buildErr
}

func startProcess(tb testing.TB) Server {
	tb.Helper()
	bin, err := build()
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, "-dir", tb.TempDir())
	// FerretDB allocates for every document it decodes; a lazy collector
	// halves its time.
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		cmd.Env = append(os.Environ(), "GOGC=off", "GOMEMLIMIT=1GiB")
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatalf("mongotest: starting ferretdbserver: %v", err)
	}
	tb.Cleanup(func() {
		_ = stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case uri := <-line:
		if !strings.HasPrefix(uri, "mongodb://") {
			tb.Fatalf("mongotest: ferretdbserver did not start: %q %s", uri, stderr.String())
		}
		return Server{URI: uri, Ferret: true}
	case <-time.After(30 * time.Second):
		tb.Fatalf("mongotest: ferretdbserver did not start within 30 s: %s", stderr.String())
	}
	return Server{}
}

// logger discards FerretDB's log unless ACERVO_TEST_FERRETDB_LOG is set.
func logger() *slog.Logger {
	if os.Getenv("ACERVO_TEST_FERRETDB_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.DiscardHandler)
}

// DBName returns a fresh database name.
func DBName() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "acervo_test_" + hex.EncodeToString(b[:])
}
