package gitsync

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"github.com/acervo-co/acervo/gitsync/publiccode"
	"github.com/acervo-co/acervo/registry"
)

// Limits on what is read out of a mirror.
const (
	maxReadme      = 256 << 10
	maxLicenseFile = 256 << 10
	maxPeel        = 8 // tag objects pointing at tag objects
)

// openMirror opens a bare mirror read-only with go-git, with the bound
// filesystem (no path escapes) and a small object cache. Pack files stay
// open between object reads (go-git otherwise opens the pack and builds a
// reader for every object) until close is called; pack indexes are read
// through a buffer.
func openMirror(dir string) (*git.Repository, func(), error) {
	st, err := openMirrorStorage(dir)
	if err != nil {
		return nil, nil, err
	}
	r, err := git.Open(st, nil)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return r, func() { st.Close() }, nil
}

func openMirrorStorage(dir string) (*filesystem.Storage, error) {
	return filesystem.NewStorageWithOptions(bufferedIdxFS{osfs.New(dir, osfs.WithBoundOS())}, cache.NewObjectLRU(4*cache.MiByte),
		filesystem.Options{LargeObjectThreshold: 1 << 20, MaxOpenDescriptors: 4}), nil
}

// openReader opens a mirror for reading: its objects through git
// cat-file when the git CLI is in use (pre: processes started already, or
// nil), else with go-git alone.
func (s *Syncer) openReader(ctx context.Context, dir string, pre *catFileProcs) (*git.Repository, func(), error) {
	if s.useGo {
		return openMirror(dir)
	}
	st, closeSt, err := s.openCatFileMirror(ctx, dir, pre)
	if err != nil {
		s.log.Warn("git cat-file did not start; reading the mirror with go-git", "dir", dir, "err", err)
		return openMirror(dir)
	}
	r, err := git.Open(st, nil)
	if err != nil {
		closeSt()
		return nil, nil, err
	}
	return r, closeSt, nil
}

// bufferedIdxFS reads pack index files (*.idx) through a buffer: go-git's
// index decoder reads them four bytes at a time, a system call each.
type bufferedIdxFS struct{ billy.Filesystem }

func (f bufferedIdxFS) Open(name string) (billy.File, error) {
	file, err := f.Filesystem.Open(name)
	if err != nil || !strings.HasSuffix(name, ".idx") {
		return file, err
	}
	return &bufferedFile{File: file, r: bufio.NewReaderSize(file, 64<<10)}, nil
}

// bufferedFile is a file read sequentially through a buffer (its other
// methods are the file's own, so Seek and ReadAt must not be mixed with
// Read; the index decoder only reads).
type bufferedFile struct {
	billy.File
	r *bufio.Reader
}

func (f *bufferedFile) Read(p []byte) (int, error) { return f.r.Read(p) }

// tagInfo is one tag of a mirror, peeled to its commit.
type tagInfo struct {
	Tag    string
	Commit string
	Tree   string    // the commit's root tree when known without reading it, else ""
	Date   time.Time // tagger date of an annotated tag, else the commit date
	known  bool      // unchanged since the last sync: Date not read
}

// readTags lists the mirror's tags that point (maybe through tag objects)
// at commits. known(tag, refHash) returns the commit a tag is already
// known to point at (from the remote's peeled advertisement and the stored
// release), so that unchanged tags are not read; "" means read it.
func readTags(r *git.Repository, known func(tag, hash string) string) ([]tagInfo, error) {
	it, err := r.Storer.IterReferences()
	if err != nil {
		return nil, err
	}
	var out []tagInfo
	err = it.ForEach(func(ref *plumbing.Reference) error {
		name := ref.Name().String()
		if ref.Type() != plumbing.HashReference || !strings.HasPrefix(name, "refs/tags/") {
			return nil
		}
		tag := strings.TrimPrefix(name, "refs/tags/")
		if c := known(tag, ref.Hash().String()); c != "" {
			out = append(out, tagInfo{Tag: tag, Commit: c, known: true})
			return nil
		}
		ti, ok := peelTag(r, ref.Hash())
		if !ok {
			return nil
		}
		ti.Tag = tag
		out = append(out, ti)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Tag < out[j].Tag })
	return out, err
}

