package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/backup"
	"github.com/acervo-co/acervo/registry/opendata"
)

// cmdExport writes a backup of every record as JSON lines (to --out or
// standard output), or with --open-data DIR the public open-data dump.
func cmdExport(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	var sf storeFlags
	var out, openData string
	fs := newFlags("export", stderr)
	sf.register(fs)
	fs.StringVar(&out, "out", "", "write the backup to this file (default: standard output)")
	fs.StringVar(&openData, "open-data", "", "write the open-data dump (CSV, JSON lines, data dictionary) into this directory instead of a backup")
	if err := parseFlags(fs, args, getenv); err != nil {
		return 2
	}
	log := newLogger(stderr, getenv)
	st, err := openStore(ctx, sf, log)
	if err != nil {
		fmt.Fprintf(stderr, "acervo: %v\n", trimSetup(err))
		return 2
	}
	defer st.Close()
	if openData != "" {
		sum, err := opendata.Write(ctx, st, openData, registry.NewService(st).Now())
		if err != nil {
			fmt.Fprintf(stderr, "acervo export: %v\n", err)
			return 1
		}
		for _, name := range sortedKeys(sum) {
			fmt.Fprintf(stderr, "%s: %d rows\n", filepath.Join(openData, name+".csv"), sum[name])
		}
		return 0
	}
	w := stdout
	var tmp *os.File
	if out != "" {
		tmp, err = os.CreateTemp(filepath.Dir(out), ".acervo-backup-*")
		if err != nil {
			fmt.Fprintf(stderr, "acervo export: %v\n", unwrapPath(err))
			return 2
		}
		defer os.Remove(tmp.Name())
		os.Chmod(tmp.Name(), 0o600)
		w = tmp
	}
	counts, err := backup.Export(ctx, st, w)
	if err != nil {
		fmt.Fprintf(stderr, "acervo export: %v\n", err)
		return 1
	}
	if tmp != nil {
		if err := tmp.Sync(); err == nil {
			err = tmp.Close()
		}
		if err := os.Rename(tmp.Name(), out); err != nil {
			fmt.Fprintf(stderr, "acervo export: %v\n", err)
			return 1
		}
	}
	for _, k := range sortedKeys(counts) {
		fmt.Fprintf(stderr, "%s: %d\n", k, counts[k])
	}
	return 0
}

// cmdRestore reads a backup made by `acervo export` into an empty store.
func cmdRestore(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	var sf storeFlags
	fs := newFlags("restore", stderr)
	sf.register(fs)
	if err := parseFlags(fs, args, getenv); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: acervo restore [--data DIR | --mongo-uri URI] FILE   (FILE - reads standard input)")
		return 2
	}
	in := stdin
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(stderr, "acervo restore: %v\n", unwrapPath(err))
			return 2
		}
		defer f.Close()
		in = f
	}
	log := newLogger(stderr, getenv)
	st, err := openStore(ctx, sf, log)
	if err != nil {
		fmt.Fprintf(stderr, "acervo: %v\n", trimSetup(err))
		return 2
	}
	defer st.Close()
	counts, err := backup.Restore(ctx, st, in)
	if err != nil {
		fmt.Fprintf(stderr, "acervo restore: %v\n", err)
		if err == backup.ErrNotEmpty {
			return 2
		}
		return 1
	}
	for _, k := range sortedKeys(counts) {
		fmt.Fprintf(stderr, "%s: %d\n", k, counts[k])
	}
	return 0
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
