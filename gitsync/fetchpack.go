package gitsync

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/transport"

	"github.com/acervo-co/acervo/gitsync/egress"
)

// remoteConn is the session a listing went through (the policy's HTTP
// client, its byte counter), kept for the fetch that follows: the pack is
// asked for against the listing itself, with no second listing and, over
// https, no second handshake.
type remoteConn struct {
	hc   *http.Client
	sess transport.UploadPackSession
	caps *capability.List
}

// close ends the session and closes its idle connection. Closing a nil
// or closed connection does nothing.
func (c *remoteConn) close() {
	if c == nil || c.hc == nil {
		return
	}
	c.sess.Close()
	c.hc.CloseIdleConnections()
	c.hc = nil
}

// fetchPack brings the existing mirror at dir up to the listed refs with
// the listing's session, as git fetch --prune --atomic would, without
// listing again:
//
//  1. the branches and tags that changed are wanted, the mirror's own
//     tips are sent as haves, and the pack the remote answers with is
//     indexed by git index-pack --fix-thin (bounded by the byte limit);
//  2. git rev-list checks that every new tip is connected to objects the
//     mirror holds (git fetch's own connectivity check), so a remote that
//     sends an incomplete pack moves no ref;
//  3. git update-ref moves, creates and deletes the refs in one
//     transaction, each checked against its old value. When git cannot
//     (a deleted branch whose name is now a directory of branches,
//     feature → feature/x), the deletions go first, in a transaction of
//     their own, as git fetch --prune does.
//
// A sync killed at any moment leaves the refs as they were (or, in the
// second case, with the deletions made): at worst an unreferenced pack
// stays, which the next fetch does not need.
func (s *Syncer) fetchPack(ctx context.Context, dir string, refs remoteRefs, c *egress.Counter) error {
	local, err := localRefs(dir)
	if err != nil {
		return fmt.Errorf("read the mirror's refs: %w", err)
	}
	var updates, deletes bytes.Buffer
	tips := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(refs.Refs)) {
		id := refs.Refs[name]
		if !validRef(name, id) {
			return fmt.Errorf("the remote advertised an invalid ref %q %q", name, id)
		}
		old, ok := local[name]
		switch {
		case ok && old == id:
			continue
		case ok:
			fmt.Fprintf(&updates, "update %s\x00%s\x00%s\x00", name, id, old)
		default:
			fmt.Fprintf(&updates, "create %s\x00%s\x00", name, id)
		}
		tips[id] = true
	}
	haveSet := map[string]bool{}
	for name, old := range local {
		haveSet[old] = true
		if _, ok := refs.Refs[name]; !ok {
			fmt.Fprintf(&deletes, "delete %s\x00%s\x00", name, old)
		}
	}
	if updates.Len()+deletes.Len() == 0 {
		return nil
	}
	var wants []plumbing.Hash
	for id := range tips {
		if !haveSet[id] {
			wants = append(wants, plumbing.NewHash(id))
		}
	}
	if len(wants) > 0 {
		var haves []plumbing.Hash
		for id := range haveSet {
			haves = append(haves, plumbing.NewHash(id))
		}
		if err := s.receivePack(ctx, dir, refs.conn, wants, haves, c); err != nil {
			return err
		}
	}
	if len(tips) > 0 {
		// The objects reachable from the new tips must all be in the
		// mirror, as git fetch checks before it moves a ref.
		var in strings.Builder
		for id := range tips {
			in.WriteString(id + "\n")
		}
		if _, err := s.runGitInput(ctx, dir, strings.NewReader(in.String()), "rev-list", "--objects", "--stdin", "--not", "--all", "--quiet", "--alternate-refs"); err != nil {
			return fmt.Errorf("the fetched objects are incomplete: %w", err)
		}
	}
	all := append(bytes.Clone(deletes.Bytes()), updates.Bytes()...)
	_, err = s.runGitInput(ctx, dir, bytes.NewReader(all), "update-ref", "--stdin", "-z")
	if err == nil || ctx.Err() != nil || deletes.Len() == 0 || updates.Len() == 0 {
		return err
	}
	s.log.Debug("ref updates in one transaction refused; deletions first", "dir", dir, "err", err)
	for _, tx := range []*bytes.Buffer{&deletes, &updates} {
		if _, err := s.runGitInput(ctx, dir, tx, "update-ref", "--stdin", "-z"); err != nil {
			return err
		}
	}
	return nil
}

// validRef reports whether an advertised ref is one git writes: an object
// id, and a name by git check-ref-format's rules (no control characters,
// spaces, ~^:?*[\, "..", "@{", empty components or components starting
// with a dot or ending in .lock, no trailing dot).
func validRef(name, id string) bool {
	if !plumbing.IsHash(id) || strings.HasSuffix(name, ".") ||
		strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r == 0x7f || strings.ContainsRune("~^:?*[\\", r) }) ||
		strings.Contains(name, "..") || strings.Contains(name, "@{") {
		return false
	}
	parts := strings.Split(name, "/")
	for _, p := range parts {
		if p == "" || p == "@" || strings.HasPrefix(p, ".") || strings.HasSuffix(p, ".lock") {
			return false
		}
	}
	return len(parts) >= 3
}

