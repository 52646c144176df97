package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acervo-co/acervo/gitsync"
)

// syncTestRepo makes a repository with one release under root/name.
func syncTestRepo(t *testing.T, root, name string, tags ...string) string {
	t.Helper()
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
			"GIT_AUTHOR_NAME=Ana", "GIT_AUTHOR_EMAIL=ana@example.gov.co", "GIT_COMMITTER_NAME=Ana", "GIT_COMMITTER_EMAIL=ana@example.gov.co")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	run("init", "-q", "-b", "main")
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run("add", "-A")
	run("commit", "-q", "-m", "one")
	for _, tag := range tags {
		run("tag", tag)
	}
	return dir
}

func syncGitServer(t *testing.T, root string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(r.URL.Path, "/")
		for _, sub := range []string{"info/refs", "git-upload-pack"} {
			if repoPath, ok := strings.CutSuffix(p, "/"+sub); ok {
				gitsync.ServeRepository(w, r, "git", root, repoPath, sub)
				return
			}
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func runSync(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cmdSync(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func syncLines(t *testing.T, out string) []syncLine {
	t.Helper()
	var lines []syncLine
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var sl syncLine
		if err := json.Unmarshal([]byte(l), &sl); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		lines = append(lines, sl)
	}
	return lines
}

func TestCmdSync(t *testing.T) {
	root := t.TempDir()
	syncTestRepo(t, root, "tramites", "v1.0.0", "v1.1.0-rc.1", "nightly")
	local := syncTestRepo(t, filepath.Join(root, "local"), "orfeo", "v3.0.0")
	srv := syncGitServer(t, root)
	data := t.TempDir()
	env := map[string]string{"ACERVO_DATA": data, "ACERVO_MIRROR_ALLOW_NETS": "127.0.0.1/32",
		"ACERVO_MIRROR_ALLOW_LOCAL": filepath.Join(root, "local") + ":" + filepath.Join(root, "nowhere")}

	code, out, errOut := runSync(t, env, "--json", "--url", srv.URL+"/tramites", "--url", local)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	lines := syncLines(t, out)
	if len(lines) != 2 {
		t.Fatalf("lines %+v", lines)
	}
	byURL := map[string]syncLine{}
	for _, l := range lines {
		byURL[l.URL] = l
	}
	if l := byURL[srv.URL+"/tramites"]; l.Status != "new" || len(l.Releases) != 2 {
		t.Errorf("tramites: %+v", l)
	}
	if l := byURL[local]; l.Status != "new" || len(l.Releases) != 1 || l.Releases[0] != "v3.0.0" {
		t.Errorf("local: %+v", l)
	}
	if _, err := os.Stat(filepath.Join(data, "mirrors")); err != nil {
		t.Errorf("mirrors not under <data>/mirrors: %v", err)
	}

	// Without --url: the due mirrors (none are due right after a sync).
	code, out, _ = runSync(t, env, "--json")
	if code != 0 || strings.TrimSpace(out) != "" {
		t.Fatalf("nothing due: exit %d, %q", code, out)
	}
	// Again by URL: unchanged.
	code, out, _ = runSync(t, env, "--json", "--url", srv.URL+"/tramites")
	if l := syncLines(t, out); code != 0 || len(l) != 1 || l[0].Status != "unchanged" || len(l[0].Releases) != 0 {
		t.Fatalf("unchanged: exit %d %+v", code, l)
	}

	// A refused URL fails with its code; exit 1.
	code, out, _ = runSync(t, env, "--json", "--url", "git@github.com:a/b.git", "--url", "http://169.254.169.254/x")
	lines = syncLines(t, out)
	if code != 1 || len(lines) != 2 || lines[0].Status != "failed" || lines[0].ErrorCode != "MIRROR_URL_SCHEME_NOT_ALLOWED" ||
		lines[1].ErrorCode != "MIRROR_HOST_BLOCKED" {
		t.Fatalf("refused: exit %d %+v", code, lines)
	}

	// The human summary.
	code, out, _ = runSync(t, env, "--url", srv.URL+"/tramites", "--url", "ssh://x@y/z")
	if code != 1 || !strings.Contains(out, "1 sin cambios") || !strings.Contains(out, "1 failed") || !strings.Contains(out, "MIRROR_URL_SCHEME_NOT_ALLOWED 1") {
		t.Fatalf("summary: exit %d\n%s", code, out)
	}

	// Usage errors exit 2.
	if code, _, _ := runSync(t, env, "--mirror-allow-nets", "300.0.0.0/8"); code != 2 {
		t.Errorf("bad CIDR: exit %d", code)
	}
	if code, _, _ := runSync(t, env, "stray"); code != 2 {
		t.Errorf("stray argument: exit %d", code)
	}
}
