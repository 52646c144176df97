package gitsync

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/acervo-co/acervo/registry"
)

// skippedDirs are directories whose files do not count towards a
// repository's languages (vendored and generated code), at any depth.
var skippedDirs = map[string]bool{
	"vendor": true, "node_modules": true, "third_party": true, "bower_components": true, ".git": true, "dist": true,
}

// langCounts is how many files of each language a tree holds.
type langCounts map[string]int

// langEntry is a tree's counts and its counted subtrees.
type langEntry struct {
	N   langCounts `json:"n"`
	Sub []string   `json:"sub,omitempty"`
}

// languageCache remembers the language counts of trees by hash. A tree's
// counts depend only on its content (a skipped directory is skipped by its
// own name, wherever it is), so the subtrees a new commit did not touch are
// not read again. It is kept next to the mirror
// (<mirror>.acervo-languages.json) with the subtrees of the last head only,
// and ignored when the rules that count languages have changed.
type languageCache struct {
	path    string
	rules   string
	old     map[string]langEntry // from the last sync
	used    map[string]langEntry // the trees of this sync's heads
	changed bool
}

type languageCacheFile struct {
	Rules string               `json:"rules"`
	Trees map[string]langEntry `json:"trees"`
}

// languageRules fingerprints the counting rules (extensions and skipped
// directories).
func languageRules() string {
	var lines []string
	for ext, lang := range languageByExt {
		lines = append(lines, "ext "+ext+" "+lang)
	}
	for d := range skippedDirs {
		lines = append(lines, "skip "+d)
	}
	sort.Strings(lines)
	h := sha256.New()
	for _, l := range lines {
		fmt.Fprintln(h, l)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// loadLanguageCache reads the cache of the mirror at mirrorDir (empty when
// missing, unreadable or made under other rules).
func loadLanguageCache(mirrorDir string) *languageCache {
	c := &languageCache{path: filepath.Clean(mirrorDir) + ".acervo-languages.json", rules: languageRules(),
		old: map[string]langEntry{}, used: map[string]langEntry{}}
	b, err := os.ReadFile(c.path)
	if err != nil {
		return c
	}
	var f languageCacheFile
	if json.Unmarshal(b, &f) == nil && f.Rules == c.rules && f.Trees != nil {
		c.old = f.Trees
	}
	return c
}

func (c *languageCache) get(h plumbing.Hash) (langCounts, bool) {
	if c == nil {
		return nil, false
	}
	k := h.String()
	if e, ok := c.used[k]; ok {
		return e.N, true
	}
	e, ok := c.old[k]
	if !ok {
		return nil, false
	}
	c.keep(k)
	return e.N, true
}

// keep carries a tree of the last sync and its subtrees into this one's.
func (c *languageCache) keep(k string) {
	if _, ok := c.used[k]; ok {
		return
	}
	e, ok := c.old[k]
	if !ok {
		return
	}
	c.used[k] = e
	c.changed = true
	for _, sub := range e.Sub {
		c.keep(sub)
	}
}

func (c *languageCache) put(h plumbing.Hash, n langCounts, subs []string) {
	if c == nil {
		return
	}
	c.used[h.String()] = langEntry{N: n, Sub: subs}
	c.changed = true
}

// save writes the trees used in this sync atomically (temporary file,
// rename); the trees of earlier heads are dropped.
func (c *languageCache) save() error {
	if c == nil || !c.changed || len(c.used) == 0 {
		return nil
	}
	b, err := json.Marshal(languageCacheFile{Rules: c.rules, Trees: c.used})
	if err != nil {
		return err
	}
	tmp := c.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, c.path)
}

// countLanguages counts the files of each language under tree, reading
// only the subtrees the cache does not know. A subtree that cannot be read
// counts as empty.
func countLanguages(repo interface {
	TreeObject(plumbing.Hash) (*object.Tree, error)
}, tree *object.Tree, cache *languageCache) langCounts {
	if n, ok := cache.get(tree.Hash); ok {
		return n
	}
	n := langCounts{}
	var subs []string
	for _, e := range tree.Entries {
		switch {
		case e.Mode == filemode.Dir:
			if skippedDirs[e.Name] {
				continue
			}
			if m, ok := cache.get(e.Hash); ok {
				subs = append(subs, e.Hash.String())
				for l, k := range m {
					n[l] += k
				}
				continue
			}
			sub, err := repo.TreeObject(e.Hash)
			if err != nil {
				continue
			}
			subs = append(subs, e.Hash.String())
			for l, k := range countLanguages(repo, sub, cache) {
				n[l] += k
			}
		case e.Mode == filemode.Submodule || !e.Mode.IsFile():
		default:
			if l := languageOf(e.Name); l != "" {
				n[l]++
			}
		}
	}
	cache.put(tree.Hash, n, subs)
	return n
}

// languages is each language's share of the files under tree, largest
// first.
func languageShares(n langCounts) []registry.LanguageShare {
	total := 0
	for _, k := range n {
		total += k
	}
	if total == 0 {
		return []registry.LanguageShare{}
	}
	out := make([]registry.LanguageShare, 0, len(n))
	for l, k := range n {
		out = append(out, registry.LanguageShare{Name: l, Share: float64(int(float64(k)/float64(total)*1000+0.5)) / 1000})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Share != out[j].Share {
			return out[i].Share > out[j].Share
		}
		return out[i].Name < out[j].Name
	})
	return out
}