func peelTag(r *git.Repository, h plumbing.Hash) (tagInfo, bool) {
	var ti tagInfo
	for i := 0; i < maxPeel; i++ {
		obj, err := r.Storer.EncodedObject(plumbing.AnyObject, h)
		if err != nil {
			return ti, false
		}
		switch obj.Type() {
		case plumbing.TagObject:
			t, err := object.DecodeTag(r.Storer, obj)
			if err != nil {
				return ti, false
			}
			if ti.Date.IsZero() {
				ti.Date = t.Tagger.When
			}
			h = t.Target
		case plumbing.CommitObject:
			c, err := object.DecodeCommit(r.Storer, obj)
			if err != nil {
				return ti, false
			}
			if ti.Date.IsZero() {
				ti.Date = c.Committer.When
			}
			ti.Commit = c.Hash.String()
			ti.Tree = c.TreeHash.String()
			ti.Date = ti.Date.UTC()
			return ti, true
		default:
			return ti, false
		}
	}
	return ti, false
}

// extractor reads metadata at commits of one mirror, caching the licence
// of each licence blob.
type extractor struct {
	repo     *git.Repository
	opts     publiccode.Options
	maxPC    int64
	scanner  *licenseScanner
	licenses *licenseCache
	// parsed caches publiccode.yml results by blob when they cannot depend
	// on the commit's other files (no relative logo, screenshot or
	// authors file).
	parsed map[plumbing.Hash]parsedPC
	langs  *languageCache // nil: languages are counted without a cache
}

type parsedPC struct {
	snap registry.PubliccodeSnapshot
	file *publiccode.File
	spdx string // legal.license when it is a valid SPDX expression
}

func newExtractor(repo *git.Repository, opts publiccode.Options, maxPC int64, scanner *licenseScanner, cache *licenseCache) *extractor {
	return &extractor{repo: repo, opts: opts, maxPC: maxPC, scanner: scanner, licenses: cache, parsed: map[plumbing.Hash]parsedPC{}}
}

// snapshot is what a commit holds.
type snapshot struct {
	Publiccode registry.PubliccodeSnapshot
	File       *publiccode.File
	// FileLicense is publiccode.yml's legal.license when it is a valid
	// SPDX expression (checked once per publiccode.yml blob).
	FileLicense string
	License     string // from the licence file
	Readme      string
	Languages   []registry.LanguageShare
}

// at reads the publiccode.yml and licence at commit (and, with full, the
// README and languages).
func (x *extractor) at(commit string, full bool) (snapshot, error) {
	return x.atTree(commit, "", full)
}

// atTree is at with the commit's root tree already known (treeID, from
// git for-each-ref), so that the commit itself is not read; "" reads it.
func (x *extractor) atTree(commit, treeID string, full bool) (snapshot, error) {
	var tree *object.Tree
	var err error
	if treeID != "" {
		if tree, err = x.repo.TreeObject(plumbing.NewHash(treeID)); err != nil {
			return snapshot{}, fmt.Errorf("tree %s of %s: %w", treeID, commit, err)
		}
	} else {
		c, err := x.repo.CommitObject(plumbing.NewHash(commit))
		if err != nil {
			return snapshot{}, fmt.Errorf("commit %s: %w", commit, err)
		}
		if tree, err = c.Tree(); err != nil {
			return snapshot{}, fmt.Errorf("tree of %s: %w", commit, err)
		}
	}
	var s snapshot
	s.Publiccode, s.File, s.FileLicense = x.publiccode(tree)
	s.License = x.license(tree)
	if full {
		s.Readme = x.readme(tree)
		s.Languages = languageShares(countLanguages(x.repo, tree, x.langs))
	}
	return s, nil
}

// rootEntry finds a root entry by name, case-insensitively among names.
func rootEntries(tree *object.Tree, match func(lower string) bool) []object.TreeEntry {
	var out []object.TreeEntry
	for _, e := range tree.Entries {
		if e.Mode.IsFile() && match(strings.ToLower(e.Name)) {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i].Name) != len(out[j].Name) {
			return len(out[i].Name) < len(out[j].Name)
		}
		return out[i].Name < out[j].Name
	})
	return out
}

func (x *extractor) blob(e object.TreeEntry) (*object.Blob, error) {
	return x.repo.BlobObject(e.Hash)
}

