package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/acervo-co/acervo/gitsync/publiccode"
	"github.com/acervo-co/acervo/registry"
)

const validateUsage = `usage: acervo validate FILE... [--json]

Valida archivos publiccode.yml según el estándar (versiones 0.x y "1").
Validates publiccode.yml files against the standard (0.x and "1").

Cada hallazgo / each finding:  FILE:LINE:COLUMN: error|warning: KEY: MESSAGE
--json: un objeto JSON por línea / one JSON object per line:
  {"file","severity","key","message","line","column"}
Las comprobaciones que necesitan la red no se hacen y se listan en stderr como "skipped".
Checks that need the network are not performed; they are listed on stderr as "skipped".
Logo, screenshots and authorsFile are looked up next to each FILE ("-" reads standard input).
Exit status: 0 valid, 1 some file has errors, 2 usage error or unreadable file.
`

// validateLine is one line of validate --json.
type validateLine struct {
	File     string `json:"file"`
	Severity string `json:"severity"`
	Key      string `json:"key"`
	Message  string `json:"message"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
}

// cmdValidate is acervo validate: it validates each publiccode.yml named
// and prints every finding.
func cmdValidate(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("validate", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, validateUsage) }
	asJSON := fs.Bool("json", false, "one JSON object per finding")
	// Flags may come after the files: acervo validate a.yml --json.
	var flagArgs, files []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			files = append(files, args[i+1:]...)
			i = len(args)
		case a != "-" && strings.HasPrefix(a, "-"):
			flagArgs = append(flagArgs, a)
		default:
			files = append(files, a)
		}
	}
	if err := parseFlags(fs, flagArgs, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "acervo validate: %v\n", err)
		return 2
	}
	if len(files) == 0 {
		fmt.Fprint(stderr, "acervo validate: no file given\n\n"+validateUsage)
		return 2
	}

	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	errEnc := json.NewEncoder(stderr)
	errEnc.SetEscapeHTML(false)
	print := func(l validateLine, skipped bool) {
		switch {
		case *asJSON && skipped:
			errEnc.Encode(l)
		case *asJSON:
			enc.Encode(l)
		default:
			w := stdout
			if skipped {
				w = stderr
			}
			key := ""
			if l.Key != "" {
				key = l.Key + ": "
			}
			fmt.Fprintf(w, "%s:%d:%d: %s: %s%s\n", l.File, l.Line, l.Column, l.Severity, key, l.Message)
		}
	}

	status := 0
	var nErrors, nWarnings, nSkipped, nUnreadable int
	for _, name := range files {
		data, opts, err := readPubliccode(name, stdin)
		if err != nil {
			nUnreadable++
			status = 2
			fmt.Fprintf(stderr, "acervo validate: %s: cannot read the file: %v\n", name, err)
			if *asJSON {
				print(validateLine{File: name, Severity: publiccode.SeverityError, Message: "cannot read the file: " + err.Error()}, false)
			}
			continue
		}
		f, findings := publiccode.ParseContext(ctx, data, opts)
		for _, g := range findings {
			print(findingLine(name, g), false)
			if g.Severity == publiccode.SeverityError {
				nErrors++
			} else {
				nWarnings++
			}
		}
		if publiccode.HasErrors(findings) && status == 0 {
			status = 1
		}
		if f != nil {
			for _, s := range f.Skipped {
				nSkipped++
				print(validateLine{File: name, Severity: publiccode.SeveritySkipped, Key: s.Key, Message: s.Reason, Line: s.Line, Column: s.Column}, true)
			}
		}
	}
	if !*asJSON {
		fmt.Fprintf(stderr, "acervo validate: %d file(s): %d error(s), %d warning(s), %d check(s) skipped", len(files), nErrors, nWarnings, nSkipped)
		if nUnreadable > 0 {
			fmt.Fprintf(stderr, ", %d unreadable", nUnreadable)
		}
		fmt.Fprintln(stderr)
	}
	return status
}

func findingLine(file string, g registry.Finding) validateLine {
	return validateLine{File: file, Severity: g.Severity, Key: g.Key, Message: g.Message, Line: g.Line, Column: g.Column}
}

// readPubliccode reads a file ("-" is standard input) up to one byte past
// the size limit, so an oversized file is refused without reading it all.
// Relative logo and screenshot paths are looked up in the file's folder.
func readPubliccode(name string, stdin io.Reader) ([]byte, publiccode.Options, error) {
	var opts publiccode.Options
	var r io.Reader
	if name == "-" {
		r = stdin
	} else {
		fh, err := os.Open(name)
		if err != nil {
			return nil, opts, unwrapPath(err)
		}
		defer fh.Close()
		if fi, err := fh.Stat(); err == nil && fi.IsDir() {
			return nil, opts, errors.New("is a directory")
		}
		r = fh
		opts.RepoRoot = os.DirFS(filepath.Dir(name))
	}
	data, err := io.ReadAll(io.LimitReader(r, publiccode.DefaultMaxSize+1))
	if err != nil {
		return nil, opts, unwrapPath(err)
	}
	return data, opts, nil
}
