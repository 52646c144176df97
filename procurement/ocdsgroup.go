package procurement

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
)

// ocdsGroups is the source of an OCDS input made of releases (a release
// package, or an array or lines of releases). A contracting process is
// published as several releases, one per stage (planning, tender, award,
// contract, amendments), and they need not be adjacent in a package; taken
// one by one they would make a purchase of the tender, another of the award
// and a third of the contract. So the input is read once, each release
// copied to an unlinked temporary file and indexed by its ocid, and then one
// item is yielded per process, in the order processes first appear: its only
// release as it was, or the compiled release of all of them
// (compileReleases). Memory holds the index (about 100 bytes per release),
// not the releases.
type ocdsGroups struct {
	in     *jsonSource
	ctx    context.Context
	spool  *os.File
	size   int64 // bytes spooled
	groups []ocdsGroup
	next_  int
	read   bool
	err    error // the error that ended the input, returned after its releases
	done   int64 // spooled bytes of the groups yielded so far
	inSize int64 // input bytes read

	releases int64 // releases read
}

type ocdsMember struct {
	off       int64
	n         int
	line, col int
	exact     bool
}

type ocdsGroup struct {
	members []ocdsMember
}

func newOCDSGroups(in *jsonSource) *ocdsGroups {
	return &ocdsGroups{in: in, ctx: context.Background()}
}

// setContext lets a cancelled import stop the first pass.
func (g *ocdsGroups) setContext(ctx context.Context) { g.ctx = ctx }

func (g *ocdsGroups) format() Format { return g.in.format() }

func (g *ocdsGroups) close() {
	g.in.close()
	if g.spool != nil {
		g.spool.Close()
	}
}

// offset is the share of the input yielded so far, in input bytes: the
// progress bar's ETA follows the processes imported, not the first pass.
func (g *ocdsGroups) offset() int64 {
	if !g.read || g.size == 0 {
		return g.in.offset()
	}
	return g.inSize * g.done / g.size
}

// compiled is the number of releases merged into another release of their
// process.
func (g *ocdsGroups) compiled() int64 {
	return g.releases - int64(len(g.groups))
}

func (g *ocdsGroups) next() (item, error) {
	if !g.read {
		if err := g.readAll(); err != nil {
			return item{}, err
		}
	}
	if g.next_ >= len(g.groups) {
		if g.err != nil {
			return item{}, g.err
		}
		return item{}, io.EOF
	}
	gr := g.groups[g.next_]
	g.next_++
	raws := make([]json.RawMessage, len(gr.members))
	for i, m := range gr.members {
		raw, err := g.raw(m)
		if err != nil {
			return item{}, err
		}
		raws[i] = raw
		g.done += int64(m.n)
	}
	first, last := gr.members[0], gr.members[len(gr.members)-1]
	if len(raws) == 1 {
		raw := raws[0]
		return item{ocds: raw, line: first.line, col: first.col, locate: func(key string) (int, int) {
			return locateIn(raw, first, key)
		}}, nil
	}
	compiled, err := compileReleases(raws)
	if err != nil {
		return item{line: first.line, err: &RowError{Line: first.line, Column: first.col, Reason: err.Error()}}, nil
	}
	return item{ocds: compiled, line: last.line, col: last.col, locate: func(key string) (int, int) {
		// The latest release in the input that carries the key.
		for i := len(raws) - 1; i >= 0; i-- {
			if l, c := locateIn(raws[i], gr.members[i], key); l > 0 {
				return l, c
			}
		}
		return 0, 0
	}}, nil
}

func (g *ocdsGroups) raw(m ocdsMember) (json.RawMessage, error) {
	b := make([]byte, m.n)
	if _, err := g.spool.ReadAt(b, m.off); err != nil {
		return nil, fmt.Errorf("OCDS releases: read back the temporary copy: %w", err)
	}
	return b, nil
}

// readAll is the first pass: it spools every release and groups them by
// ocid. A release without a readable ocid stands alone (mapping it reports
// why). An error that ends the input is kept and returned once the releases
// read before it are yielded.
func (g *ocdsGroups) readAll() error {
	g.read = true
	f, err := os.CreateTemp("", "acervo-ocds-*")
	if err != nil {
		return fmt.Errorf("OCDS releases: temporary file: %w", err)
	}
	// Unlinked at once: the copy goes away with the file descriptor, even
	// if the process is killed.
	_ = os.Remove(f.Name())
	g.spool = f
	w := bufio.NewWriterSize(f, 1<<20)
	var off int64
	byOCID := map[string]int{}
	for {
		if err := g.ctx.Err(); err != nil {
			return err
		}
		it, err := g.in.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			g.err = err
			break
		}
		g.releases++
		raw := it.ocds
		m := ocdsMember{off: off, n: len(raw), line: it.line, col: it.col, exact: it.exact}
		if _, err := w.Write(raw); err != nil {
			return fmt.Errorf("OCDS releases: temporary file: %w", err)
		}
		off += int64(len(raw))
		var probe struct {
			OCID json.RawMessage `json:"ocid"`
		}
		ocid := ""
		if json.Unmarshal(raw, &probe) == nil {
			var s string
			if json.Unmarshal(probe.OCID, &s) == nil {
				ocid = s
			}
		}
		if i, ok := byOCID[ocid]; ok && ocid != "" {
			g.groups[i].members = append(g.groups[i].members, m)
			continue
		}
		if ocid != "" {
			byOCID[ocid] = len(g.groups)
		}
		g.groups = append(g.groups, ocdsGroup{members: []ocdsMember{m}})
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("OCDS releases: temporary file: %w", err)
	}
	g.size = off
	g.inSize = g.in.offset()
	return nil
}

// locateIn finds key in a release's bytes, for error reports: its line and
// column in the input when the bytes are the input's own, else where the
// release starts.
func locateIn(raw []byte, m ocdsMember, key string) (int, int) {
	if !m.exact {
		return m.line, m.col
	}
	i := bytes.Index(raw, []byte(strconv.Quote(key)))
	if i < 0 {
		return 0, 0
	}
	pre := raw[:i]
	nl := bytes.Count(pre, []byte{'\n'})
	if nl == 0 {
		return m.line, m.col + i
	}
	return m.line + nl, i - bytes.LastIndexByte(pre, '\n')
}
