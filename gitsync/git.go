package gitsync

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/acervo-co/acervo/gitsync/egress"
	"github.com/acervo-co/acervo/registry"
)

// refSpecs are what a mirror fetches: branches and tags, never refs/pull/*
// or other refs.
var refSpecs = []string{"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"}

// remoteRefs is a repository's branches and tags as advertised.
type remoteRefs struct {
	Refs   map[string]string // refs/heads/* and refs/tags/* → object id
	Peeled map[string]string // annotated tags → the object they peel to
	Head   string            // the default branch (refs/heads/…), "" when unknown
	// conn is the session of an http(s) listing, open until closed (nil
	// for local repositories and closed listings).
	conn *remoteConn
}

// close closes the listing's session.
func (r remoteRefs) close() { r.conn.close() }

// hash identifies the set of branches and tags: sorted "name id" lines.
func (r remoteRefs) hash() string {
	names := make([]string, 0, len(r.Refs))
	for n := range r.Refs {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	fmt.Fprintf(h, "HEAD %s\n", r.Head)
	for _, n := range names {
		fmt.Fprintf(h, "%s %s\n", n, r.Refs[n])
	}
	return hex.EncodeToString(h.Sum(nil))
}

func wanted(name string) bool {
	return strings.HasPrefix(name, "refs/heads/") || strings.HasPrefix(name, "refs/tags/")
}

// listRefs lists the remote's branches and tags with go-git: over http(s)
// through the policy's client (dial-time checks, byte counter, no
// redirects), for local repositories by reading them. An http(s) listing
// keeps its session open for the fetch: the caller closes it.
func (s *Syncer) listRefs(ctx context.Context, t egress.Target, c *egress.Counter) (remoteRefs, error) {
	if t.Local() {
		return listLocal(t.LocalPath)
	}
	ep, err := transport.NewEndpoint(t.URL)
	if err != nil {
		return remoteRefs{}, &egress.Error{Code: registry.CodeURLSchemeNotAllowed, Msg: err.Error()}
	}
	// The policy client refuses every redirect itself (with the
	// MIRROR_HOST_BLOCKED code); go-git's own check is left open so that
	// ours is the one that answers.
	hc := s.cfg.Policy.HTTPClient(c)
	cl := githttp.NewClientWithOptions(hc, &githttp.ClientOptions{RedirectPolicy: githttp.FollowRedirects})
	sess, err := cl.NewUploadPackSession(ep, nil)
	if err != nil {
		return remoteRefs{}, err
	}
	// Each sync has its own client (its byte counter): its connection is
	// closed when the sync is done with it, not left idle for the
	// transport's timeout (a no-change sync of many repositories kept one
	// open connection, two goroutines and their buffers per repository).
	conn := &remoteConn{hc: hc, sess: sess}
	ar, err := sess.AdvertisedReferencesContext(ctx)
	if err != nil {
		conn.close()
		if errors.Is(err, transport.ErrEmptyRemoteRepository) {
			return remoteRefs{Refs: map[string]string{}}, nil
		}
		return remoteRefs{}, err
	}
	conn.caps = ar.Capabilities
	out := remoteRefs{Refs: map[string]string{}, Peeled: map[string]string{}, conn: conn}
	for name, h := range ar.References {
		if wanted(name) {
			out.Refs[name] = h.String()
		}
	}
	for name, h := range ar.Peeled {
		if strings.HasPrefix(name, "refs/tags/") {
			out.Peeled[name] = h.String()
		}
	}
	for _, v := range ar.Capabilities.Get(capability.SymRef) {
		if from, to, ok := strings.Cut(v, ":"); ok && from == "HEAD" {
			out.Head = to
		}
	}
	if out.Head == "" && ar.Head != nil {
		out.Head = headByHash(out.Refs, ar.Head.String())
	}
	return out, nil
}

// headByHash guesses the default branch from HEAD's object id.
func headByHash(refs map[string]string, id string) string {
	var cands []string
	for n, h := range refs {
		if h == id && strings.HasPrefix(n, "refs/heads/") {
			cands = append(cands, n)
		}
	}
	sort.Strings(cands)
	for _, pref := range []string{"refs/heads/main", "refs/heads/master"} {
		for _, c := range cands {
			if c == pref {
				return c
			}
		}
	}
	if len(cands) > 0 {
		return cands[0]
	}
	return ""
}

func listLocal(dir string) (remoteRefs, error) {
	r, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{})
	if err != nil {
		return remoteRefs{}, fmt.Errorf("open local repository: %w", err)
	}
	out := remoteRefs{Refs: map[string]string{}}
	it, err := r.References()
	if err != nil {
		return remoteRefs{}, err
	}
	err = it.ForEach(func(ref *plumbing.Reference) error {
		if ref.Type() == plumbing.HashReference && wanted(ref.Name().String()) {
			out.Refs[ref.Name().String()] = ref.Hash().String()
		}
		return nil
	})
	if err != nil {
		return remoteRefs{}, err
	}
	if head, err := r.Storer.Reference(plumbing.HEAD); err == nil && head.Type() == plumbing.SymbolicReference {
		if _, ok := out.Refs[head.Target().String()]; ok {
			out.Head = head.Target().String()
		}
	}
	return out, nil
}

