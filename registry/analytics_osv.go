package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// OSV import: security advisories in the Open Source Vulnerability format
// (https://ossf.github.io/osv-schema/), one record or an array of records,
// with SEMVER (or semver-looking ECOSYSTEM/GIT) ranges. Each affected
// package is matched to an asset by repository URL (ranges[].repo, a
// github purl, or a package name that is a host/path) or by slug.

// MaxOSVBytes bounds an OSV file.
const MaxOSVBytes = 32 << 20

type osvRecord struct {
	ID        string   `json:"id"`
	Modified  string   `json:"modified"`
	Published string   `json:"published"`
	Aliases   []string `json:"aliases"`
	Summary   string   `json:"summary"`
	Details   string   `json:"details"`
	Severity  []struct {
		Type  string `json:"type"`
		Score string `json:"score"`
	} `json:"severity"`
	Affected []struct {
		Package struct {
			Ecosystem string `json:"ecosystem"`
			Name      string `json:"name"`
			Purl      string `json:"purl"`
		} `json:"package"`
		Ranges []struct {
			Type   string              `json:"type"`
			Repo   string              `json:"repo"`
			Events []map[string]string `json:"events"`
		} `json:"ranges"`
		DatabaseSpecific map[string]any `json:"database_specific"`
	} `json:"affected"`
	References []struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	} `json:"references"`
	DatabaseSpecific map[string]any `json:"database_specific"`
}

