package gitsync

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acervo-co/acervo/registry"
	"github.com/acervo-co/acervo/registry/sqlite"
)

// env is a store, a service and a syncer over loopback test servers.
type env struct {
	t     *testing.T
	store registry.Store
	svc   *registry.Service
	s     *Syncer
	ctx   context.Context
}

func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	ctx := registry.WithActor(context.Background(), registry.SystemActor("sync"))
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if cfg.Policy == nil {
		cfg.Policy = loopbackPolicy()
	}
	if cfg.MirrorsDir == "" {
		cfg.MirrorsDir = t.TempDir()
	}
	svc := registry.NewService(st, registry.WithRepositoryChecker(registry.RepositoryCheckerFunc(
		func(ctx context.Context, u string) (registry.RepositoryLocation, error) {
			return CheckRepository(ctx, cfg.Policy, u)
		})))
	return &env{t: t, store: st, svc: svc, s: newSyncer(t, cfg, svc), ctx: ctx}
}

func (e *env) sync(url string) Result {
	e.t.Helper()
	rs := e.s.SyncURLs(e.ctx, []string{url}, nil)
	return rs[0]
}

func (e *env) releases(assetID string) map[string]registry.Release {
	e.t.Helper()
	rs, err := e.store.Releases().ForAssets(e.ctx, []string{assetID})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]registry.Release{}
	for _, r := range rs {
		out[r.Tag] = r
	}
	return out
}

