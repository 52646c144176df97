package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// TestMain lets the test binary act as a child process: ACERVO_TEST_CHILD
// selects what it runs (serve, or a writer that reports each acknowledged
// write), so tests can SIGKILL a real process.
func TestMain(m *testing.M) {
	switch os.Getenv("ACERVO_TEST_CHILD") {
	case "":
		os.Exit(m.Run())
	case "run":
		var args []string
		for _, a := range strings.Split(os.Getenv("ACERVO_TEST_ARGS"), "\x1f") {
			if a != "" {
				args = append(args, a)
			}
		}
		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		os.Exit(run(ctx, args, os.Getenv, os.Stdin, os.Stdout, os.Stderr))
	case "writer":
		os.Exit(childWriter(os.Getenv("ACERVO_DATA")))
	}
}

// childWriter creates entities through the Service as fast as it can and
// prints each NIT once the Service has acknowledged it.
func childWriter(dir string) int {
	ctx := registry.WithActor(context.Background(), registry.SystemActor("test"))
	log := newLogger(io.Discard, os.Getenv)
	st, err := openStore(ctx, storeFlags{data: dir}, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	svc := newService(st, log)
	for i := 0; ; i++ {
		nit := fmt.Sprintf("9%08d", i)
		e := &registry.Entity{NIT: nit, Name: "Entidad de prueba " + nit, Orden: registry.OrdenTerritorial}
		if _, err := svc.UpsertEntity(ctx, e); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println(nit)
	}
}

// child starts the test binary as a child process.
func child(t *testing.T, mode string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), "ACERVO_TEST_CHILD="+mode), env...)
	return cmd
}

var listenRE = regexp.MustCompile(`acervo: listening on (http://\S+)`)

// startServe runs `acervo serve` in a child process and returns its base URL.
func startServe(t *testing.T, data string, extra ...string) (*exec.Cmd, string, *bytes.Buffer) {
	t.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data}, extra...)
	cmd := child(t, "run", "ACERVO_TEST_ARGS="+strings.Join(args, "\x1f"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := listenRE.FindStringSubmatch(sc.Text()); m != nil {
				urlc <- m[1]
			}
		}
		close(urlc)
	}()
	select {
	case u, ok := <-urlc:
		if !ok {
			t.Fatalf("acervo serve exited before listening: %s", stderr.String())
		}
		return cmd, u, &stderr
	case <-time.After(60 * time.Second):
		t.Fatalf("acervo serve did not print its address: %s", stderr.String())
	}
	return nil, "", nil
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeHealthAndSecondProcessRefused(t *testing.T) {
	data := t.TempDir()
	_, base, _ := startServe(t, data)
	for _, c := range []struct{ path, want string }{
		{"/healthz", "ok"}, {"/readyz", "ready"},
		{"/metrics", `acervo_http_requests_total{code="200",route="/healthz"} 1`},
	} {
		code, body := get(t, base+c.path)
		if code != 200 || !strings.Contains(body, c.want) {
			t.Errorf("GET %s = %d %.300q, want 200 containing %q", c.path, code, body, c.want)
		}
	}

	// A second acervo on the same data directory exits 2 with one clear line.
	var stdout, stderr bytes.Buffer
	second := child(t, "run", "ACERVO_TEST_ARGS="+strings.Join([]string{"serve", "--addr", "127.0.0.1:0", "--data", data}, "\x1f"))
	second.Stdout, second.Stderr = &stdout, &stderr
	err := second.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Fatalf("second serve: err %v, want exit status 2; stderr %q", err, stderr.String())
	}
	msg := strings.TrimSpace(stderr.String())
	if !strings.Contains(msg, "in use by another acervo") || strings.Count(msg, "\n") != 0 || strings.Contains(msg, "goroutine") {
		t.Errorf("second serve must say in one line that the data directory is in use, said %q", msg)
	}
	// The first keeps working.
	if code, _ := get(t, base+"/readyz"); code != 200 {
		t.Errorf("first serve stopped answering /readyz: %d", code)
	}
}

// TestDebugProfiles: --debug-addr serves Go's heap profile on loopback, and
// nothing of it on the main address.
func TestDebugProfiles(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	debug := l.Addr().String()
	l.Close()
	_, base, stderr := startServe(t, t.TempDir(), "--debug-addr", debug)
	code, body := get(t, "http://"+debug+"/debug/pprof/heap?debug=1")
	if code != 200 || !strings.Contains(body, "heap profile") {
		t.Fatalf("GET /debug/pprof/heap on %s = %d %.200q (stderr %s)", debug, code, body, stderr)
	}
	if code, _ := get(t, base+"/debug/pprof/heap"); code == 200 {
		t.Errorf("the public address serves profiles")
	}
}

func TestBadConfigurationExitsTwo(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	os.WriteFile(file, []byte("x"), 0o600)
	for name, args := range map[string][]string{
		"data dir is a file": {"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(file, "sub")},
		"unreachable mongo":  {"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--mongo-uri", "mongodb://127.0.0.1:1/acervo", "--mongo-timeout", "2s"},
		"unknown flag":       {"serve", "--no-such-flag"},
		"public debug addr":  {"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--debug-addr", "0.0.0.0:0"},
		"brand dir no logos": {"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--brand-dir", t.TempDir()},
		"unknown command":    {"frobnicate"},
	} {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &stdout, &stderr)
			if code != 2 {
				t.Fatalf("exit %d, want 2; stderr %q", code, stderr.String())
			}
			if strings.Contains(stderr.String(), "goroutine ") || strings.Contains(stderr.String(), "panic") {
				t.Errorf("stderr has a stack trace: %q", stderr.String())
			}
		})
	}
}

// TestKilledDuringWritesKeepsAcknowledged SIGKILLs a process in the middle
// of a burst of writes through the Service: every write it acknowledged is
// there when the store is opened again.
func TestKilledDuringWritesKeepsAcknowledged(t *testing.T) {
	data := t.TempDir()
	for round := 0; round < 3; round++ {
		cmd := child(t, "writer", "ACERVO_DATA="+data)
		out, _ := cmd.StdoutPipe()
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var acked []string
		var mu sync.Mutex
		done := make(chan struct{})
		go func() {
			defer close(done)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				mu.Lock()
				acked = append(acked, sc.Text())
				n := len(acked)
				mu.Unlock()
				if n == 200+round*37 {
					cmd.Process.Signal(syscall.SIGKILL)
				}
			}
		}()
		<-done
		cmd.Wait()
		mu.Lock()
		got := append([]string(nil), acked...)
		mu.Unlock()
		if len(got) < 200 {
			t.Fatalf("writer acknowledged only %d writes before dying: %s", len(got), stderr.String())
		}
		ctx := context.Background()
		st, err := openStore(ctx, storeFlags{data: data}, newLogger(io.Discard, os.Getenv))
		if err != nil {
			t.Fatalf("round %d: reopening after SIGKILL: %v", round, err)
		}
		for _, nit := range got {
			if _, err := st.Entities().GetByNIT(ctx, nit); err != nil {
				t.Errorf("round %d: acknowledged entity %s lost after SIGKILL: %v", round, nit, err)
			}
		}
		st.Close()
	}
}