// OSVProblem is one record or field that was not imported.
type OSVProblem struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
	ID     string `json:"id,omitempty"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

func (p OSVProblem) Error() string {
	s := fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
	if p.Field != "" {
		s += ": " + p.Field
	}
	return s + ": " + p.Reason
}

// OSVImport summarises an OSV import.
type OSVImport struct {
	New        int          `json:"new"`
	Updated    int          `json:"updated"`
	Problems   []OSVProblem `json:"problems"`
	Advisories []string     `json:"advisories"` // ids written
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(b []byte, off int64) (int, int) {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	pre := b[:off]
	line := bytes.Count(pre, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(pre, '\n')
	return line, col
}

// ImportOSV reads OSV records from r (named file in problems) and records
// one advisory per (record, asset). Records or packages that cannot be
// imported are reported with their position and do not stop the others.
// The caller needs the right to add advisories to each asset
// (administrators, or the publisher's cio or editor).
func (s *Service) ImportOSV(ctx context.Context, file string, r io.Reader) (OSVImport, error) {
	var out OSVImport
	b, err := io.ReadAll(io.LimitReader(r, MaxOSVBytes+1))
	if err != nil {
		return out, err
	}
	if len(b) > MaxOSVBytes {
		return out, Invalid("file", "%s is larger than %d MiB", file, MaxOSVBytes>>20)
	}
	type rec struct {
		off int64
		raw json.RawMessage
	}
	var recs []rec
	syntax := func(err error, fallback int64) error {
		off := fallback
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = se.Offset
		}
		line, col := lineCol(b, off)
		return &InvalidError{Fields: []FieldError{{Field: "file", Message: fmt.Sprintf("%s:%d:%d: %v", file, line, col, err)}}}
	}
	trimmed := bytes.TrimLeft(b, " \t\r\n\ufeff")
	lead := int64(len(b) - len(trimmed))
	dec := json.NewDecoder(bytes.NewReader(b))
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if _, err := dec.Token(); err != nil {
			return out, syntax(err, lead)
		}
		for dec.More() {
			off := dec.InputOffset()
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return out, syntax(err, off)
			}
			// InputOffset is at the separator before the value: skip
			// commas and white space to point at the record itself.
			for off < int64(len(b)) && strings.IndexByte(", \t\r\n", b[off]) >= 0 {
				off++
			}
			recs = append(recs, rec{off: off, raw: raw})
		}
	} else {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return out, syntax(err, lead)
		}
		recs = append(recs, rec{off: lead, raw: raw})
	}
	for _, rc := range recs {
		line, col := lineCol(b, rc.off)
		problem := func(id, field, format string, args ...any) {
			out.Problems = append(out.Problems, OSVProblem{File: file, Line: line, Column: col, ID: id, Field: field, Reason: fmt.Sprintf(format, args...)})
		}
		var o osvRecord
		if err := json.Unmarshal(rc.raw, &o); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				l, c := lineCol(b, rc.off+te.Offset)
				out.Problems = append(out.Problems, OSVProblem{File: file, Line: l, Column: c, Field: te.Field, Reason: fmt.Sprintf("%s cannot be %s", te.Field, te.Value)})
				continue
			}
			problem("", "", "%v", err)
			continue
		}
		if strings.TrimSpace(o.ID) == "" {
			problem("", "id", "an OSV record needs its id")
			continue
		}
		if len(o.Affected) == 0 {
			problem(o.ID, "affected", "the record affects no package")
			continue
		}
		severity := osvSeverity(o.DatabaseSpecific)
		published, _ := time.Parse(time.RFC3339, o.Published)
		modified, _ := time.Parse(time.RFC3339, o.Modified)
		var refs []string
		for _, ref := range o.References {
			if ref.URL != "" {
				refs = append(refs, ref.URL)
			}
		}
		summary := o.Summary
		if summary == "" {
			summary = firstLine(o.Details)
		}
		matched := 0
		for ai, af := range o.Affected {
			field := fmt.Sprintf("affected[%d]", ai)
			var ranges []AffectedRange
			bad := false
			for ri, rg := range af.Ranges {
				if rg.Type != "SEMVER" && rg.Type != "ECOSYSTEM" && rg.Type != "GIT" {
					continue
				}
				var cur *AffectedRange
				for ei, ev := range rg.Events {
					for k, v := range ev {
						if k == "limit" || rg.Type == "GIT" {
							continue
						}
						if v != "0" {
							if _, ok := ParseSemver(v); !ok {
								if rg.Type == "SEMVER" {
									problem(o.ID, fmt.Sprintf("%s.ranges[%d].events[%d].%s", field, ri, ei, k), "%q is not a semantic version", v)
									bad = true
								}
								continue
							}
						}
						switch k {
						case "introduced":
							ranges = append(ranges, AffectedRange{Introduced: v})
							cur = &ranges[len(ranges)-1]
						case "fixed", "last_affected":
							if cur == nil {
								ranges = append(ranges, AffectedRange{})
								cur = &ranges[len(ranges)-1]
							}
							if k == "fixed" {
								cur.Fixed = v
							} else {
								cur.LastAffected = v
							}
							cur = nil
						}
					}
				}
			}
			if bad {
				continue
			}
			if len(ranges) == 0 {
				problem(o.ID, field+".ranges", "no SEMVER range Acervo can check")
				continue
			}
			asset, err := s.osvAsset(ctx, af.Package.Name, af.Package.Purl, af.Ranges)
			if err != nil {
				if errors.Is(err, ErrNotFound) {
					problem(o.ID, field+".package", "no asset in the registry for %q", firstNonEmpty(af.Package.Name, af.Package.Purl))
					continue
				}
				return out, err
			}
			matched++
			id := o.ID
			if matched > 1 {
				id = o.ID + "/" + asset.Slug
			}
			sev := severity
			if s2 := osvSeverity(af.DatabaseSpecific); s2 != "" {
				sev = s2
			}
			adv := &Advisory{ID: id, AssetID: asset.ID, Summary: summary, Details: o.Details, Severity: sev, Affected: ranges,
				References: refs, Published: published, Modified: modified}
			created, err := s.AddAdvisory(ctx, adv)
			if err != nil {
				if errors.Is(err, ErrForbidden) || errors.Is(err, ErrUnauthenticated) || errors.Is(err, ErrInvalid) {
					problem(o.ID, field, "%v", err)
					continue
				}
				return out, err
			}
			if created {
				out.New++
			} else {
				out.Updated++
			}
			out.Advisories = append(out.Advisories, id)
		}
	}
	return out, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// osvSeverity reads database_specific.severity (GitHub's LOW, MODERATE,
// HIGH, CRITICAL).
func osvSeverity(m map[string]any) string {
	v, _ := m["severity"].(string)
	switch v = strings.ToUpper(strings.TrimSpace(v)); v {
	case "LOW", "MODERATE", "HIGH", "CRITICAL":
		return v
	case "MEDIUM":
		return "MODERATE"
	}
	return ""
}

// osvAsset finds the asset an OSV package names.
func (s *Service) osvAsset(ctx context.Context, name, purl string, ranges []struct {
	Type   string              `json:"type"`
	Repo   string              `json:"repo"`
	Events []map[string]string `json:"events"`
}) (Asset, error) {
	var urls []string
	for _, r := range ranges {
		if r.Repo != "" {
			urls = append(urls, r.Repo)
		}
	}
	if strings.HasPrefix(purl, "pkg:github/") || strings.HasPrefix(purl, "pkg:gitlab/") {
		host := "github.com"
		if strings.HasPrefix(purl, "pkg:gitlab/") {
			host = "gitlab.com"
		}
		p := purl[strings.IndexByte(purl, '/')+1:]
		if i := strings.IndexAny(p, "@?#"); i >= 0 {
			p = p[:i]
		}
		urls = append(urls, "https://"+host+"/"+p)
	}
	if strings.Count(name, "/") >= 2 && strings.Contains(strings.SplitN(name, "/", 2)[0], ".") {
		urls = append(urls, "https://"+name)
	}
	for _, u := range urls {
		for _, cand := range []string{u, strings.TrimSuffix(u, ".git"), strings.TrimSuffix(u, "/")} {
			if _, err := url.Parse(cand); err != nil {
				continue
			}
			a, err := s.store.Assets().GetByRepositoryURL(ctx, cand)
			if err == nil {
				return a, nil
			}
			if !errors.Is(err, ErrNotFound) {
				return Asset{}, err
			}
		}
	}
	if name != "" {
		a, err := s.store.Assets().GetBySlug(ctx, Slugify(name))
		if err == nil || !errors.Is(err, ErrNotFound) {
			return a, err
		}
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			return s.store.Assets().GetBySlug(ctx, Slugify(name[i+1:]))
		}
	}
	return Asset{}, ErrNotFound
}