// gitEnv is the environment of every git process: no system or global
// configuration, no prompts, no credential helpers, no proxy from the
// environment, C locale.
func (s *Syncer) gitEnv() []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + s.cfg.MirrorsDir,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_TERMINAL_PROMPT=0",
		"GIT_ASKPASS=/bin/false",
		"SSH_ASKPASS=/bin/false",
		"GIT_PROTOCOL_FROM_USER=0",
		"LC_ALL=C",
	}
	return env
}

// gitArgs are the -c options that pin git to the policy: only https (and
// http when the URL was allowed as http, file for allowed local
// directories), the proxy, no redirects, no credential helpers.
func gitArgs(t egress.Target, proxyURL string) []string {
	args := []string{
		"-c", "protocol.allow=never",
		"-c", "protocol.https.allow=always",
		"-c", "http.followRedirects=false",
		"-c", "credential.helper=",
		"-c", "core.askPass=/bin/false",
		"-c", "core.hooksPath=/dev/null",
		"-c", "http.lowSpeedLimit=1000",
		"-c", "http.lowSpeedTime=60",
		"-c", "fetch.fsckObjects=false",
		"-c", "transfer.bundleURI=false",
		"-c", "submodule.recurse=false",
	}
	switch t.Scheme {
	case "http":
		args = append(args, "-c", "protocol.http.allow=always")
	case "local":
		args = append(args, "-c", "protocol.file.allow=always")
	}
	if proxyURL != "" {
		args = append(args, "-c", "http.proxy="+proxyURL, "-c", "http.proxyAuthMethod=basic")
	}
	return args
}

// gitCommand is git with args in dir, with the sync's environment, in a
// process group of its own that is killed when ctx ends (git's own children
// too), waiting at most 5 s for its pipes after that.
func (s *Syncer) gitCommand(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, s.cfg.GitPath, args...)
	cmd.Dir = dir
	cmd.Env = s.gitEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// runGit runs git with the sync's environment; the whole process group is
// killed when ctx ends.
func (s *Syncer) runGit(ctx context.Context, dir string, args ...string) ([]byte, error) {
	return s.runGitInput(ctx, dir, nil, args...)
}

// runGitInput is runGit with stdin read from in (nil: empty).
func (s *Syncer) runGitInput(ctx context.Context, dir string, in io.Reader, args ...string) ([]byte, error) {
	cmd := s.gitCommand(ctx, dir, args...)
	cmd.Stdin = in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = msg[:2000]
		}
		return out, &gitError{err: err, stderr: msg}
	}
	return out, nil
}

