package publiccode

import (
	"fmt"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"
)

// entry is one value met while decoding: the key node that names it (nil
// for list items), the value, its key path, and the path a type error on it
// is reported under (see errKey).
type entry struct {
	key     *yaml.Node
	val     *yaml.Node
	path    string
	errPath string
	seqItem bool
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// childPath is the path of key under parent: "a.b", or "a[en-US]" when the
// key is not a plain identifier.
func childPath(parent, key string) string {
	if !identRE.MatchString(key) {
		return parent + "[" + key + "]"
	}
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func indexPath(parent string, i int) string { return parent + "[" + strconv.Itoa(i) + "]" }

// deref follows aliases to the node they stand for.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = deref(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// pos is where findings about the entry point: its key, or the item.
func (e entry) pos() (int, int) {
	if e.key != nil {
		return e.key.Line, e.key.Column
	}
	return e.val.Line, e.val.Column
}

// errKey is the key a type error is reported under. It follows the
// reference parser's convention so findings compare: a wrong collection is
// reported at its first child, and the first key of a mapping that is a
// list item is reported as the item itself.
func (e entry) errKey() string {
	v := deref(e.val)
	switch {
	case v.Kind == yaml.MappingNode && len(v.Content) >= 2:
		if e.seqItem {
			return e.path
		}
		return childPath(e.path, v.Content[0].Value)
	case v.Kind == yaml.SequenceNode && len(v.Content) > 0:
		return indexPath(e.path, 0)
	}
	return e.errPath
}

func (p *parser) wrongType(e entry, want string) {
	p.typeErrs++
	key := e.errKey()
	line, col := p.at(key)
	if line == 0 {
		line, col = e.pos()
	}
	found := "a " + kindName(deref(e.val))
	if v := deref(e.val); v.Kind == yaml.ScalarNode {
		found = fmt.Sprintf("%q", v.Value)
	}
	p.errAt(key, line, col, "wrong type for this field: %s expected, found %s", want, found)
}

// mark records that a key path was present; the marks of a top-level key
// are kept only when it decoded without type errors.
func (p *parser) mark(path string) { p.pending = append(p.pending, path) }

// str decodes a scalar as text. Numbers, dates and booleans are kept as
// written (phone: +391624231322, until: 2001-01-01). ok is false when the
// value is absent (null) or of the wrong type.
func (p *parser) str(e entry) (string, bool) {
	v := deref(e.val)
	if isNull(v) {
		return "", false
	}
	if v.Kind != yaml.ScalarNode {
		p.wrongType(e, "a string")
		return "", false
	}
	p.mark(e.path)
	return v.Value, true
}

// boolean accepts only YAML 1.2 booleans: yes, no, on and off are text.
func (p *parser) boolean(e entry) (bool, bool) {
	v := deref(e.val)
	if isNull(v) {
		return false, false
	}
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
		p.wrongType(e, "a boolean (true or false)")
		return false, false
	}
	var b bool
	if err := v.Decode(&b); err != nil {
		p.wrongType(e, "a boolean (true or false)")
		return false, false
	}
	p.mark(e.path)
	return b, true
}

// list calls item for each element of a list. ok is false when the value
// is absent or not a list.
func (p *parser) list(e entry, item func(entry)) bool {
	v := deref(e.val)
	if isNull(v) {
		return false
	}
	if v.Kind != yaml.SequenceNode {
		p.wrongType(e, "a list")
		return false
	}
	p.mark(e.path)
	for i, c := range v.Content {
		ip := indexPath(e.path, i)
		item(entry{val: c, path: ip, errPath: ip, seqItem: true})
	}
	return true
}

// strList decodes a list of strings; an absent list is nil, an empty one
// is empty and not nil.
func (p *parser) strList(e entry) []string {
	out := []string{}
	ok := p.list(e, func(it entry) {
		s, _ := p.str(it)
		out = append(out, s)
	})
	if !ok {
		return nil
	}
	return out
}

// object calls the handler of each key of a mapping; keys without one are
// unknown fields. ok is false when the value is absent or not a mapping.
func (p *parser) object(e entry, fields map[string]func(entry)) bool {
	return p.mapping(e, func(k entry) bool {
		h, known := fields[k.key.Value]
		if known {
			h(k)
		}
		return known
	})
}

// mapping calls each for every key of a mapping. each reports whether it
// knew the key; unknown keys are errors.
func (p *parser) mapping(e entry, each func(entry) bool) bool {
	v := deref(e.val)
	if isNull(v) {
		return false
	}
	if v.Kind != yaml.MappingNode {
		p.wrongType(e, "a mapping")
		return false
	}
	p.mark(e.path)
	seen := map[string]int{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := deref(v.Content[i]), v.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.errAt(e.path, k.Line, k.Column, "keys must be text, found a %s", kindName(k))
			continue
		}
		cp := childPath(e.path, k.Value)
		if k.ShortTag() == "!!merge" {
			p.errAt(e.path, k.Line, k.Column, "YAML merge keys (<<) are not supported in publiccode.yml: write the keys out")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			p.errAt(cp, k.Line, k.Column, "key %q is already defined at line %d", k.Value, first)
			continue
		}
		seen[k.Value] = k.Line
		ep := cp
		if i == 0 && e.seqItem {
			ep = e.path
		}
		if !each(entry{key: k, val: val, path: cp, errPath: ep}) {
			p.errAt(cp, k.Line, k.Column, "unknown field %q", k.Value)
		}
	}
	return true
}

