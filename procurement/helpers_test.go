package procurement

import (
	"context"
	"io"
	"os"
	"testing"
)

// readAll maps every row of a file without a store.
func readAll(t *testing.T, path, family string) (Format, []Mapped, []RowError) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return readAllFrom(t, f, family)
}

func readAllFrom(t *testing.T, r io.Reader, family string) (Format, []Mapped, []RowError) {
	t.Helper()
	tb, err := LoadTables()
	if err != nil {
		t.Fatal(err)
	}
	src, err := openSource(r, family, tb)
	if err != nil {
		t.Fatal(err)
	}
	defer src.close()
	im := &Importer{tables: tb, opts: Options{Detector: NewDetector()}}
	var out []Mapped
	var rej []RowError
	for {
		it, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ms, rerr := im.mapItem(it, src.format().Dataset)
		if rerr != nil {
			rej = append(rej, *rerr)
			continue
		}
		for i := range ms {
			p := &ms[i].Purchase
			p.SoftwareScore, p.SoftwareReasons = im.opts.Detector.Score(p)
			p.RowHash = RowHash(p)
			if err := p.Validate(); err != nil {
				rej = append(rej, RowError{Line: it.line, Reason: err.Error()})
				continue
			}
			out = append(out, ms[i])
		}
	}
	return src.format(), out, rej
}

func openTestSource(t *testing.T, path string) (source, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	tb, err := LoadTables()
	if err != nil {
		t.Fatal(err)
	}
	return openSource(f, "auto", tb)
}

func contextBackground() context.Context { return context.Background() }
