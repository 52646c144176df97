package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestImportCommand runs `acervo import` on the Spanish-spreadsheet fixture:
// the format is recognised, the bad row is reported as JSON with its line,
// column and reason, the summary follows, and the exit status is 1; a second
// run finds the good rows unchanged.
func TestImportCommand(t *testing.T) {
	data := t.TempDir()
	env := func(k string) string {
		if k == "ACERVO_DATA" {
			return data
		}
		return ""
	}
	file := "procurement/testdata/formats/secop2_export_hoja_es.csv"
	var out, errb bytes.Buffer
	code := run(t.Context(), []string{"import", "auto", file, "--json"}, env, strings.NewReader(""), &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (a row was rejected); stderr: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want a reject line and a summary, got:\n%s", out.String())
	}
	var rej map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rej); err != nil || rej["line"] == nil || rej["column"] == nil || !strings.Contains(rej["reason"].(string), "nit_entidad") {
		t.Errorf("reject line %s (%v)", lines[0], err)
	}
	var sum map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &sum); err != nil {
		t.Fatal(err)
	}
	if sum["format"] != "secop2-contratos/export-csv" || sum["new"] != 5.0 || sum["rejected"] != 1.0 || sum["unchanged"] != 0.0 || sum["updated"] != 0.0 {
		t.Errorf("summary %s", lines[1])
	}
	out.Reset()
	errb.Reset()
	code = run(t.Context(), []string{"import", "secop2", "--data", data, file}, func(string) string { return "" }, strings.NewReader(""), &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "secop2-contratos/export-csv") || !strings.Contains(out.String(), "sin cambios / unchanged 5") {
		t.Errorf("second run: exit %d\nstdout %s\nstderr %s", code, out.String(), errb.String())
	}
	if code := run(t.Context(), []string{"import", "tvec", file, "--data", data}, env, strings.NewReader(""), &out, &errb); code != 2 {
		t.Errorf("importing a SECOP II file as TVEC: exit %d, want 2", code)
	}
	if code := run(t.Context(), []string{"import"}, env, strings.NewReader(""), &out, &errb); code != 2 {
		t.Errorf("no arguments: exit %d, want 2", code)
	}
}

// TestImportCommandOCDSStages: the text summary says how many OCDS releases
// were compiled into their process, so that "2 new" from 5 releases reads
// as intended.
func TestImportCommandOCDSStages(t *testing.T) {
	data := t.TempDir()
	var out, errb bytes.Buffer
	code := run(t.Context(), []string{"import", "ocds", "--data", data, "procurement/testdata/formats/ocds_release_package_stages.json"},
		func(string) string { return "" }, strings.NewReader(""), &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "nuevas / new 2,") || !strings.Contains(out.String(), "OCDS releases compiled into their process: 3") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, out.String(), errb.String())
	}
}

// TestImportCommandStdin: "-" reads the standard input, before, between or
// after the flags, and an argument the flags cannot take ends with the usage
// and exit 2 instead of a parser that never returns.
func TestImportCommandStdin(t *testing.T) {
	body, err := os.ReadFile("procurement/testdata/formats/secop2_export_hoja_es.csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"import", "auto", "-", "--json", "--data", t.TempDir()},
		{"import", "auto", "--data", t.TempDir(), "-", "--json"},
		{"import", "auto", "--json", "--data", t.TempDir(), "-"},
	} {
		var out, errb bytes.Buffer
		code := run(t.Context(), args, func(string) string { return "" }, bytes.NewReader(body), &out, &errb)
		if code != 1 || !strings.Contains(out.String(), `"new":5`) || !strings.Contains(out.String(), `"rejected":1`) {
			t.Errorf("%q: exit %d\nstdout %s\nstderr %s", args, code, out.String(), errb.String())
		}
	}
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"import", "auto", "-", "x.csv"}, func(string) string { return "" }, strings.NewReader(""), &out, &errb); code != 2 ||
		!strings.Contains(errb.String(), "usage: acervo import") {
		t.Errorf("two inputs: exit %d, stderr %s", code, errb.String())
	}
}