func readBlob(b *object.Blob, limit int64) ([]byte, error) {
	rd, err := b.Reader()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	return io.ReadAll(io.LimitReader(rd, limit))
}

// publiccode reads and validates publiccode.yml (or .yaml) at the root,
// and returns its legal.license when that is a valid SPDX expression.
func (x *extractor) publiccode(tree *object.Tree) (registry.PubliccodeSnapshot, *publiccode.File, string) {
	es := rootEntries(tree, func(n string) bool { return n == "publiccode.yml" || n == "publiccode.yaml" })
	var e *object.TreeEntry
	for i := range es {
		if es[i].Name == "publiccode.yml" || es[i].Name == "publiccode.yaml" {
			e = &es[i]
			break
		}
	}
	if e == nil {
		return registry.PubliccodeSnapshot{}, nil, ""
	}
	if c, ok := x.parsed[e.Hash]; ok && c.snap.Path == e.Name {
		return c.snap, c.file, c.spdx
	}
	snap := registry.PubliccodeSnapshot{Present: true, Path: e.Name}
	fail := func(format string, args ...any) (registry.PubliccodeSnapshot, *publiccode.File, string) {
		snap.Findings = []registry.Finding{{File: e.Name, Severity: "error", Message: registry.CodeMetadataInvalid + ": " + fmt.Sprintf(format, args...)}}
		return snap, nil, ""
	}
	b, err := x.blob(*e)
	if err != nil {
		return fail("cannot read the file: %v", err)
	}
	if b.Size > x.maxPC {
		return fail("the file has %d bytes, more than the %d allowed", b.Size, x.maxPC)
	}
	data, err := readBlob(b, x.maxPC+1)
	if err != nil {
		return fail("cannot read the file: %v", err)
	}
	opts := x.opts
	opts.MaxSize = int(x.maxPC)
	opts.RepoRoot = treeFS{tree}
	f, findings := publiccode.Parse(data, opts)
	for i := range findings {
		findings[i].File = e.Name
	}
	snap.Raw = string(data)
	snap.Findings = findings
	snap.Valid = f != nil && !publiccode.HasErrors(findings)
	spdx := ""
	if f != nil {
		snap.Version = f.Version
		if registry.ValidSPDXExpression(f.Legal.License) {
			spdx = f.Legal.License
		}
	}
	if f == nil || !usesRepoFiles(f) {
		x.parsed[e.Hash] = parsedPC{snap: snap, file: f, spdx: spdx}
	}
	return snap, f, spdx
}

// usesRepoFiles reports whether validating f looked at other files of the
// repository (relative logos, screenshots, authors file).
func usesRepoFiles(f *publiccode.File) bool {
	rel := func(v string) bool { return v != "" && !strings.Contains(v, "://") }
	if rel(f.Logo) || rel(f.MonochromeLogo) || rel(f.Legal.AuthorsFile) {
		return true
	}
	for _, d := range f.Description {
		for _, sc := range d.Screenshots {
			if rel(sc) {
				return true
			}
		}
	}
	return false
}

// license identifies the licence file at the root with licensecheck.
func (x *extractor) license(tree *object.Tree) string {
	es := rootEntries(tree, func(n string) bool {
		base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(n, ".md"), ".txt"), ".rst")
		return base == "license" || base == "licence" || base == "copying" || base == "unlicense" ||
			strings.HasPrefix(n, "license-") || strings.HasPrefix(n, "licence-") || strings.HasPrefix(n, "license.") || strings.HasPrefix(n, "licence.")
	})
	if len(es) == 0 {
		return ""
	}
	e := es[0]
	if l, ok := x.licenses.get(e.Hash.String()); ok {
		return l
	}
	b, err := x.blob(e)
	if err != nil {
		return ""
	}
	data, err := readBlob(b, maxLicenseFile)
	if err != nil {
		return ""
	}
	l := x.scanner.identify(data)
	x.licenses.put(e.Hash.String(), l)
	return l
}

// readme returns the first 256 KiB of the root README.
func (x *extractor) readme(tree *object.Tree) string {
	es := rootEntries(tree, func(n string) bool { return n == "readme" || strings.HasPrefix(n, "readme.") })
	for _, e := range es {
		b, err := x.blob(e)
		if err != nil {
			continue
		}
		data, err := readBlob(b, maxReadme)
		if err != nil {
			continue
		}
		return strings.ToValidUTF8(string(data), "\uFFFD")
	}
	return ""
}