// decode walks the document into p.f. A top-level key whose value holds a
// type error anywhere is left out of the File, as if absent, so the checks
// that follow report what is missing.
func (p *parser) decode() {
	f := p.f
	top := p.topLevel(f)
	seen := map[string]int{}
	for i := 0; i+1 < len(p.root.Content); i += 2 {
		k, val := deref(p.root.Content[i]), p.root.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.errAt("", k.Line, k.Column, "keys must be text, found a %s", kindName(k))
			continue
		}
		cp := childPath("", k.Value)
		if k.ShortTag() == "!!merge" {
			p.errAt("", k.Line, k.Column, "YAML merge keys (<<) are not supported in publiccode.yml: write the keys out")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			p.errAt(cp, k.Line, k.Column, "key %q is already defined at line %d", k.Value, first)
			continue
		}
		seen[k.Value] = k.Line
		h, known := top[k.Value]
		if !known {
			p.errAt(cp, k.Line, k.Column, "unknown field %q", k.Value)
			continue
		}
		p.pending = p.pending[:0]
		before := p.typeErrs
		commit := h(entry{key: k, val: val, path: cp, errPath: cp})
		if p.typeErrs != before {
			continue
		}
		commit()
		for _, m := range p.pending {
			f.present[m] = true
		}
	}
}

