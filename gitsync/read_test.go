package gitsync

import (
	"bytes"
	"image"
	"image/png"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acervo-co/acervo/gitsync/publiccode"
)

// TestPubliccodeAtEachCommit checks that the same publiccode.yml is judged
// against each commit's files: a logo missing at one tag and present at the
// next changes the findings, even though the file itself is unchanged.
func TestPubliccodeAtEachCommit(t *testing.T) {
	var logo bytes.Buffer
	if err := png.Encode(&logo, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	pc := strings.Replace(readTestdata(t, "publiccode-valid.yml"), "platforms:", "logo: img/logo.png\n\nplatforms:", 1)
	r := newRepo(t, filepath.Join(t.TempDir(), "app"))
	without := r.commit("no logo", map[string]string{"publiccode.yml": pc})
	with := r.commit("logo", map[string]string{"img/logo.png": logo.String()})
	plain := r.commit("no logo key", map[string]string{"publiccode.yml": readTestdata(t, "publiccode-valid.yml")})
	plain2 := r.commit("other", map[string]string{"a.go": "package a\n"})

	repo, closeRepo, err := openMirror(filepath.Join(r.dir, ".git"))
	if err != nil {
		t.Fatal(err)
	}
	defer closeRepo()
	x := newExtractor(repo, publiccode.Options{}, 1<<20, newLicenseScanner(), loadLicenseCache(t.TempDir()+"/m.git"))
	for _, tt := range []struct {
		commit string
		valid  bool
	}{{without, false}, {with, true}, {without, false}, {plain, true}, {plain2, true}} {
		s, err := x.at(tt.commit, false)
		if err != nil {
			t.Fatal(err)
		}
		if s.Publiccode.Valid != tt.valid {
			t.Errorf("commit %s: valid=%v, findings %+v", tt.commit[:7], s.Publiccode.Valid, s.Publiccode.Findings)
		}
	}
	if len(x.parsed) != 1 {
		t.Errorf("%d results cached, want only the file without relative paths", len(x.parsed))
	}
}

// TestFileLicenseByBlob: publiccode.yml's legal.license is checked as an
// SPDX expression once per publiccode.yml blob; a changed file is read and
// checked again, an unchanged one at a later commit is not.
func TestFileLicenseByBlob(t *testing.T) {
	valid := readTestdata(t, "publiccode-valid.yml")
	if !strings.Contains(valid, "license: MIT\n") {
		t.Fatal("testdata/publiccode-valid.yml no longer says license: MIT")
	}
	r := newRepo(t, filepath.Join(t.TempDir(), "app"))
	mit := r.commit("mit", map[string]string{"publiccode.yml": valid})
	eupl := r.commit("eupl", map[string]string{"publiccode.yml": strings.Replace(valid, "license: MIT\n", "license: EUPL-1.2\n", 1)})
	same := r.commit("other file", map[string]string{"a.go": "package a\n"})
	bad := r.commit("not spdx", map[string]string{"publiccode.yml": strings.Replace(valid, "license: MIT\n", "license: la del ministerio\n", 1)})
	back := r.commit("mit again", map[string]string{"publiccode.yml": valid})

	repo, closeRepo, err := openMirror(filepath.Join(r.dir, ".git"))
	if err != nil {
		t.Fatal(err)
	}
	defer closeRepo()
	x := newExtractor(repo, publiccode.Options{}, 1<<20, newLicenseScanner(), loadLicenseCache(t.TempDir()+"/m.git"))
	for _, tt := range []struct{ commit, want string }{{mit, "MIT"}, {eupl, "EUPL-1.2"}, {same, "EUPL-1.2"}, {bad, ""}, {back, "MIT"}} {
		s, err := x.at(tt.commit, false)
		if err != nil {
			t.Fatal(err)
		}
		if s.FileLicense != tt.want {
			t.Errorf("commit %s: legal.license %q, want %q", tt.commit[:7], s.FileLicense, tt.want)
		}
	}
	if len(x.parsed) != 3 {
		t.Errorf("%d publiccode.yml blobs parsed, want 3", len(x.parsed))
	}
}
