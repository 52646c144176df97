package gitsync

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acervo-co/acervo/gitsync/egress"
	"github.com/acervo-co/acervo/registry"
)

func TestListAndFetchOverHTTP(t *testing.T) {
	for _, fetcher := range []string{FetchCLI, FetchGoGit} {
		t.Run(fetcher, func(t *testing.T) {
			root := t.TempDir()
			src := newRepo(t, filepath.Join(root, "app"))
			c1 := src.commit("first", map[string]string{"main.go": "package main\n"})
			src.tag("v1.0.0", true)
			src.git("branch", "dev")
			src.git("update-ref", "refs/pull/1/head", c1) // never mirrored
			gs := newGitServer(t, root)
			s := newSyncer(t, Config{MirrorsDir: t.TempDir(), Policy: loopbackPolicy(), Fetcher: fetcher}, nil)
			ctx := context.Background()
			tg, err := s.cfg.Policy.CheckURL(ctx, gs.url("app"))
			if err != nil {
				t.Fatal(err)
			}
			c := egress.NewCounter(0)
			refs, err := s.listRefs(ctx, tg, c)
			if err != nil {
				t.Fatal(err)
			}
			if refs.Head != "refs/heads/main" {
				t.Errorf("head %q", refs.Head)
			}
			if len(refs.Refs) != 3 || refs.Refs["refs/heads/main"] != c1 {
				t.Fatalf("refs %v", refs.Refs)
			}
			dir := filepath.Join(s.cfg.MirrorsDir, tg.MirrorPath)
			listed := c.Bytes()
			if err := s.fetch(ctx, dir, true, tg, refs, c); err != nil {
				t.Fatal(err)
			}
			if c.Bytes() <= listed {
				t.Error("no bytes counted: the fetch did not go through the policy (its client or proxy)")
			}
			out := gitOut(t, dir, "for-each-ref", "--format=%(refname)")
			if out != "refs/heads/dev\nrefs/heads/main\nrefs/tags/v1.0.0" {
				t.Fatalf("mirror refs:\n%s", out)
			}
			if h := gitOut(t, dir, "symbolic-ref", "HEAD"); h != "refs/heads/main" {
				t.Errorf("mirror HEAD %q", h)
			}
			// Incremental: a new commit, a deleted branch.
			c2 := src.commit("second", map[string]string{"b.go": "package main\n"})
			src.git("branch", "-D", "dev")
			if refs, err = s.listRefs(ctx, tg, c); err != nil {
				t.Fatal(err)
			}
			if err := s.fetch(ctx, dir, false, tg, refs, c); err != nil {
				t.Fatal(err)
			}
			if got := gitOut(t, dir, "rev-parse", "refs/heads/main"); got != c2 {
				t.Errorf("main at %s, want %s", got, c2)
			}
			if out := gitOut(t, dir, "for-each-ref", "--format=%(refname)"); strings.Contains(out, "dev") {
				t.Errorf("dev not pruned:\n%s", out)
			}
			if err := s.fsck(ctx, dir); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func gitOut(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnvForTests(testTime)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestFetchRefusedByPolicy(t *testing.T) {
	root := t.TempDir()
	src := newRepo(t, filepath.Join(root, "app"))
	src.commit("first", map[string]string{"a": "a"})
	gs := newGitServer(t, root)
	s := newSyncer(t, Config{MirrorsDir: t.TempDir(), Policy: &egress.Policy{}}, nil)
	_, err := s.cfg.Policy.CheckURL(context.Background(), gs.url("app"))
	if egress.CodeOf(err) != registry.CodeHostBlocked {
		t.Fatalf("http to loopback: %v", err)
	}
	if gs.hits.Load() != 0 {
		t.Fatal("server was contacted")
	}
}
