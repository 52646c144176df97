package publiccode

import (
	"encoding/csv"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/acervo-co/acervo/registry"
)

// expectation is one row of testdata/EXPECTED.tsv: what the reference
// parser (italia/publiccode-parser-go) reports for a test case.
type expectation struct {
	file, severity, key, message string
	line, column                 int
}

func readExpected(t *testing.T) []expectation {
	t.Helper()
	fh, err := os.Open(filepath.Join("testdata", "EXPECTED.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	r := csv.NewReader(fh)
	r.Comma = '\t'
	r.FieldsPerRecord = 6
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("EXPECTED.tsv: %v", err)
	}
	var out []expectation
	for _, row := range rows[1:] {
		var e expectation
		e.file, e.severity, e.key, e.message = row[0], row[1], row[2], row[3]
		fmt.Sscan(row[4], &e.line)
		fmt.Sscan(row[5], &e.column)
		out = append(out, e)
	}
	return out
}

// networkMessageRE matches what the reference reports only after going on
// the network: reachability, remote files, oEmbed lookups.
var networkMessageRE = regexp.MustCompile(`not reachable|HTTP GET failed|oEmbed`)

// needsNetwork tells the expected findings an offline validator cannot
// reproduce (see testdata/README.md): outside no-network/ folders, with a
// message about the network.
func (e expectation) needsNetwork() bool {
	return !strings.Contains(e.file, "/no-network/") && networkMessageRE.MatchString(e.message)
}

type sevKey struct{ severity, key string }

// parseCase validates one test case the way acervo validate does: the
// case's folder stands for the repository root.
func parseCase(t *testing.T, rel string) (*File, []registry.Finding) {
	t.Helper()
	path := filepath.Join("testdata", filepath.FromSlash(rel))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return Parse(data, Options{RepoRoot: os.DirFS(filepath.Dir(path))})
}

// TestConformance runs every v0 test case and compares (file, severity,
// key) with what the reference parser reports. It fails below 95% of the
// expected findings matched, and on any finding for a file under valid/.
func TestConformance(t *testing.T) {
	expected := readExpected(t)
	byFile := map[string][]expectation{}
	for _, e := range expected {
		byFile[e.file] = append(byFile[e.file], e)
	}
	var files []string
	err := fs.WalkDir(os.DirFS("testdata"), "v0", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yml") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)

	var (
		want, matched, extra, network, networkCovered int
		sameLine, validFiles, validClean              int
		misses, extras                                []string
	)
	for _, file := range files {
		f, findings := parseCase(t, file)
		if strings.Contains(file, "/valid/") {
			validFiles++
			if len(findings) == 0 {
				validClean++
			} else {
				for _, g := range findings {
					t.Errorf("%s: valid case, got %s %s: %s (%d:%d)", file, g.Severity, g.Key, g.Message, g.Line, g.Column)
				}
			}
		}
		got := map[sevKey][]registry.Finding{}
		for _, g := range findings {
			k := sevKey{g.Severity, g.Key}
			got[k] = append(got[k], g)
		}
		for _, e := range byFile[file] {
			k := sevKey{e.severity, e.key}
			if e.needsNetwork() {
				network++
				if len(got[k]) > 0 || skippedOn(f, e.key) || hasErrorOn(findings, e.key) {
					networkCovered++
					if len(got[k]) > 0 {
						got[k] = got[k][1:]
					}
				} else {
					misses = append(misses, fmt.Sprintf("%s: network check not accounted for: %s %s", file, e.severity, e.key))
				}
				continue
			}
			want++
			if len(got[k]) == 0 {
				misses = append(misses, fmt.Sprintf("%s: missing %s %q: %s (%d:%d)", file, e.severity, e.key, e.message, e.line, e.column))
				continue
			}
			matched++
			if got[k][0].Line == e.line {
				sameLine++
			} else {
				t.Logf("%s: %s %q at line %d, reference says %d", file, e.severity, e.key, got[k][0].Line, e.line)
			}
			got[k] = got[k][1:]
		}
		for _, rest := range got {
			for _, g := range rest {
				extra++
				extras = append(extras, fmt.Sprintf("%s: extra %s %q: %s (%d:%d)", file, g.Severity, g.Key, g.Message, g.Line, g.Column))
			}
		}
	}
	sort.Strings(extras)
	for _, m := range misses {
		t.Log(m)
	}
	for _, x := range extras {
		t.Log(x)
	}
	agreement := 100 * float64(matched) / float64(want)
	summary := fmt.Sprintf("publiccode conformance (v0, %d cases): %d/%d expected findings matched on (file, severity, key) = %.1f%%; "+
		"%d extra findings; same line for %d/%d matched; %d/%d valid cases with zero findings; "+
		"%d network-only expectations, %d of them accounted for by a skipped check or an offline error",
		len(files), matched, want, agreement, extra, sameLine, matched, validClean, validFiles, network, networkCovered)
	t.Log(summary)
	fmt.Println(summary)
	if agreement < 95 {
		t.Errorf("agreement %.1f%% is below 95%%", agreement)
	}
	if network != networkCovered {
		t.Errorf("%d network-only expectations are neither skipped nor reported", network-networkCovered)
	}
}

func skippedOn(f *File, key string) bool {
	if f == nil {
		return false
	}
	for _, s := range f.Skipped {
		if s.Key == key {
			return true
		}
	}
	return false
}

func hasErrorOn(findings []registry.Finding, key string) bool {
	for _, g := range findings {
		if g.Key == key && g.Severity == SeverityError {
			return true
		}
	}
	return false
}

// TestConformanceV1 checks the v1 cases: the reference rejects them all
// for their version only; Acervo reads "1" with the 0.x rules, so no v1
// case is refused for its version and each case that is valid in v0 has no
// error. (v1/valid/valid.yml has no features, which the 0.x rules require.)
func TestConformanceV1(t *testing.T) {
	for _, dir := range []string{"v1/valid", "v1/invalid_valid_in_v0", "v1/invalid_valid_with_warnings_in_v0"} {
		entries, err := os.ReadDir(filepath.Join("testdata", dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, ent := range entries {
			if ent.IsDir() || !strings.HasSuffix(ent.Name(), ".yml") {
				continue
			}
			rel := dir + "/" + ent.Name()
			f, findings := parseCase(t, rel)
			if f == nil || f.Major != 1 {
				t.Errorf("%s: not read as version 1", rel)
			}
			for _, g := range findings {
				if g.Key == "publiccodeYmlVersion" || (g.Severity == SeverityError && dir != "v1/valid") {
					t.Errorf("%s: %s %s: %s", rel, g.Severity, g.Key, g.Message)
				}
			}
		}
	}
}