// topLevel returns, for each top-level key, a decoder that returns the
// function storing the decoded value in f.
func (p *parser) topLevel(f *File) map[string]func(entry) func() {
	text := func(dst *string) func(entry) func() {
		return func(e entry) func() {
			s, _ := p.str(e)
			return func() { *dst = s }
		}
	}
	texts := func(dst *[]string) func(entry) func() {
		return func(e entry) func() {
			l := p.strList(e)
			return func() { *dst = l }
		}
	}
	return map[string]func(entry) func(){
		"publiccodeYmlVersion": text(&f.Version),
		"name":                 text(&f.Name),
		"applicationSuite":     text(&f.ApplicationSuite),
		"url":                  text(&f.URL),
		"landingURL":           text(&f.LandingURL),
		"softwareVersion":      text(&f.SoftwareVersion),
		"releaseDate":          text(&f.ReleaseDate),
		"logo":                 text(&f.Logo),
		"monochromeLogo":       text(&f.MonochromeLogo),
		"roadmap":              text(&f.Roadmap),
		"developmentStatus":    text(&f.DevelopmentStatus),
		"softwareType":         text(&f.SoftwareType),
		"inputTypes":           texts(&f.InputTypes),
		"outputTypes":          texts(&f.OutputTypes),
		"platforms":            texts(&f.Platforms),
		"categories":           texts(&f.Categories),
		"usedBy":               texts(&f.UsedBy),
		"isBasedOn": func(e entry) func() {
			// A URL or a list of URLs; a single one is item 0.
			var l []string
			if v := deref(e.val); v.Kind == yaml.ScalarNode && !isNull(v) {
				s, _ := p.str(entry{key: e.key, val: v, path: indexPath(e.path, 0), errPath: e.errPath})
				p.mark(e.path)
				l = []string{s}
			} else {
				l = p.strList(e)
			}
			return func() { f.IsBasedOn = l }
		},
		"fundedBy": func(e entry) func() {
			var l []Organisation
			if p.list(e, func(it entry) { l = append(l, p.organisation(it)) }) && l == nil {
				l = []Organisation{}
			}
			return func() { f.FundedBy = l }
		},
		"organisation": func(e entry) func() {
			o := p.organisation(e)
			ok := !isNull(e.val) && deref(e.val).Kind == yaml.MappingNode
			return func() {
				if ok {
					f.Organisation = &o
				}
			}
		},
		"supports": func(e entry) func() {
			var l []string
			p.list(e, func(it entry) {
				var id string
				p.object(it, map[string]func(entry){"id": func(e entry) { id, _ = p.str(e) }})
				l = append(l, id)
			})
			return func() { f.Supports = l }
		},
		"intendedAudience": func(e entry) func() {
			var a IntendedAudience
			p.object(e, map[string]func(entry){
				"countries":            func(e entry) { a.Countries = p.strList(e) },
				"unsupportedCountries": func(e entry) { a.UnsupportedCountries = p.strList(e) },
				"scope":                func(e entry) { a.Scope = p.strList(e) },
			})
			return func() { f.IntendedAudience = a }
		},
		"description": func(e entry) func() {
			var d map[string]Description
			if p.mapping(e, func(le entry) bool {
				if d == nil {
					d = map[string]Description{}
				}
				d[le.key.Value] = p.description(le)
				return true
			}) && d == nil {
				d = map[string]Description{}
			}
			return func() { f.Description = d }
		},
		"legal": func(e entry) func() {
			var l Legal
			p.object(e, map[string]func(entry){
				"license":            func(e entry) { l.License, _ = p.str(e) },
				"mainCopyrightOwner": func(e entry) { l.MainCopyrightOwner, _ = p.str(e) },
				"repoOwner":          func(e entry) { l.RepoOwner, _ = p.str(e) },
				"authorsFile":        func(e entry) { l.AuthorsFile, _ = p.str(e) },
			})
			return func() { f.Legal = l }
		},
		"maintenance": func(e entry) func() {
			var m Maintenance
			p.object(e, map[string]func(entry){
				"type": func(e entry) { m.Type, _ = p.str(e) },
				"contractors": func(e entry) {
					if p.list(e, func(it entry) { m.Contractors = append(m.Contractors, p.contractor(it)) }) && m.Contractors == nil {
						m.Contractors = []Contractor{}
					}
				},
				"contacts": func(e entry) {
					if p.list(e, func(it entry) { m.Contacts = append(m.Contacts, p.contact(it)) }) && m.Contacts == nil {
						m.Contacts = []Contact{}
					}
				},
			})
			return func() { f.Maintenance = m }
		},
		"localisation": func(e entry) func() {
			var l Localisation
			p.object(e, map[string]func(entry){
				"localisationReady":  func(e entry) { l.LocalisationReady, _ = p.boolean(e) },
				"availableLanguages": func(e entry) { l.AvailableLanguages = p.strList(e) },
			})
			return func() { f.Localisation = l }
		},
		"dependsOn": func(e entry) func() {
			var d DependsOn
			deps := func(dst *[]Dependency) func(entry) {
				return func(e entry) {
					p.list(e, func(it entry) { *dst = append(*dst, p.dependency(it)) })
				}
			}
			p.object(e, map[string]func(entry){
				"open":        deps(&d.Open),
				"proprietary": deps(&d.Proprietary),
				"hardware":    deps(&d.Hardware),
			})
			return func() { f.DependsOn = d }
		},
		"IT": p.itSection(f, "IT"),
		"it": p.itSection(f, "it"),
	}
}

