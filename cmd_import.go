package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/acervo-co/acervo/procurement"
	"github.com/acervo-co/acervo/registry"
)

const importUsage = `usage: acervo import secop2|secop1|tvec|ocds|integrado|auto FILE|URL|- [--dry-run] [--json]
                     [--data DIR] [--mongo-uri URI] [--app-token TOKEN] [--batch N] [--restart]

Imports purchase records: SECOP II contracts and processes (SODA JSON or CSV, the portal's
export CSV, a Spanish spreadsheet's CSV), SECOP I, TVEC orders, SECOP Integrado and OCDS
packages or releases. "auto" recognises the format and says which it chose. A URL is read
page by page from a SODA endpoint (https://www.datos.gov.co/resource/<id>.json?$where=…).
"-" reads the standard input. An interrupted import of the same file or URL goes on from its
checkpoint (--restart: start over); the standard input is read whole again.
Rejected rows go to DATA/rejects/<run>.csv. Exit status: 0 ok, 1 rows were rejected,
2 usage or setup error.
`

func cmdImport(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	var family string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		family, args = args[0], args[1:]
	}
	switch family {
	case "secop2", "secop1", "tvec", "ocds", "integrado", "auto":
	default:
		fmt.Fprint(stderr, importUsage)
		if family == "" {
			return 2
		}
		fmt.Fprintf(stderr, "acervo import: unknown kind %q\n", family)
		return 2
	}
	var sf storeFlags
	var dryRun, asJSON, restart bool
	var appToken string
	var batch int
	fs := newFlags("import", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, importUsage) }
	sf.register(fs)
	fs.BoolVar(&dryRun, "dry-run", false, "read and check every row, count against the store, write nothing")
	fs.BoolVar(&asJSON, "json", false, "one JSON object per line: each rejected row, then the summary")
	fs.BoolVar(&restart, "restart", false, "do not resume an unfinished earlier import of the same input")
	fs.StringVar(&appToken, "app-token", "", "SODA app token sent as X-App-Token (twin: ACERVO_APP_TOKEN; also ACERVO_SODA_APP_TOKEN)")
	fs.IntVar(&batch, "batch", 2000, "purchases written per store transaction")
	// The input may stand before, between or after the flags; "-" is the
	// standard input. Every argument Parse would stop at (a non-flag, or
	// "-") is taken here, so each turn consumes at least one argument.
	var input string
	rest := args
	for {
		if len(rest) > 0 && (rest[0] == "-" || !strings.HasPrefix(rest[0], "-")) {
			if input != "" {
				fmt.Fprint(stderr, importUsage)
				return 2
			}
			input, rest = rest[0], rest[1:]
			continue
		}
		if len(rest) == 0 {
			break
		}
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
	}
	if err := parseFlags(fs, nil, getenv); err != nil {
		fmt.Fprintf(stderr, "acervo import: %v\n", err)
		return 2
	}
	if input == "" {
		fmt.Fprint(stderr, importUsage)
		return 2
	}
	if appToken == "" {
		appToken = getenv("ACERVO_SODA_APP_TOKEN")
	}
	svc, closeStore, code := cliSetup(ctx, sf, getenv, stderr)
	if code != 0 {
		return code
	}
	defer closeStore()
	ctx = registry.WithActor(ctx, registry.SystemActor("import"))

	enc := json.NewEncoder(stdout)
	var bar *progressbar.ProgressBar
	tty := !asJSON && isTerminal(stderr)
	started := time.Now()
	var rows int64
	opts := procurement.Options{
		Family:    family,
		DryRun:    dryRun,
		DataDir:   sf.data,
		BatchSize: batch,
		NoResume:  restart,
		Log:       newLogger(stderr, getenv),
		OnFormat: func(f procurement.Format) {
			if !asJSON {
				delim := ""
				if f.Delimiter != 0 && f.Delimiter != ',' {
					delim = fmt.Sprintf(", delimitador %q / delimiter %q", f.Delimiter, f.Delimiter)
				}
				fmt.Fprintf(stderr, "acervo import: formato detectado / detected format: %s%s\n", f, delim)
			}
		},
		OnReject: func(e procurement.RowError) {
			if asJSON {
				_ = enc.Encode(map[string]any{"line": e.Line, "column": e.Column, "reason": e.Reason})
				return
			}
			if bar != nil {
				_ = bar.Clear()
			}
			fmt.Fprintf(stderr, "acervo import: %s: línea / line %d, columna / column %d: %s\n", input, e.Line, e.Column, e.Reason)
		},
		OnProgress: func(p procurement.Progress) {
			rows = p.Rows
			if !tty {
				return
			}
			if bar == nil {
				total := p.TotalBytes
				bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(stderr),
					progressbar.OptionShowBytes(total > 0), progressbar.OptionSetPredictTime(total > 0),
					progressbar.OptionFullWidth(), progressbar.OptionClearOnFinish(),
					progressbar.OptionThrottle(100*time.Millisecond))
			}
			el := time.Since(started).Seconds()
			rate := 0.0
			if el > 0 {
				rate = float64(p.Rows) / el
			}
			bar.Describe(fmt.Sprintf("%d filas / rows, %.0f filas/s", p.Rows, rate))
			if p.TotalBytes > 0 {
				_ = bar.Set64(p.Bytes)
			} else {
				_ = bar.Add(0)
			}
			if p.Done {
				_ = bar.Finish()
			}
		},
	}
	im, err := procurement.NewImporter(svc, opts)
	if err != nil {
		fmt.Fprintf(stderr, "acervo import: %v\n", err)
		return 2
	}
	var sum procurement.Summary
	switch {
	case input == "-":
		sum, err = im.ImportReader(ctx, "stdin", stdin)
	case strings.HasPrefix(input, "http://") || strings.HasPrefix(input, "https://"):
		sum, err = im.ImportURL(ctx, input, procurement.SODAOptions{AppToken: appToken})
	default:
		sum, err = im.ImportFile(ctx, input)
	}
	if bar != nil {
		_ = bar.Clear()
	}
	if err != nil {
		fmt.Fprintf(stderr, "acervo import: %s: %v\n", input, err)
		if errors.Is(err, procurement.ErrUnknownFormat) || sum.Format == "" {
			return 2
		}
		return 1
	}
	if asJSON {
		_ = enc.Encode(sum)
	} else {
		el := time.Since(started)
		rate := float64(sum.Rows()) / max(el.Seconds(), 1e-9)
		verb := "importadas / imported"
		if dryRun {
			verb = "revisadas sin escribir / checked, nothing written"
		}
		fmt.Fprintf(stdout, "%s: %d filas %s en %s (%.0f filas/s) — nuevas / new %d, actualizadas / updated %d, sin cambios / unchanged %d, rechazadas / rejected %d\n",
			sum.Format, sum.Rows(), verb, el.Round(time.Millisecond), rate, sum.New, sum.Updated, sum.Unchanged, sum.Rejected)
		if sum.Resumed {
			fmt.Fprintf(stdout, "continuó la importación interrumpida / resumed the interrupted import %s\n", sum.RunID)
		}
		if sum.Compiled > 0 {
			fmt.Fprintf(stdout, "versiones OCDS de un mismo proceso unidas / OCDS releases compiled into their process: %d\n", sum.Compiled)
		}
		if sum.Entities > 0 {
			fmt.Fprintf(stdout, "entidades creadas o completadas / entities created or merged: %d\n", sum.Entities)
		}
		if sum.Rejected > 0 && sum.RejectsPath != "" {
			fmt.Fprintf(stdout, "filas rechazadas / rejected rows: %s\n", sum.RejectsPath)
		}
	}
	_ = rows
	if sum.Rejected > 0 {
		return 1
	}
	return 0
}
