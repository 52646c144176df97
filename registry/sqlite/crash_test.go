package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/acervo-co/acervo/registry"
)

// TestMain lets the test binary play the writer killed by TestSIGKILL.
func TestMain(m *testing.M) {
	if dir := os.Getenv("ACERVO_SQLITE_CRASH_WRITER"); dir != "" {
		crashWriter(dir)
		return
	}
	os.Exit(m.Run())
}

// crashWriter writes entities and purchase batches until it is killed,
// printing the key of each acknowledged write.
func crashWriter(dir string) {
	s, err := Open(context.Background(), dir)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(3)
	}
	out := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		nit := fmt.Sprintf("%d", 800_000_000+i)
		if err := s.Entities().Create(context.Background(), &registry.Entity{NIT: nit, Name: "Entidad " + nit}, &registry.AuditEvent{Actor: "crash", Action: "entity.create"}); err != nil {
			fmt.Println("write:", err)
			os.Exit(3)
		}
		ps := make([]registry.Purchase, 20)
		for j := range ps {
			ps[j] = registry.Purchase{Source: registry.SourceSECOPII, ContractID: fmt.Sprintf("C%d-%d", i, j), BuyerNIT: nit, RowHash: "h", Description: strings.Repeat("x", 200)}
		}
		if _, err := s.Purchases().UpsertBatch(context.Background(), ps, nil); err != nil {
			fmt.Println("write:", err)
			os.Exit(3)
		}
		fmt.Fprintln(out, nit)
		out.Flush()
	}
}

// TestSIGKILL kills a writing process and checks that every write it
// acknowledged survives, and that the database is intact.
func TestSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: spawns a writer process to kill; ./scripts/test (and CI) run it")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ACERVO_SQLITE_CRASH_WRITER="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "8") {
			t.Fatalf("writer: %s", line)
		}
		acked = append(acked, line)
		if len(acked) == 30 {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	for sc.Scan() {
		acked = append(acked, sc.Text()) // written before the kill landed
	}
	_ = cmd.Wait()
	if len(acked) < 30 {
		t.Fatalf("writer stopped after %d writes", len(acked))
	}

	s, err := Open(t.Context(), dir) // the lock died with the process
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
	defer s.Close()
	var check string
	if err := s.r.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q %v", check, err)
	}
	for _, nit := range acked {
		if _, err := s.Entities().GetByNIT(t.Context(), nit); err != nil {
			t.Fatalf("acknowledged entity %s lost: %v", nit, err)
		}
		l, err := s.Purchases().List(t.Context(), registry.PurchaseFilter{BuyerNIT: nit, Page: registry.Page{WantTotal: true}})
		if err != nil || l.Total != 20 {
			t.Fatalf("acknowledged purchases of %s: %d, %v", nit, l.Total, err)
		}
	}
	// Every change and audit event of a surviving write survived with it.
	cs, err := s.Changes(t.Context(), 0, 1_000_000)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) < 21*len(acked) {
		t.Fatalf("%d changes for %d acknowledged writes of 21 records", len(cs), len(acked))
	}
}
