package procurement

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/acervo-co/acervo/procurement/internal/gencsv"
	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/sqlite"
)

// TestMain lets the kill test re-execute this test binary as an importer
// child process (ACERVO_IMPORT_CHILD="dir\nfile").
func TestMain(m *testing.M) {
	if v := os.Getenv("ACERVO_IMPORT_CHILD"); v != "" {
		os.Exit(importChild(v))
	}
	os.Exit(m.Run())
}

// importChild imports a file into the store in dir, printing "rows N" as
// it reads, until it is killed.
func importChild(v string) int {
	dir, file, _ := strings.Cut(v, "\n")
	ctx := registry.WithActor(contextBackground(), registry.SystemActor("import"))
	st, err := sqlite.Open(ctx, dir)
	if err != nil {
		fmt.Println("error", err)
		return 2
	}
	defer st.Close()
	im, err := NewImporter(registry.NewService(st), Options{DataDir: dir, BatchSize: 500,
		OnProgress: func(p Progress) { fmt.Printf("rows %d\n", p.Rows) }})
	if err != nil {
		fmt.Println("error", err)
		return 2
	}
	if _, err := im.ImportFile(ctx, file); err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("done")
	return 0
}

// TestKillAndRerun kills an import of 100,000 generated rows with SIGKILL
// at a random moment, runs it again, and checks that the store holds
// exactly the file's rows, once each.
func TestKillAndRerun(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: imports 100,000 rows twice; ./scripts/test (and CI) run it")
	}
	const n = 100_000
	dir := t.TempDir()
	file := filepath.Join(dir, "contratos.csv")
	sample, err := os.Open("testdata/real/secop2_contratos_ti.csv")
	if err != nil {
		t.Fatal(err)
	}
	g, err := gencsv.New(sample, 42)
	sample.Close()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	if err := g.Write(bw, n, 10_000_000); err != nil {
		t.Fatal(err)
	}
	bw.Flush()
	f.Close()

	data := filepath.Join(dir, "data")
	seed := uint64(os.Getpid())
	killAt := int64(5_000 + rand.New(rand.NewPCG(seed, 7)).IntN(85_000))
	t.Logf("killing the import once it has read %d rows (seed %d)", killAt, seed)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ACERVO_IMPORT_CHILD="+data+"\n"+file)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if rows, ok := strings.CutPrefix(line, "rows "); ok {
			if r, _ := strconv.ParseInt(rows, 10, 64); r >= killAt && !killed {
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				killed = true
			}
			continue
		}
		if !killed {
			t.Fatalf("child: %s", line)
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("the child finished before it was killed: %v", err)
	}

	svc, ctx := newService(t, data)
	mid := countPurchases(t, svc, registry.SourceSECOPII)
	t.Logf("after the kill: %d purchases stored", mid)
	if mid >= n {
		t.Fatalf("the killed import stored %d rows", mid)
	}
	sum, rej := importFile(t, svc, ctx, data, file, Options{})
	for _, r := range rej {
		t.Errorf("rejected: %v", r)
	}
	t.Logf("rerun: %+v (resumed %v)", pick(sum), sum.Resumed)
	if sum.Rows() != n || sum.Updated != 0 || sum.Rejected != 0 {
		t.Errorf("rerun accounts for %d rows (%+v), want %d", sum.Rows(), pick(sum), n)
	}
	if got := countPurchases(t, svc, registry.SourceSECOPII); got != n {
		t.Fatalf("%d purchases stored, want %d", got, n)
	}
	// Every contract id of the file, once.
	for _, id := range []int64{10_000_000, 10_000_000 + killAt/2, 10_000_000 + killAt, 10_000_000 + n - 1} {
		if _, err := svc.Store().Purchases().GetByKey(ctx, registry.SourceSECOPII, fmt.Sprintf("CO1.PCCNTR.%d", id)); err != nil {
			t.Errorf("contract %d: %v", id, err)
		}
	}
	again, _ := importFile(t, svc, ctx, data, file, Options{})
	if want := (Summary{Format: "secop2-contratos/soda-csv", Unchanged: n}); pick(again) != want {
		t.Errorf("third import %+v, want %+v", pick(again), want)
	}
}
