package sqlite

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// BenchmarkInsertPurchasesSQLite3 is the reference of BenchmarkInsertPurchases:
// the same purchase rows, encoded the same way, loaded by the sqlite3
// command-line shell (C SQLite) with .import — one prepared INSERT per row,
// the whole file in one transaction — into a database made from the same
// embedded migrations with the same pragmas. The reference writes only the
// purchase rows and their indexes (no UNSPSC rows, no changes, no audit, no
// upsert lookups): it is the engine's ceiling for this schema on this
// machine, and the ratio of the two benchmarks is what pure-Go SQLite and the
// store's own work add. The CSV is written first; only the import is timed.
func BenchmarkInsertPurchasesSQLite3(b *testing.B) {
	cli, err := exec.LookPath("sqlite3")
	if err != nil {
		b.Fatal("the reference needs the sqlite3 shell: apt-get install -y sqlite3")
	}
	n := benchRows(b)
	dir := b.TempDir()
	data := filepath.Join(dir, "purchases.csv")
	if err := writePurchaseCSV(data, n); err != nil {
		b.Fatal(err)
	}
	// The store's writer settings, name(value) → PRAGMA name=value.
	var settings strings.Builder
	for _, p := range writerPragmas(defaults()) {
		name, value, _ := strings.Cut(strings.TrimSuffix(p, ")"), "(")
		settings.WriteString("PRAGMA " + name + "=" + value + ";")
	}
	pragmas := settings.String()
	var spent time.Duration
	for i := range b.N {
		db := filepath.Join(dir, fmt.Sprintf("ref%d.db", i))
		// Same page size, journal and pragmas as the store's writer (dsn, open).
		setup := fmt.Sprintf("PRAGMA page_size=%d; PRAGMA journal_mode=WAL;\n", pageSize)
		files, err := fs.Glob(migrationFS, "migrations/*.sql")
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range files {
			body, err := migrationFS.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			setup += string(body) + "\n"
		}
		setup += "SELECT group_concat(name, ',') FROM pragma_table_info('purchases');"
		out, err := exec.Command(cli, db, setup).CombinedOutput()
		if err != nil {
			b.Fatalf("sqlite3 schema: %v\n%s", err, out)
		}
		want := strings.Join(purchaseTableCols(), ",")
		if got := lastLine(out); got != want {
			b.Fatalf("purchases columns are %q, the CSV has %q", got, want)
		}
		cmd := exec.Command(cli, "-bail", "-cmd", pragmas, db, ".import --csv "+data+" purchases")
		start := time.Now()
		out, err = cmd.CombinedOutput()
		spent += time.Since(start)
		if err != nil || strings.Contains(string(out), "failed") {
			b.Fatalf("sqlite3 .import: %v\n%.2000s", err, out)
		}
		c, err := exec.Command(cli, db, "SELECT count(*) FROM purchases").Output()
		if count := strings.TrimSpace(string(c)); err != nil || count != strconv.Itoa(n) {
			b.Fatalf("sqlite3 loaded %s purchases, want %d (%v)", count, n, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/spent.Seconds(), "rows/s")
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// purchaseTableCols are the columns of the purchases table in its order:
// id, the columns of the first migration, rev, doc, then the columns later
// migrations added.
func purchaseTableCols() []string {
	cols := purchaseCols()
	first := slices.Index(cols, "row_hash") + 1
	return slices.Concat([]string{"id"}, cols[:first], []string{"rev", "doc"}, cols[first:])
}

// writePurchaseCSV writes the benchmark's n purchases as the rows of the
// purchases table, in purchaseTableCols order.
func writePurchaseCSV(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := csv.NewWriter(bufio.NewWriterSize(f, 1<<20))
	g := newPurchaseGen(1)
	rec := make([]string, 0, 16)
	cols, order := purchaseCols(), purchaseTableCols()
	for i := range n {
		p := g.purchase(i)
		p.ID = registry.NewID(time.Now())
		p.Rev = 1
		doc, err := json.Marshal(&p)
		if err != nil {
			return err
		}
		val := map[string]string{"id": p.ID, "rev": "1", "doc": string(doc)}
		for i, v := range purchaseVals(&p) {
			val[cols[i]] = fmt.Sprint(v)
		}
		rec = rec[:0]
		for _, c := range order {
			rec = append(rec, val[c])
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}
