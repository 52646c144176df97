package gitsync

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/google/licensecheck"

	"github.com/acervo-co/acervo/registry"
)

// licenseFamilies are the licences Acervo recognises, most common first in
// public software, grouped so that a licence and its "-only"/"-or-later"
// notices are matched together. licensecheck's scanner over all its 377
// licences takes about two seconds to build; one scanner per family is
// built when first needed (a few milliseconds each), and scanning stops as
// soon as the text is covered.
var licenseFamilies = [][]string{
	{"MIT", "MIT-0"}, {"Apache-2.0"}, {"GPL-3.0", "GPL-3.0-only", "GPL-3.0-or-later"},
	{"GPL-2.0", "GPL-2.0-only", "GPL-2.0-or-later"}, {"AGPL-3.0", "AGPL-3.0-only", "AGPL-3.0-or-later"},
	{"LGPL-3.0", "LGPL-3.0-only", "LGPL-3.0-or-later"}, {"LGPL-2.1", "LGPL-2.1-only", "LGPL-2.1-or-later"},
	{"BSD-3-Clause"}, {"BSD-2-Clause"}, {"MPL-2.0"}, {"EUPL-1.2"}, {"EUPL-1.1"}, {"ISC"}, {"Unlicense"},
	{"CC0-1.0"}, {"0BSD"}, {"BSL-1.0"}, {"EPL-2.0"}, {"EPL-1.0"}, {"Artistic-2.0"}, {"CC-BY-4.0"},
	{"CC-BY-SA-4.0"}, {"CECILL-2.1"}, {"MS-PL"}, {"OSL-3.0"}, {"Zlib"}, {"WTFPL"}, {"PostgreSQL"},
	{"LGPL-2.0", "LGPL-2.0-only", "LGPL-2.0-or-later"}, {"AFL-3.0"}, {"Apache-1.1"}, {"BSD-4-Clause"},
	{"GPL-1.0", "GPL-1.0-only", "GPL-1.0-or-later"},
}

// licenseKeywords are phrases one of which a text must contain (lower
// case, spaces collapsed) for the family at the same index to be tried:
// a cheap filter so that scanners are built only for plausible families.
var licenseKeywords = [][]string{
	{"permission is hereby granted"}, {"apache license"}, {"gnu general public license", "gpl"},
	{"gnu general public license", "gpl"}, {"affero"},
	{"lesser general public", "library general public", "lgpl"}, {"lesser general public", "library general public", "lgpl"},
	{"redistribution and use"}, {"redistribution and use"}, {"mozilla public license"}, {"european union public licen", "eupl"},
	{"european union public licen", "eupl"}, {"permission to use, copy, modify"}, {"unlicense", "public domain"},
	{"cc0", "creative commons"}, {"permission to use, copy, modify"}, {"boost software license"}, {"eclipse public license"},
	{"eclipse public license"}, {"artistic license"}, {"creative commons"},
	{"creative commons"}, {"cecill"}, {"microsoft public license"}, {"open software license"}, {"altered source versions"},
	{"what the fuck"}, {"postgresql"},
	{"library general public", "lesser general public", "lgpl"}, {"academic free license"}, {"apache"}, {"advertising materials"},
	{"gnu general public license", "gpl"},
}

// licenseScanner identifies licence texts; it is safe for concurrent use
// and builds its scanners lazily.
type licenseScanner struct {
	mu       sync.Mutex
	byID     map[string]licensecheck.License
	scanners []*licensecheck.Scanner // by family; nil until built
}

func newLicenseScanner() *licenseScanner {
	return &licenseScanner{scanners: make([]*licensecheck.Scanner, len(licenseFamilies))}
}

func (ls *licenseScanner) scanner(i int) *licensecheck.Scanner {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.scanners[i] != nil {
		return ls.scanners[i]
	}
	if ls.byID == nil {
		ls.byID = map[string]licensecheck.License{}
		for _, l := range licensecheck.BuiltinLicenses() {
			if l.LRE != "" {
				ls.byID[l.ID] = l
			}
		}
	}
	var list []licensecheck.License
	for _, id := range licenseFamilies[i] {
		if l, ok := ls.byID[id]; ok {
			list = append(list, l)
		}
	}
	s, err := licensecheck.NewScanner(list)
	if err != nil {
		return nil
	}
	ls.scanners[i] = s
	return s
}

// identify returns the SPDX expression of a licence text, or "" when less
// than 70% of it is a recognised licence.
func (ls *licenseScanner) identify(text []byte) string {
	type found struct {
		id         string
		start, end int
	}
	var matches []found
	covered := 0.0
	lower := strings.Join(strings.Fields(strings.ToLower(string(text))), " ")
	for i := range licenseFamilies {
		plausible := false
		for _, k := range licenseKeywords[i] {
			if strings.Contains(lower, k) {
				plausible = true
				break
			}
		}
		if !plausible {
			continue
		}
		s := ls.scanner(i)
		if s == nil {
			continue
		}
		cov := s.Scan(text)
		if cov.Percent <= 0 {
			continue
		}
		added := false
		for _, m := range cov.Match {
			if m.IsURL {
				continue
			}
			overlap := false
			for _, f := range matches {
				if m.Start < f.end && f.start < m.End {
					overlap = true
				}
			}
			if !overlap {
				matches = append(matches, found{m.ID, m.Start, m.End})
				added = true
			}
		}
		if added {
			covered += cov.Percent
		}
		if covered >= 90 {
			break
		}
	}
	if covered < 70 {
		return ""
	}
	sort.Slice(matches, func(i, j int) bool { return matches[i].start < matches[j].start })
	var ids []string
	seen := map[string]bool{}
	for _, m := range matches {
		if !seen[m.id] {
			seen[m.id] = true
			ids = append(ids, m.id)
		}
	}
	expr := strings.Join(ids, " AND ")
	if !registry.ValidSPDXExpression(expr) {
		return ""
	}
	return expr
}

// licenseCache remembers the licence of each licence blob of a mirror
// across syncs, next to the mirror (<mirror>.acervo-licenses.json), so an
// unchanged licence file is never scanned again.
type licenseCache struct {
	mu      sync.Mutex // readers of one mirror share the cache
	path    string
	m       map[string]string
	changed bool
}

func loadLicenseCache(mirrorDir string) *licenseCache {
	c := &licenseCache{path: filepath.Clean(mirrorDir) + ".acervo-licenses.json", m: map[string]string{}}
	if b, err := os.ReadFile(c.path); err == nil {
		_ = json.Unmarshal(b, &c.m)
	}
	return c
}

func (c *licenseCache) get(blob string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.m[blob]
	return l, ok
}

func (c *licenseCache) put(blob, license string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[blob] = license
	c.changed = true
}

// save writes the cache atomically (temporary file, rename).
func (c *licenseCache) save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.changed {
		return nil
	}
	b, err := json.Marshal(c.m)
	if err != nil {
		return err
	}
	tmp := c.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, c.path)
}
