package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/acervo-co/acervo/registry/search"
)

// searchIndexDir is where the search index of a data directory lives
// (acervo serve opens it there; acervo reindex rebuilds it there).
func searchIndexDir(sf storeFlags) string { return dataPath(sf, "search") }

// cmdReindex rebuilds the search index from the store: every asset and
// purchase is read again into a new index that replaces the old one. The
// index records the store's change sequence it reflects, so acervo serve
// reopens it afterwards and only catches up with later writes.
func cmdReindex(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	var sf storeFlags
	fs := newFlags("reindex", stderr)
	sf.register(fs)
	dir := fs.String("index", "", "index directory (default <data>/search)")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	if err := parseFlags(fs, args, getenv); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "acervo reindex: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *dir == "" {
		*dir = searchIndexDir(sf)
	}
	log := newLogger(stderr, getenv)
	st, err := openStore(ctx, sf, log)
	if err != nil {
		fmt.Fprintf(stderr, "acervo: %v\n", trimSetup(err))
		return 2
	}
	defer st.Close()
	start := time.Now()
	ix, err := search.Open(ctx, st, search.Options{Dir: *dir, Logger: log})
	if err != nil {
		fmt.Fprintf(stderr, "acervo reindex: %v\n", err)
		return 2
	}
	defer ix.Close()
	if ix.Rebuilds() == 0 { // an existing index: rebuild it on request
		if err := ix.Rebuild(ctx); err != nil {
			fmt.Fprintf(stderr, "acervo reindex: %v\n", err)
			return 2
		}
	}
	docs, err := ix.DocCount()
	if err != nil {
		fmt.Fprintf(stderr, "acervo reindex: %v\n", err)
		return 2
	}
	took := time.Since(start)
	if *asJSON {
		_ = json.NewEncoder(stdout).Encode(map[string]any{"index": *dir, "documents": docs, "seq": ix.Seq(), "durationMs": took.Milliseconds()})
		return 0
	}
	fmt.Fprintf(stdout, "acervo reindex: %d documentos indexados en %s (cambio %d) / %d documents indexed in %s (change %d)\n",
		docs, took.Round(time.Millisecond), ix.Seq(), docs, *dir, ix.Seq())
	return 0
}