func (e *env) asset(id string) registry.Asset {
	e.t.Helper()
	a, err := e.store.Assets().Get(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *env) mirror(id string) registry.Mirror {
	e.t.Helper()
	m, err := e.store.Mirrors().Get(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

const mitLicense = `MIT License

Copyright (c) 2024 Ministerio de Tecnologías de la Información y las Comunicaciones

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`

func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// buildApp makes a repository with history, semver and other tags, and a
// publiccode.yml valid at v1.0.0, invalid at v1.1.0-rc.1.
func buildApp(t *testing.T, dir string) (*repo, map[string]string) {
	r := newRepo(t, dir)
	c := map[string]string{}
	c["init"] = r.commit("init", map[string]string{"README.md": "# Trámites\n\nGestión de trámites.\n", "LICENSE": mitLicense})
	c["v0.9.0"] = r.commit("code", map[string]string{"main.go": "package main\n", "web/app.js": "x", "web/util.js": "y", "vendor/x/y.go": "package y\n"})
	r.tag("v0.9.0", false)
	c["v1.0.0"] = r.commit("publiccode", map[string]string{"publiccode.yml": readTestdata(t, "publiccode-valid.yml")})
	r.tag("v1.0.0", true)
	r.tag("nightly", false)
	r.tag("release-2023", true)
	c["rc"] = r.commit("break publiccode", map[string]string{"publiccode.yml": readTestdata(t, "publiccode-invalid.yml")})
	r.tag("1.1.0-rc.1", false)
	return r, c
}

func TestSyncReleasesAndMetadata(t *testing.T) {
	for _, fetcher := range []string{FetchCLI, FetchGoGit} {
		t.Run(fetcher, func(t *testing.T) {
			root := t.TempDir()
			src, commits := buildApp(t, filepath.Join(root, "tramites"))
			gs := newGitServer(t, root)
			e := newEnv(t, Config{Fetcher: fetcher})
			url := gs.url("tramites")

			res := e.sync(url)
			if res.Status != StatusNew || res.ErrorCode != registry.CodeMetadataInvalid {
				t.Fatalf("first sync: %+v", res)
			}
			slices.Sort(res.Releases)
			if want := []string{"1.1.0-rc.1", "v0.9.0", "v1.0.0"}; !slices.Equal(res.Releases, want) {
				t.Fatalf("new releases %v, want %v", res.Releases, want)
			}
			rs := e.releases(res.AssetID)
			if len(rs) != 5 {
				t.Fatalf("releases %v", rs)
			}
			v1 := rs["v1.0.0"]
			if !v1.IsRelease || v1.Version != "1.0.0" || v1.Prerelease || v1.Commit != commits["v1.0.0"] {
				t.Errorf("v1.0.0 = %+v", v1)
			}
			// Annotated: the tagger date, a day after the commit date.
			if want := time.Date(2024, 1, 5, 16, 4, 5, 0, time.UTC); !v1.Date.Equal(want) {
				t.Errorf("v1.0.0 date %s, want %s", v1.Date, want)
			}
			if !v1.Publiccode.Present || !v1.Publiccode.Valid || v1.License != "MIT" {
				t.Errorf("v1.0.0 metadata: publiccode %+v, licence %q", v1.Publiccode.Findings, v1.License)
			}
			v09 := rs["v0.9.0"]
			if want := time.Date(2024, 1, 3, 15, 4, 5, 0, time.UTC); !v09.Date.Equal(want) || v09.Publiccode.Present {
				t.Errorf("v0.9.0 = date %s, publiccode %+v", v09.Date, v09.Publiccode)
			}
			rc := rs["1.1.0-rc.1"]
			if !rc.IsRelease || !rc.Prerelease || rc.Publiccode.Valid || len(rc.Publiccode.Findings) == 0 {
				t.Errorf("rc = %+v", rc)
			}
			for _, f := range rc.Publiccode.Findings {
				if f.Severity == "error" && (f.Line == 0 || f.File != "publiccode.yml") {
					t.Errorf("finding without position: %+v", f)
				}
			}
			if n := rs["nightly"]; n.IsRelease || n.Commit != commits["v1.0.0"] {
				t.Errorf("nightly = %+v", n)
			}
			if n := rs["release-2023"]; n.IsRelease || n.Commit != commits["v1.0.0"] {
				t.Errorf("release-2023 = %+v", n)
			}

			// The head's publiccode.yml is invalid: the asset is inactive.
			a := e.asset(res.AssetID)
			if a.Active || !strings.HasPrefix(a.InactiveReason, registry.MetadataInvalidReason) {
				t.Errorf("asset active=%v reason %q", a.Active, a.InactiveReason)
			}
			if a.License != "MIT" || a.Provenance["license"].Source != registry.ProvPubliccode {
				t.Errorf("licence %q provenance %+v", a.License, a.Provenance["license"])
			}
			if !strings.HasPrefix(a.Readme, "# Trámites") {
				t.Errorf("readme %q", a.Readme)
			}
			if len(a.Languages) != 2 || a.Languages[0].Name != "JavaScript" || a.Languages[0].Share < 0.66 || a.Languages[0].Share > 0.67 {
				t.Errorf("languages %+v", a.Languages)
			}
			m := e.mirror(res.MirrorID)
			if m.Status != registry.MirrorOK || m.ErrorCode != registry.CodeMetadataInvalid || m.RefsHash == "" || m.LeaseHolder != "" && m.LeaseUntil != nil && m.LeaseUntil.After(time.Now()) {
				t.Errorf("mirror %+v", m)
			}

			// Unchanged: one listing, nothing fetched, nothing written but the check.
			hits := gs.hits.Load()
			res = e.sync(url)
			if res.Status != StatusUnchanged {
				t.Fatalf("second sync: %+v", res)
			}
			if n := gs.hits.Load() - hits; n != 1 {
				t.Errorf("unchanged sync made %d requests, want 1", n)
			}

			// Fix the file, delete a tag and a release, move a tag, add one.
			c5 := src.commit("fix publiccode", map[string]string{"publiccode.yml": readTestdata(t, "publiccode-valid.yml")})
			src.git("tag", "-d", "nightly")
			src.git("tag", "-d", "v0.9.0")
			src.git("tag", "-f", "1.1.0-rc.1", c5)
			src.tag("v1.1.0", true)
			res = e.sync(url)
			if res.Status != StatusUpdated || res.ErrorCode != "" || !slices.Equal(res.Releases, []string{"v1.1.0"}) {
				t.Fatalf("third sync: %+v", res)
			}
			rs = e.releases(res.AssetID)
			if r := rs["v0.9.0"]; !r.Withdrawn || r.WithdrawnAt == nil || !r.IsRelease {
				t.Errorf("deleted v0.9.0 = %+v", r)
			}
			if r := rs["nightly"]; !r.Withdrawn {
				t.Errorf("deleted nightly = %+v", r)
			}
			r := rs["1.1.0-rc.1"]
			if r.Commit != c5 || len(r.Moves) != 1 || r.Moves[0].From != commits["rc"] || r.Moves[0].To != c5 || !r.Publiccode.Valid {
				t.Errorf("moved tag = %+v", r)
			}
			a = e.asset(res.AssetID)
			if !a.Active || a.InactiveReason != "" || a.Name != "Trámites en línea" {
				t.Errorf("fixed asset active=%v reason %q name %q", a.Active, a.InactiveReason, a.Name)
			}
			if p := a.Provenance["name"]; p.Source != registry.ProvPubliccode || p.Ref != c5 {
				t.Errorf("name provenance %+v", p)
			}
			if m := e.mirror(res.MirrorID); m.ErrorCode != "" || m.Status != registry.MirrorOK {
				t.Errorf("mirror after fix %+v", m)
			}

			// A tag that comes back is no longer withdrawn.
			src.git("tag", "v0.9.0", commits["v0.9.0"])
			res = e.sync(url)
			if r := e.releases(res.AssetID)["v0.9.0"]; r.Withdrawn || res.Status != StatusUpdated || len(res.Releases) != 0 {
				t.Errorf("restored v0.9.0 = %+v, result %+v", r, res)
			}
			if err := e.s.fsck(e.ctx, e.s.MirrorDir(e.mirror(res.MirrorID))); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestAdminDeactivationStands(t *testing.T) {
	root := t.TempDir()
	src := newRepo(t, filepath.Join(root, "app"))
	src.commit("bad", map[string]string{"publiccode.yml": readTestdata(t, "publiccode-invalid.yml")})
	gs := newGitServer(t, root)
	e := newEnv(t, Config{})
	res := e.sync(gs.url("app"))
	if res.Status != StatusNew {
		t.Fatalf("%+v", res)
	}
	if a := e.asset(res.AssetID); a.Active {
		t.Fatal("invalid publiccode.yml left the asset active")
	}
	if _, err := e.svc.DeactivateAsset(e.ctx, res.AssetID, "duplicado de otro activo"); err != nil {
		t.Fatal(err)
	}
	src.commit("fix", map[string]string{"publiccode.yml": readTestdata(t, "publiccode-valid.yml")})
	if res = e.sync(gs.url("app")); res.Status != StatusUpdated {
		t.Fatalf("%+v", res)
	}
	a := e.asset(res.AssetID)
	if a.Active || !a.AdminDeactivated || a.InactiveReason != "duplicado de otro activo" {
		t.Fatalf("asset after fix: active=%v admin=%v reason %q", a.Active, a.AdminDeactivated, a.InactiveReason)
	}
	if a.Name != "Trámites en línea" {
		t.Errorf("name %q: metadata not applied while deactivated", a.Name)
	}
}

func TestSyncLocalRepository(t *testing.T) {
	root := t.TempDir()
	src := newRepo(t, filepath.Join(root, "repos", "app"))
	src.commit("one", map[string]string{"a.py": "print(1)\n", "COPYING.txt": mitLicense})
	src.tag("v0.1.0", false)
	outside := newRepo(t, filepath.Join(root, "elsewhere"))
	outside.commit("one", map[string]string{"a.py": "print(1)\n"})
	e := newEnv(t, Config{Policy: loopbackPolicy(filepath.Join(root, "repos"))})
	res := e.sync(src.dir)
	if res.Status != StatusNew || !slices.Equal(res.Releases, []string{"v0.1.0"}) {
		t.Fatalf("%+v", res)
	}
	m := e.mirror(res.MirrorID)
	if !strings.HasPrefix(m.Path, "local/") || !mirrorExists(e.s.MirrorDir(m)) {
		t.Fatalf("mirror path %q", m.Path)
	}
	a := e.asset(res.AssetID)
	if a.License != "MIT" || a.Provenance["license"].Source != registry.ProvRepository || a.Name != "app" {
		t.Errorf("asset licence %q provenance %+v name %q", a.License, a.Provenance["license"], a.Name)
	}
	if len(a.Languages) != 1 || a.Languages[0] != (registry.LanguageShare{Name: "Python", Share: 1}) {
		t.Errorf("languages %+v", a.Languages)
	}
	res = e.sync("file://" + outside.dir)
	if res.Status != StatusFailed || res.ErrorCode != registry.CodeURLSchemeNotAllowed {
		t.Fatalf("outside the allowed directory: %+v", res)
	}
}

// TestSyncLeavesNoConnectionOpen: a sync closes its connections when it
// ends, so that a sync of many repositories does not keep one idle
// connection (and its goroutines and buffers) per repository.
func TestSyncLeavesNoConnectionOpen(t *testing.T) {
	root := t.TempDir()
	var urls []string
	gs := newGitServer(t, root)
	for _, name := range []string{"a", "b", "c"} {
		r := newRepo(t, filepath.Join(root, name))
		r.commit("init", map[string]string{"README.md": "# " + name + "\n"})
		r.tag("v1.0.0", false)
		urls = append(urls, gs.url(name))
	}
	e := newEnv(t, Config{})
	for _, want := range []string{StatusNew, StatusUnchanged} {
		for _, res := range e.s.SyncURLs(e.ctx, urls, nil) {
			if res.Status != want {
				t.Fatalf("%s: status %s (%s %s), want %s", res.URL, res.Status, res.ErrorCode, res.Error, want)
			}
		}
	}
	// The server sees a closed connection once it reads its end; it is
	// given far longer than that, and far less than the client's idle
	// timeout (30 s).
	deadline := time.Now().Add(10 * time.Second)
	for gs.open.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := gs.open.Load(); n != 0 {
		t.Errorf("%d connections to the server still open after the syncs", n)
	}
}

// TestSyncManyTags: with more tags than parallelReadMin (and two readers
// allowed), the mirror is read by two readers; every release gets its own commit's metadata and the new
// releases are reported in tag order.
func TestSyncManyTags(t *testing.T) {
	root := t.TempDir()
	r := newRepo(t, filepath.Join(root, "muchas"))
	valid, invalid := readTestdata(t, "publiccode-valid.yml"), readTestdata(t, "publiccode-invalid.yml")
	r.commit("init", map[string]string{"LICENSE": mitLicense})
	commits := map[string]string{}
	wantValid := map[string]bool{}
	var tags []string
	for i := range parallelReadMin + 8 {
		pc := valid
		if i%3 == 0 {
			pc = invalid
		}
		tag := fmt.Sprintf("v0.%d.0", i)
		commits[tag] = r.commit(tag, map[string]string{"publiccode.yml": pc, "main.go": fmt.Sprintf("package main // %d\n", i)})
		r.tag(tag, i%2 == 0)
		wantValid[tag] = i%3 != 0
		tags = append(tags, tag)
	}
	slices.Sort(tags)
	gs := newGitServer(t, root)
	e := newEnv(t, Config{})
	e.s.twoReaders = true
	res := e.sync(gs.url("muchas"))
	if res.Status != StatusNew {
		t.Fatalf("sync: %+v", res)
	}
	if !slices.Equal(res.Releases, tags) {
		t.Errorf("new releases %v, want %v", res.Releases, tags)
	}
	rs := e.releases(res.AssetID)
	if len(rs) != len(tags) {
		t.Fatalf("%d releases, want %d", len(rs), len(tags))
	}
	for _, tag := range tags {
		got := rs[tag]
		if got.Commit != commits[tag] || !got.IsRelease || got.Publiccode.Valid != wantValid[tag] || !got.Publiccode.Present || got.License != "MIT" {
			t.Errorf("%s: commit %s (want %s), release %v, publiccode valid %v (want %v), licence %q",
				tag, got.Commit, commits[tag], got.IsRelease, got.Publiccode.Valid, wantValid[tag], got.License)
		}
	}
	if res := e.sync(gs.url("muchas")); res.Status != StatusUnchanged {
		t.Errorf("second sync: %+v", res)
	}
}

// TestSyncCombinesPacks: each changed sync adds a pack to the mirror; past
// maxPacks a sync combines them, and the mirror stays whole.
func TestSyncCombinesPacks(t *testing.T) {
	root := t.TempDir()
	r := newRepo(t, filepath.Join(root, "packs"))
	r.commit("init", map[string]string{"README.md": "# Packs\n"})
	gs := newGitServer(t, root)
	e := newEnv(t, Config{Fetcher: FetchCLI})
	url := gs.url("packs")
	res := e.sync(url)
	if res.Status != StatusNew {
		t.Fatalf("first sync: %+v", res)
	}
	dir := e.s.MirrorDir(e.mirror(res.MirrorID))
	// Every fetch keeps its objects as a pack (git unpacks fetches of
	// fewer than 100 objects into loose objects by default).
	if out, err := exec.Command("git", "-C", dir, "config", "fetch.unpackLimit", "1").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	packs := func() int {
		ps, err := filepath.Glob(filepath.Join(dir, "objects", "pack", "pack-*.pack"))
		if err != nil {
			t.Fatal(err)
		}
		return len(ps)
	}
	most := 0
	var last string
	for i := range maxPacks + 3 {
		last = r.commit(fmt.Sprintf("change %d", i), map[string]string{fmt.Sprintf("f%d.go", i): "package f\n"})
		if res := e.sync(url); res.Status != StatusUpdated {
			t.Fatalf("sync %d: %+v", i, res)
		}
		most = max(most, packs())
	}
	if most > maxPacks {
		t.Errorf("the mirror reached %d packs, more than %d", most, maxPacks)
	}
	if most < maxPacks {
		t.Errorf("the mirror never had more than %d packs: the test did not reach the limit", most)
	}
	if err := e.s.fsck(e.ctx, dir); err != nil {
		t.Errorf("fsck: %v", err)
	}
	out, err := exec.Command("git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil || strings.TrimSpace(string(out)) != last {
		t.Errorf("mirror HEAD %q (%v), want the last commit %s", out, err, last)
	}
}

// TestReleaseLicenseFromPubliccode: without a licence file, a release's
// licence is publiccode.yml's legal.license when that is a valid SPDX
// expression, read per release from its own publiccode.yml.
func TestReleaseLicenseFromPubliccode(t *testing.T) {
	root := t.TempDir()
	valid := readTestdata(t, "publiccode-valid.yml")
	r := newRepo(t, filepath.Join(root, "app"))
	r.commit("mit", map[string]string{"publiccode.yml": valid})
	r.tag("v1.0.0", false)
	r.commit("eupl", map[string]string{"publiccode.yml": strings.Replace(valid, "license: MIT\n", "license: EUPL-1.2\n", 1)})
	r.tag("v1.1.0", true)
	r.commit("not spdx", map[string]string{"publiccode.yml": strings.Replace(valid, "license: MIT\n", "license: la del ministerio\n", 1)})
	r.tag("v1.2.0", false)
	gs := newGitServer(t, root)
	e := newEnv(t, Config{})
	res := e.sync(gs.url("app"))
	if res.Status != StatusNew {
		t.Fatalf("sync: %+v", res)
	}
	got := e.releases(res.AssetID)
	for tag, want := range map[string]string{"v1.0.0": "MIT", "v1.1.0": "EUPL-1.2", "v1.2.0": ""} {
		if got[tag].License != want {
			t.Errorf("%s: licence %q, want %q", tag, got[tag].License, want)
		}
	}
}