// localRefs are the mirror's branches and tags (name → object id), read
// as git reads them (loose refs over packed ones).
func localRefs(dir string) (map[string]string, error) {
	st, err := openMirrorStorage(dir)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	it, err := st.IterReferences()
	if err != nil {
		return nil, err
	}
	local := map[string]string{}
	err = it.ForEach(func(ref *plumbing.Reference) error {
		if name := ref.Name().String(); ref.Type() == plumbing.HashReference && wanted(name) {
			local[name] = ref.Hash().String()
		}
		return nil
	})
	return local, err
}

// receivePack asks the remote for the objects of wants that haves lack
// and indexes the pack into the mirror. Without haves (a first mirror)
// the pack must hold every object it refers to.
func (s *Syncer) receivePack(ctx context.Context, dir string, conn *remoteConn, wants, haves []plumbing.Hash, c *egress.Counter) error {
	thin := len(haves) > 0
	sort.Slice(wants, func(i, j int) bool { return bytes.Compare(wants[i][:], wants[j][:]) < 0 })
	sort.Slice(haves, func(i, j int) bool { return bytes.Compare(haves[i][:], haves[j][:]) < 0 })
	req := packp.NewUploadPackRequest()
	// No multi_ack (the request ends with done: one answer) and no side
	// band: the pack follows the answer as it is.
	for _, cp := range []capability.Capability{capability.OFSDelta, capability.ThinPack, capability.NoProgress} {
		if conn.caps.Supports(cp) && (thin || cp != capability.ThinPack) {
			req.Capabilities.Set(cp)
		}
	}
	if conn.caps.Supports(capability.Agent) {
		req.Capabilities.Set(capability.Agent, "acervo")
	}
	req.Wants, req.Haves = wants, haves
	resp, err := conn.sess.UploadPack(ctx, req)
	if err != nil {
		// go-git hides the client's error (a refused redirect or address,
		// with its code) in an UnexpectedError that does not unwrap.
		var ue *plumbing.UnexpectedError
		if errors.As(err, &ue) && ue.Err != nil {
			err = ue.Err
		}
		return fmt.Errorf("upload-pack: %w", err)
	}
	defer resp.Close()
	br := bufio.NewReaderSize(resp, 64<<10)
	hdr, err := br.Peek(12)
	if err != nil {
		return fmt.Errorf("read the pack: %w", err)
	}
	if string(hdr[:4]) != "PACK" {
		return fmt.Errorf("the remote answered %q where a pack belongs", hdr)
	}
	if binary.BigEndian.Uint32(hdr[8:]) == 0 {
		// Nothing new (a tag moved to a commit the mirror has).
		_, err := io.Copy(io.Discard, br)
		return err
	}
	args := []string{"index-pack", "--stdin", "--fix-thin"}
	if !thin {
		// git clone's own check: every object the pack refers to is in it.
		args = []string{"index-pack", "--stdin", "--check-self-contained-and-connected"}
	}
	if s.cfg.MaxBytes > 0 {
		args = append(args, "--max-input-size="+strconv.FormatInt(s.cfg.MaxBytes, 10))
	}
	if _, err := s.runGitInput(ctx, dir, br, args...); err != nil {
		if c.Exceeded() {
			return err
		}
		return fmt.Errorf("index the pack: %w", err)
	}
	return nil
}

// clonePack makes a first mirror in the empty directory dir from the
// listing's session, as git clone --bare would, without listing again: an
// empty bare repository, one pack of every listed branch and tag indexed
// by git index-pack, which refuses a pack that refers to objects it does
// not hold (git clone's own check), a check that every listed tip is in
// the mirror, and the refs written as packed refs. The caller moves dir
// into place once complete.
func (s *Syncer) clonePack(ctx context.Context, dir string, refs remoteRefs, c *egress.Counter) error {
	if err := initBare(dir); err != nil {
		return err
	}
	names := make([]string, 0, len(refs.Refs))
	seen := map[string]bool{}
	var wants []plumbing.Hash
	for name, id := range refs.Refs {
		if !validRef(name, id) {
			return fmt.Errorf("the remote advertised an invalid ref %q %q", name, id)
		}
		names = append(names, name)
		if !seen[id] {
			seen[id] = true
			wants = append(wants, plumbing.NewHash(id))
		}
	}
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	if err := s.receivePack(ctx, dir, refs.conn, wants, nil, c); err != nil {
		return err
	}
	// A remote may leave a wanted tip out of the pack.
	var in strings.Builder
	for _, h := range wants {
		in.WriteString(h.String() + "\n")
	}
	out, err := s.runGitInput(ctx, dir, strings.NewReader(in.String()), "cat-file", "--batch-check=%(objectname)")
	if err != nil {
		return err
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if !plumbing.IsHash(line) {
			return fmt.Errorf("the remote's pack lacks a listed branch or tag: %s", line)
		}
	}
	// The refs as git clone writes them, in one packed-refs file (no
	// peeled values: git peels tags from the objects themselves).
	var b bytes.Buffer
	b.WriteString("# pack-refs with: sorted \n")
	for _, name := range names {
		b.WriteString(refs.Refs[name] + " " + name + "\n")
	}
	return os.WriteFile(filepath.Join(dir, "packed-refs"), b.Bytes(), 0o644)
}