func (p *parser) organisation(e entry) Organisation {
	var o Organisation
	p.object(e, map[string]func(entry){
		"name": func(e entry) { o.Name, _ = p.str(e) },
		"uri":  func(e entry) { o.URI, _ = p.str(e) },
	})
	return o
}

func (p *parser) description(e entry) Description {
	var d Description
	p.object(e, map[string]func(entry){
		"localisedName":    func(e entry) { d.LocalisedName, _ = p.str(e) },
		"genericName":      func(e entry) { d.GenericName, _ = p.str(e) },
		"shortDescription": func(e entry) { d.ShortDescription, _ = p.str(e) },
		"longDescription":  func(e entry) { d.LongDescription, _ = p.str(e) },
		"documentation":    func(e entry) { d.Documentation, _ = p.str(e) },
		"apiDocumentation": func(e entry) { d.APIDocumentation, _ = p.str(e) },
		"features":         func(e entry) { d.Features = p.strList(e) },
		"screenshots":      func(e entry) { d.Screenshots = p.strList(e) },
		"videos":           func(e entry) { d.Videos = p.strList(e) },
		"awards":           func(e entry) { d.Awards = p.strList(e) },
	})
	return d
}

func (p *parser) contractor(e entry) Contractor {
	var c Contractor
	p.object(e, map[string]func(entry){
		"name":    func(e entry) { c.Name, _ = p.str(e) },
		"email":   func(e entry) { c.Email, _ = p.str(e) },
		"website": func(e entry) { c.Website, _ = p.str(e) },
		"until":   func(e entry) { c.Until, _ = p.str(e) },
	})
	return c
}

func (p *parser) contact(e entry) Contact {
	var c Contact
	p.object(e, map[string]func(entry){
		"name":        func(e entry) { c.Name, _ = p.str(e) },
		"email":       func(e entry) { c.Email, _ = p.str(e) },
		"affiliation": func(e entry) { c.Affiliation, _ = p.str(e) },
		"phone":       func(e entry) { c.Phone, _ = p.str(e) },
	})
	return c
}

func (p *parser) dependency(e entry) Dependency {
	var d Dependency
	p.object(e, map[string]func(entry){
		"name":       func(e entry) { d.Name, _ = p.str(e) },
		"versionMin": func(e entry) { d.VersionMin, _ = p.str(e) },
		"versionMax": func(e entry) { d.VersionMax, _ = p.str(e) },
		"version":    func(e entry) { d.Version, _ = p.str(e) },
		"optional":   func(e entry) { d.Optional, _ = p.boolean(e) },
	})
	return d
}

// itSection decodes the Italian extension under IT or its deprecated
// lowercase spelling it. IT wins when both are present.
func (p *parser) itSection(f *File, name string) func(entry) func() {
	return func(e entry) func() {
		s := ITSection{Conforme: map[string]bool{}, Piattaforme: map[string]bool{}}
		flags := func(dst map[string]bool, keys ...string) func(entry) {
			fields := map[string]func(entry){}
			for _, k := range keys {
				fields[k] = func(e entry) {
					if b, ok := p.boolean(e); ok {
						dst[k] = b
					}
				}
			}
			return func(e entry) { p.object(e, fields) }
		}
		ok := p.object(e, map[string]func(entry){
			"countryExtensionVersion": func(e entry) { s.CountryExtensionVersion, _ = p.str(e) },
			"conforme":                flags(s.Conforme, "lineeGuidaDesign", "modelloInteroperabilita", "misureMinimeSicurezza", "gdpr"),
			"riuso": func(e entry) {
				p.object(e, map[string]func(entry){"codiceIPA": func(e entry) { s.CodiceIPA, _ = p.str(e) }})
			},
			"piattaforme": flags(s.Piattaforme, "spid", "pagopa", "cie", "anpr", "io"),
		})
		return func() {
			if ok && (name == "IT" || f.IT == nil) {
				f.IT = &s
			}
		}
	}
}
