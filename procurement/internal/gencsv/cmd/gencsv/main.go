// Command gencsv writes a large SECOP II contracts CSV shaped like a real
// sample, for benchmarks:
//
//	go run ./procurement/internal/gencsv/cmd/gencsv -n 1000000 -o contratos.csv
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/acervo-co/acervo/procurement/internal/gencsv"
)

func main() {
	sample := flag.String("sample", "procurement/testdata/real/secop2_contratos_ti.csv", "real SODA CSV to draw from")
	n := flag.Int("n", 1000000, "rows")
	out := flag.String("o", "-", "output file (- for stdout)")
	seed := flag.Uint64("seed", 1, "random seed")
	first := flag.Int64("first-id", 90000000, "first contract number")
	flag.Parse()
	if err := run(*sample, *out, *n, *seed, *first); err != nil {
		fmt.Fprintln(os.Stderr, "gencsv:", err)
		os.Exit(1)
	}
}

func run(sample, out string, n int, seed uint64, first int64) error {
	f, err := os.Open(sample)
	if err != nil {
		return err
	}
	defer f.Close()
	g, err := gencsv.New(bufio.NewReader(f), seed)
	if err != nil {
		return err
	}
	w := os.Stdout
	if out != "-" {
		if w, err = os.Create(out); err != nil {
			return err
		}
		defer w.Close()
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := g.Write(bw, n, first); err != nil {
		return err
	}
	return bw.Flush()
}
