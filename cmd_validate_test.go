package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const validPubliccode = `publiccodeYmlVersion: "0"
name: Orfeo
url: "https://gitlab.example.gov.co/gestion/orfeo.git"
logo: logo.svg
platforms: [web]
developmentStatus: stable
softwareType: "standalone/web"
description:
  es:
    shortDescription: Sistema de gestión documental
    longDescription: >
      Orfeo es un sistema de gestión documental y de procesos para entidades
      públicas: radica, digitaliza y distribuye comunicaciones oficiales, con
      trazabilidad de los expedientes y tablas de retención documental.
    features: [Radicación]
legal:
  license: GPL-3.0-or-later
maintenance:
  type: none
localisation:
  localisationReady: true
  availableLanguages: [es]
`

// invalidPubliccode lacks the license and uses a Spanish word for the
// development status.
var invalidPubliccode = strings.NewReplacer("developmentStatus: stable", "developmentStatus: estable",
	"legal:\n  license: GPL-3.0-or-later\n", "").Replace(validPubliccode)

func runValidate(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cmdValidate(context.Background(), args, func(string) string { return "" }, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestValidateCommand(t *testing.T) {
	dir := t.TempDir()
	valid := writeFile(t, dir, "valid.yml", validPubliccode)
	writeFile(t, dir, "logo.svg", `<svg xmlns="http://www.w3.org/2000/svg"/>`)
	invalid := writeFile(t, dir, "invalid.yml", invalidPubliccode)
	missingLogo := writeFile(t, t.TempDir(), "publiccode.yml", validPubliccode)
	huge := writeFile(t, dir, "huge.yml", validPubliccode+"#"+strings.Repeat("x", 1<<20)+"\n")

	t.Run("valid file", func(t *testing.T) {
		code, out, errOut := runValidate(t, "", valid)
		if code != 0 || out != "" {
			t.Fatalf("code %d stdout %q stderr %q", code, out, errOut)
		}
		// The URL's reachability was not checked: said on stderr.
		if !strings.Contains(errOut, valid+":3:1: skipped: url: ") || !strings.Contains(errOut, "0 error(s), 0 warning(s), 1 check(s) skipped") {
			t.Errorf("stderr %q", errOut)
		}
	})
	t.Run("invalid file", func(t *testing.T) {
		code, out, _ := runValidate(t, "", invalid)
		// Sorted by position; a key whose section is absent has none (0:0).
		want := invalid + ":0:0: error: legal.license: license is a required field\n" +
			invalid + ":6:1: error: developmentStatus: developmentStatus must be one of the following: \"concept\", \"development\", \"beta\", \"stable\" or \"obsolete\"\n"
		if code != 1 || out != want {
			t.Errorf("code %d stdout\n%s\nwant\n%s", code, out, want)
		}
	})
	t.Run("json after the files", func(t *testing.T) {
		code, out, errOut := runValidate(t, "", valid, invalid, "--json")
		if code != 1 {
			t.Fatalf("code %d", code)
		}
		var lines []validateLine
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			var v validateLine
			dec := json.NewDecoder(strings.NewReader(l))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("%q: %v", l, err)
			}
			lines = append(lines, v)
		}
		if len(lines) != 2 || lines[0] != (validateLine{File: invalid, Severity: "error", Key: "legal.license", Message: "license is a required field"}) ||
			lines[1].Key != "developmentStatus" || lines[1].Line != 6 || lines[1].Column != 1 {
			t.Errorf("lines %+v", lines)
		}
		if !regexp.MustCompile(`(?m)^\{"file":".*valid.yml","severity":"skipped","key":"url",`).MatchString(errOut) {
			t.Errorf("skipped checks not on stderr as JSON: %q", errOut)
		}
	})
	t.Run("repository files next to the file", func(t *testing.T) {
		code, out, _ := runValidate(t, "", missingLogo)
		if code != 1 || !strings.Contains(out, ":4:1: error: logo: no such file: logo.svg") {
			t.Errorf("code %d stdout %q", code, out)
		}
	})
	t.Run("standard input", func(t *testing.T) {
		code, out, errOut := runValidate(t, invalidPubliccode, "-")
		if code != 1 || !strings.HasPrefix(out, "-:0:0: error: legal.license:") || !strings.Contains(errOut, "skipped: logo:") {
			t.Errorf("code %d stdout %q stderr %q", code, out, errOut)
		}
	})
	t.Run("too large", func(t *testing.T) {
		code, out, _ := runValidate(t, "", huge)
		if code != 1 || !strings.Contains(out, "huge.yml:0:0: error: METADATA_INVALID: the file has 1048577 bytes") {
			t.Errorf("code %d stdout %q", code, out)
		}
	})
	t.Run("unreadable files", func(t *testing.T) {
		code, out, errOut := runValidate(t, "", filepath.Join(dir, "none.yml"), dir, valid)
		if code != 2 || out != "" {
			t.Errorf("code %d stdout %q", code, out)
		}
		for _, want := range []string{"none.yml: cannot read the file: no such file or directory", dir + ": cannot read the file: is a directory", "3 file(s): 0 error(s), 0 warning(s), 1 check(s) skipped, 2 unreadable"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("stderr has no %q:\n%s", want, errOut)
			}
		}
		code, out, _ = runValidate(t, "", "--json", filepath.Join(dir, "none.yml"))
		if code != 2 || !strings.Contains(out, `"severity":"error","key":"","message":"cannot read the file: no such file or directory"`) {
			t.Errorf("json: code %d stdout %q", code, out)
		}
	})
	t.Run("usage", func(t *testing.T) {
		if code, _, errOut := runValidate(t, ""); code != 2 || !strings.Contains(errOut, "no file given") {
			t.Errorf("no files: %d %q", code, errOut)
		}
		if code, _, _ := runValidate(t, "", "--yaml", valid); code != 2 {
			t.Errorf("unknown flag: %d", code)
		}
		if code, _, errOut := runValidate(t, "", "--help"); code != 0 || !strings.Contains(errOut, "usage: acervo validate") {
			t.Errorf("help: %d %q", code, errOut)
		}
	})
}

// TestValidateConformanceCase runs a case of the conformance suite through
// the command: its image is looked up next to the file.
func TestValidateConformanceCase(t *testing.T) {
	file := filepath.Join("gitsync", "publiccode", "testdata", "v0", "invalid", "no-network", "logo_invalid_png.yml")
	code, out, _ := runValidate(t, "", file)
	if code != 1 || !strings.Contains(out, file+":18:1: error: logo: image: unknown format") {
		t.Errorf("code %d stdout %q", code, out)
	}
}