var languageByExt = map[string]string{
	".go": "Go", ".py": "Python", ".java": "Java", ".kt": "Kotlin", ".kts": "Kotlin", ".scala": "Scala",
	".js": "JavaScript", ".mjs": "JavaScript", ".cjs": "JavaScript", ".jsx": "JavaScript",
	".ts": "TypeScript", ".tsx": "TypeScript", ".php": "PHP", ".rb": "Ruby", ".rs": "Rust",
	".c": "C", ".h": "C", ".cc": "C++", ".cpp": "C++", ".cxx": "C++", ".hpp": "C++", ".hh": "C++",
	".cs": "C#", ".vb": "Visual Basic .NET", ".fs": "F#", ".swift": "Swift", ".m": "Objective-C",
	".dart": "Dart", ".lua": "Lua", ".pl": "Perl", ".pm": "Perl", ".r": "R", ".jl": "Julia",
	".sh": "Shell", ".bash": "Shell", ".ps1": "PowerShell", ".sql": "SQL", ".plsql": "PL/SQL",
	".pks": "PL/SQL", ".pkb": "PL/SQL", ".ex": "Elixir", ".exs": "Elixir", ".erl": "Erlang",
	".hs": "Haskell", ".clj": "Clojure", ".groovy": "Groovy", ".vue": "Vue", ".svelte": "Svelte",
	".html": "HTML", ".htm": "HTML", ".css": "CSS", ".scss": "SCSS", ".sass": "Sass", ".less": "Less",
	".jsp": "Java Server Pages", ".asp": "ASP", ".aspx": "ASP.NET", ".cshtml": "ASP.NET",
	".cob": "COBOL", ".cbl": "COBOL", ".f90": "Fortran", ".f": "Fortran", ".pas": "Pascal",
	".xsl": "XSLT", ".xslt": "XSLT", ".tf": "HCL", ".ml": "OCaml", ".zig": "Zig", ".nim": "Nim",
}

func languageOf(name string) string {
	return languageByExt[strings.ToLower(path.Ext(name))]
}

// treeFS is a git tree as an fs.FS, so that publiccode.yml's relative
// paths (logo, screenshots) are checked against the commit's files.
type treeFS struct{ t *object.Tree }

func (f treeFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		return &treeFile{info: treeInfo{name: ".", mode: fs.ModeDir | 0o555}}, nil
	}
	e, err := f.t.FindEntry(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if e.Mode == filemode.Dir {
		return &treeFile{info: treeInfo{name: path.Base(name), mode: fs.ModeDir | 0o555}}, nil
	}
	if !e.Mode.IsFile() {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	file, err := f.t.File(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	rd, err := file.Reader()
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &treeFile{info: treeInfo{name: path.Base(name), size: file.Size, mode: 0o444}, rd: rd}, nil
}

type treeInfo struct {
	name string
	size int64
	mode fs.FileMode
}

func (i treeInfo) Name() string       { return i.name }
func (i treeInfo) Size() int64        { return i.size }
func (i treeInfo) Mode() fs.FileMode  { return i.mode }
func (i treeInfo) ModTime() time.Time { return time.Time{} }
func (i treeInfo) IsDir() bool        { return i.mode.IsDir() }
func (i treeInfo) Sys() any           { return nil }

type treeFile struct {
	info treeInfo
	rd   io.ReadCloser
}

func (f *treeFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *treeFile) Read(b []byte) (int, error) {
	if f.rd == nil {
		return 0, errors.New("is a directory")
	}
	return f.rd.Read(b)
}
func (f *treeFile) Close() error {
	if f.rd != nil {
		return f.rd.Close()
	}
	return nil
}

// Stat answers without opening the blob.
func (f treeFS) Stat(name string) (fs.FileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		return treeInfo{name: ".", mode: fs.ModeDir | 0o555}, nil
	}
	e, err := f.t.FindEntry(name)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	if e.Mode == filemode.Dir {
		return treeInfo{name: path.Base(name), mode: fs.ModeDir | 0o555}, nil
	}
	file, err := f.t.File(name)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return treeInfo{name: path.Base(name), size: file.Size, mode: 0o444}, nil
}