// fetchCLI fetches branches and tags into the bare repository dir with the
// git CLI, through the proxy. Refs are updated atomically, after the
// objects they need are written, so a fetch killed at any moment leaves
// the repository as it was.
func (s *Syncer) fetchCLI(ctx context.Context, dir string, t egress.Target, proxyURL string) error {
	src := t.URL
	if t.Local() {
		src = t.LocalPath
	}
	args := append(gitArgs(t, proxyURL), "fetch", "--quiet", "--prune", "--no-tags", "--atomic",
		"--no-write-fetch-head", "--no-recurse-submodules", "--no-auto-maintenance", "--", src)
	args = append(args, refSpecs...)
	_, err := s.runGit(ctx, dir, args...)
	return err
}

// cloneCLI makes a first mirror with git clone --bare: branches and tags
// only (never refs/pull/*), through the proxy.
func (s *Syncer) cloneCLI(ctx context.Context, dir string, t egress.Target, proxyURL string) error {
	src := t.URL
	if t.Local() {
		src = t.LocalPath
	}
	args := append(gitArgs(t, proxyURL), "clone", "--bare", "--quiet", "--no-local", "--", src, dir)
	if _, err := s.runGit(ctx, filepath.Dir(dir), args...); err != nil {
		return err
	}
	// The mirror is fetched by URL with explicit refspecs; it keeps no
	// remote configuration.
	_, err := s.runGit(ctx, dir, "config", "--unset-all", "remote.origin.url")
	return err
}

// fetchGoGit is the pure-Go fetch, used when git is not installed (or
// chosen for tests); it reaches the network through the same proxy.
func (s *Syncer) fetchGoGit(ctx context.Context, dir string, t egress.Target, px *egress.Proxy) error {
	r, err := git.PlainOpen(dir)
	if err != nil {
		return err
	}
	src := t.URL
	if t.Local() {
		src = (&url.URL{Scheme: "file", Path: t.LocalPath}).String()
	}
	rem := git.NewRemote(r.Storer, &config.RemoteConfig{Name: "origin", URLs: []string{src}})
	specs := make([]config.RefSpec, len(refSpecs))
	for i, r := range refSpecs {
		specs[i] = config.RefSpec(r)
	}
	opts := &git.FetchOptions{RemoteName: "origin", RefSpecs: specs, Tags: git.NoTags, Prune: true, Force: true}
	if px != nil {
		opts.ProxyOptions = transport.ProxyOptions{URL: "http://" + px.Addr(), Username: "acervo", Password: px.Secret()}
	}
	err = rem.FetchContext(ctx, opts)
	if errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil
	}
	return err
}

// initBare creates an empty bare repository.
func initBare(dir string) error {
	_, err := git.PlainInit(dir, true)
	return err
}

// setHead points the mirror's HEAD at the remote's default branch.
func setHead(dir, head string) error {
	if head == "" {
		return nil
	}
	// Most syncs leave it as it was: git's own file says so without
	// opening the repository.
	if b, err := os.ReadFile(filepath.Join(dir, "HEAD")); err == nil && string(b) == "ref: "+head+"\n" {
		return nil
	}
	r, err := git.PlainOpen(dir)
	if err != nil {
		return err
	}
	cur, err := r.Storer.Reference(plumbing.HEAD)
	if err == nil && cur.Type() == plumbing.SymbolicReference && cur.Target().String() == head {
		return nil
	}
	return r.Storer.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, plumbing.ReferenceName(head)))
}

// mirrorExists reports whether dir holds a bare repository.
func mirrorExists(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, "HEAD"))
	return err == nil && fi.Mode().IsRegular()
}

// fsck runs git fsck on a mirror (tests, maintenance).
func (s *Syncer) fsck(ctx context.Context, dir string) error {
	_, err := s.runGit(ctx, dir, "fsck", "--no-progress", "--strict")
	return err
}

// gitError is a failed git process with what it printed.
type gitError struct {
	err    error
	stderr string
}

func (e *gitError) Error() string { return "git: " + e.err.Error() + ": " + e.stderr }
func (e *gitError) Unwrap() error { return e.err }
