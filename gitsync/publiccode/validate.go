package publiccode

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/rivo/uniseg"
	"gopkg.in/yaml.v3"

	"github.com/acervo-co/acervo/registry"
)

// Lengths counted in grapheme clusters (what a reader sees as characters).
const (
	maxGenericName      = 35
	maxShortDescription = 150
	minLongDescription  = 150
	maxLongDescription  = 10000
)

// at returns the position of the key path in the document: the key of a
// mapping entry, a list item, or, for a key that is absent, the mapping
// that should hold it. It is 0,0 when the enclosing section is absent too.
func (p *parser) at(path string) (int, int) {
	var n *yaml.Node = p.root
	var lastKey *yaml.Node
	segs := splitPath(path)
	for i, s := range segs {
		n = deref(n)
		last := i == len(segs)-1
		switch {
		case n.Kind == yaml.MappingNode:
			var k, v *yaml.Node
			if j, ok := p.keysOf(n)[s]; ok {
				k, v = n.Content[j], n.Content[j+1]
			}
			if k == nil {
				if last {
					return n.Line, n.Column
				}
				return 0, 0
			}
			if last {
				return k.Line, k.Column
			}
			n, lastKey = v, k
		case n.Kind == yaml.SequenceNode:
			idx, err := strconv.Atoi(s)
			if err != nil || idx < 0 || idx >= len(n.Content) {
				return n.Line, n.Column
			}
			if last {
				return n.Content[idx].Line, n.Content[idx].Column
			}
			n, lastKey = n.Content[idx], nil
		default:
			// A scalar where a collection would be (isBasedOn: url is
			// isBasedOn[0]): point at its key.
			if lastKey != nil {
				return lastKey.Line, lastKey.Column
			}
			return n.Line, n.Column
		}
	}
	return 0, 0
}

// keysOf indexes a mapping's keys (the first of duplicates) once, so that
// positions are found in constant time however many keys a section has.
func (p *parser) keysOf(n *yaml.Node) map[string]int {
	if idx, ok := p.keyIndex[n]; ok {
		return idx
	}
	idx := make(map[string]int, len(n.Content)/2)
	for j := 0; j+1 < len(n.Content); j += 2 {
		k := deref(n.Content[j]).Value
		if _, dup := idx[k]; !dup {
			idx[k] = j
		}
	}
	if p.keyIndex == nil {
		p.keyIndex = map[*yaml.Node]map[string]int{}
	}
	p.keyIndex[n] = idx
	return idx
}

// splitPath splits "a.b[0][en-US].c" into a, b, 0, en-US, c.
func splitPath(path string) []string {
	var segs []string
	for path != "" {
		switch path[0] {
		case '.':
			path = path[1:]
		case '[':
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return append(segs, path[1:])
			}
			segs = append(segs, path[1:end])
			path = path[end+1:]
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			segs = append(segs, path[:end])
			path = path[end:]
		}
	}
	return segs
}

// lastName is the last element of a path as messages name it:
// "countries[2]" for intendedAudience.countries[2].
func lastName(path string) string {
	depth := 0
	for i := len(path) - 1; i >= 0; i-- {
		switch path[i] {
		case ']':
			depth++
		case '[':
			depth--
		case '.':
			if depth == 0 {
				return path[i+1:]
			}
		}
	}
	return path
}

func (p *parser) errPath(path, format string, args ...any) {
	line, col := p.at(path)
	p.add(SeverityError, path, line, col, format, args...)
}

func (p *parser) warnPath(path, format string, args ...any) {
	line, col := p.at(path)
	p.add(SeverityWarning, path, line, col, format, args...)
}

func (p *parser) skip(path, check, format string, args ...any) {
	line, col := p.at(path)
	p.f.Skipped = append(p.f.Skipped, Skipped{Key: path, Line: line, Column: col, Check: check, Reason: fmt.Sprintf(format, args...)})
}

func (p *parser) requiredErr(path string) { p.errPath(path, "%s is a required field", lastName(path)) }

// needText reports a required text key that is absent or empty.
func (p *parser) needText(path, value string) bool {
	if value == "" {
		p.requiredErr(path)
		return false
	}
	return true
}

func (p *parser) deprecated(path, instead string) {
	p.warnPath(path, "this key is DEPRECATED and will be removed in a future version of the standard; %s", instead)
}

// checkVersion checks publiccodeYmlVersion and sets File.Major.
func (p *parser) checkVersion() {
	f := p.f
	if !f.has("publiccodeYmlVersion") {
		p.add(SeverityError, "publiccodeYmlVersion", 0, 0, "publiccodeYmlVersion is a required field")
		return
	}
	v := f.Version
	switch {
	case oneOf(v, v1Versions):
		f.Major = 1
	case oneOf(v, latestVersions):
	case oneOf(v, supportedVersions):
		p.warnPath("publiccodeYmlVersion", "version %s is not the latest: write \"0\" (the file is read as version 0.7)", v)
	default:
		p.errPath("publiccodeYmlVersion", "unsupported version: '%s'. Supported versions: %s, and 1", v, strings.Join(supportedVersions, ", "))
	}
	if n := p.valueNode("publiccodeYmlVersion"); n != nil && n.ShortTag() != "!!str" {
		p.warnPath("publiccodeYmlVersion", "publiccodeYmlVersion should be quoted text, as in publiccodeYmlVersion: \"%s\"", v)
	}
}

// valueNode returns the value of a top-level key.
func (p *parser) valueNode(key string) *yaml.Node {
	for i := 0; i+1 < len(p.root.Content); i += 2 {
		if deref(p.root.Content[i]).Value == key {
			return deref(p.root.Content[i+1])
		}
	}
	return nil
}

// validate applies the rules of the standard to what was decoded.
func (p *parser) validate() {
	f := p.f
	p.needText("name", f.Name)
	if p.needText("url", f.URL) && !validURL(f.URL) {
		p.errPath("url", "url must be a valid URL")
	}
	p.httpURL("landingURL", f.LandingURL)
	for i, u := range f.IsBasedOn {
		if path := indexPath("isBasedOn", i); !validURL(u) {
			p.errPath(path, "%s must be a valid URL", lastName(path))
		}
	}
	if f.has("releaseDate") {
		if t, ok := validDate(f.ReleaseDate); ok {
			f.Released = &t
		} else {
			p.errPath("releaseDate", "releaseDate must be a date with format 'YYYY-MM-DD'")
		}
	}
	for _, key := range []string{"inputTypes", "outputTypes"} {
		types := f.InputTypes
		if key == "outputTypes" {
			types = f.OutputTypes
		}
		for i, t := range types {
			if path := indexPath(key, i); !validMIME(t) {
				p.errPath(path, "%s is not a valid MIME type", lastName(path))
			}
		}
		if f.has(key) {
			p.deprecated(key, "it is safe to drop it")
		}
	}
	if f.has("monochromeLogo") {
		p.deprecated("monochromeLogo", "use 'logo' instead")
	}
	if len(f.Platforms) == 0 {
		p.errPath("platforms", "platforms must contain more than 0 items")
	}
	for i, c := range f.Categories {
		if path := indexPath("categories", i); !oneOf(c, categories) {
			p.errPath(path, "%s must be a valid category (see the categories list of the standard)", lastName(path))
		}
	}
	for i := range f.FundedBy {
		p.checkOrganisation(indexPath("fundedBy", i), &f.FundedBy[i])
	}
	p.httpURL("roadmap", f.Roadmap)
	p.enum("developmentStatus", f.DevelopmentStatus, developmentStatuses)
	p.enum("softwareType", f.SoftwareType, softwareTypes)
	for i, id := range f.Supports {
		path := indexPath("supports", i) + ".id"
		switch {
		case id == "":
			p.requiredErr(path)
		case strings.HasPrefix(id, "alias:"):
			if !oneOf(strings.TrimPrefix(id, "alias:"), supportAliases) {
				p.errPath(path, "id contains an unknown alias: %q (known: %s)", id, strings.Join(supportAliases, ", "))
			}
		case !validURI(id):
			p.errPath(path, "id must be a URI or alias:<name>")
		}
	}
	if f.Organisation != nil {
		p.checkOrganisation("organisation", f.Organisation)
	}
	p.countries("intendedAudience.countries", f.IntendedAudience.Countries)
	p.countries("intendedAudience.unsupportedCountries", f.IntendedAudience.UnsupportedCountries)
	for i, s := range f.IntendedAudience.Scope {
		if path := indexPath("intendedAudience.scope", i); !oneOf(s, scopes) {
			p.errPath(path, "%s must be a valid scope (see the scope list of the standard)", lastName(path))
		}
	}
	p.descriptions()
	p.legal()
	p.maintenance()
	p.localisation()
	for _, d := range []struct {
		key  string
		deps []Dependency
	}{{"dependsOn.open", f.DependsOn.Open}, {"dependsOn.proprietary", f.DependsOn.Proprietary}, {"dependsOn.hardware", f.DependsOn.Hardware}} {
		for i, dep := range d.deps {
			p.needText(indexPath(d.key, i)+".name", dep.Name)
		}
	}
	p.italy()
}

func (p *parser) httpURL(path, value string) {
	if p.f.has(path) && !validHTTPURL(value) {
		p.errPath(path, "%s must be an HTTP URL", lastName(path))
	}
}

func (p *parser) enum(path, value string, values []string) {
	if p.needText(path, value) && !oneOf(value, values) {
		p.errPath(path, "%s must be one of the following: %s", lastName(path), quoteList(values))
	}
}

func (p *parser) countries(path string, codes []string) {
	for i, c := range codes {
		ip := indexPath(path, i)
		switch {
		case !validCountry(c):
			p.errPath(ip, "%s must be a valid ISO 3166-1 alpha-2 two-letter country code", lastName(ip))
		case c != strings.ToUpper(c):
			p.warnPath(ip, "lowercase country codes are DEPRECATED: write %q", strings.ToUpper(c))
		}
	}
}

// organisation checks organisation or one of fundedBy, including the
// Colombian urn:co:nit:<NIT> form.
func (p *parser) checkOrganisation(path string, o *Organisation) {
	up := path + ".uri"
	if !p.needText(up, o.URI) {
		return
	}
	if !validURI(o.URI) {
		p.errPath(up, "uri is not a valid URI")
		return
	}
	lower := strings.ToLower(o.URI)
	switch {
	case strings.HasPrefix(lower, urnCONIT):
		p.colombianNIT(up, o)
	case strings.HasPrefix(lower, urnItalianPA):
		code := o.URI[len(urnItalianPA):]
		if code == "" || strings.ContainsAny(code, ": /") {
			p.errPath(up, "uri must be an Italian Public Administration code (iPA) written 'urn:x-italian-pa:[codiceIPA]'")
			return
		}
		p.skip(up, "ipa-code", "the iPA code %q is not checked: Acervo does not keep the Italian iPA directory", code)
	}
}

const (
	urnCONIT     = "urn:co:nit:"
	urnItalianPA = "urn:x-italian-pa:"
)

// colombianNIT checks a urn:co:nit:<NIT>[-DV] URI: the NIT's shape, its
// DIAN check digit when written, and that the entity directory knows it.
func (p *parser) colombianNIT(path string, o *Organisation) {
	raw := o.URI[len(urnCONIT):]
	nit, dv, err := registry.ParseNIT(raw, false)
	if err != nil {
		msg := err.Error()
		if fe := registry.FieldsOf(err); len(fe) > 0 {
			msg = fe[0].Message
		}
		p.errPath(path, "uri %q is not a valid Colombian NIT: %s", o.URI, msg)
		return
	}
	o.NIT = nit
	if p.opts.EntityLookup != nil && !p.opts.EntityLookup(nit) {
		p.warnPath(path, "no public entity with NIT %s-%d is in Acervo's entity directory", nit, dv)
	}
}

func (p *parser) descriptions() {
	f := p.f
	if len(f.Description) == 0 {
		p.errPath("description", "description must contain more than 0 items")
		return
	}
	langs := make([]string, 0, len(f.Description))
	for l := range f.Description {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, lang := range langs {
		d := f.Description[lang]
		base := childPath("description", lang)
		if !validLanguage(lang) {
			line, col := p.at(base)
			p.add(SeverityError, "description", line, col, "description must be a valid BCP 47 language: %q is not", lang)
		}
		if f.has(base + ".genericName") {
			if n := uniseg.GraphemeClusterCount(d.GenericName); n > maxGenericName {
				p.errPath(base+".genericName", "genericName must be a maximum of %d characters in length (it has %d)", maxGenericName, n)
			}
			p.deprecated(base+".genericName", "it is safe to drop it")
		}
		if p.needText(base+".shortDescription", d.ShortDescription) {
			if n := uniseg.GraphemeClusterCount(d.ShortDescription); n > maxShortDescription {
				p.errPath(base+".shortDescription", "shortDescription must be a maximum of %d characters in length (it has %d)", maxShortDescription, n)
			}
		}
		if p.needText(base+".longDescription", d.LongDescription) {
			switch n := uniseg.GraphemeClusterCount(d.LongDescription); {
			case n < minLongDescription:
				p.errPath(base+".longDescription", "longDescription must be at least %d characters in length (it has %d)", minLongDescription, n)
			case n > maxLongDescription:
				p.errPath(base+".longDescription", "longDescription must be a maximum of %d characters in length (it has %d)", maxLongDescription, n)
			}
		}
		p.httpURL(base+".documentation", d.Documentation)
		p.httpURL(base+".apiDocumentation", d.APIDocumentation)
		if len(d.Features) == 0 {
			p.errPath(base+".features", "features must contain more than 0 items")
		}
		for i, v := range d.Videos {
			if path := indexPath(base+".videos", i); !validHTTPURL(v) {
				p.errPath(path, "%s must be an HTTP URL", lastName(path))
			}
		}
	}
}

func (p *parser) legal() {
	f := p.f
	if p.needText("legal.license", f.Legal.License) && !registry.ValidSPDXExpression(f.Legal.License) {
		p.errPath("legal.license", "license must be a valid SPDX license expression (see https://spdx.org/licenses)")
	}
	if f.has("legal.repoOwner") {
		p.deprecated("legal.repoOwner", "use 'organisation.name' instead")
	}
	if f.has("legal.authorsFile") {
		p.deprecated("legal.authorsFile", "it is safe to drop it")
	}
}

func (p *parser) maintenance() {
	f := p.f
	m := &f.Maintenance
	p.enum("maintenance.type", m.Type, maintenanceTypes)
	hasContractors := f.has("maintenance.contractors")
	switch {
	case m.Type == "contract" && !hasContractors:
		p.errPath("maintenance.contractors", `contractors is a required field when "type" is "contract"`)
	case m.Type != "contract" && hasContractors:
		p.errPath("maintenance.contractors", `contractors must not be present unless "type" is "contract"`)
	default:
		for i := range m.Contractors {
			c := &m.Contractors[i]
			base := indexPath("maintenance.contractors", i)
			p.needText(base+".name", c.Name)
			if p.needText(base+".until", c.Until) {
				if t, ok := validDate(c.Until); ok {
					c.UntilAt = &t
				} else {
					p.errPath(base+".until", "until must be a date with format 'YYYY-MM-DD'")
				}
			}
			if f.has(base+".email") && !validEmail(c.Email) {
				p.errPath(base+".email", "email must be a valid email address")
			}
			p.httpURL(base+".website", c.Website)
		}
	}
	if (m.Type == "community" || m.Type == "internal") && !f.has("maintenance.contacts") {
		p.errPath("maintenance.contacts", `contacts is a required field when "type" is %q`, m.Type)
	}
	for i, c := range m.Contacts {
		base := indexPath("maintenance.contacts", i)
		p.needText(base+".name", c.Name)
		if f.has(base+".email") && !validEmail(c.Email) {
			p.errPath(base+".email", "email must be a valid email address")
		}
	}
}

func (p *parser) localisation() {
	f := p.f
	if !f.has("localisation.localisationReady") {
		p.requiredErr("localisation.localisationReady")
	}
	const key = "localisation.availableLanguages"
	switch {
	case !f.has(key):
		p.requiredErr(key)
	case len(f.Localisation.AvailableLanguages) == 0:
		p.errPath(key, "availableLanguages must contain more than 0 items")
	}
	for i, l := range f.Localisation.AvailableLanguages {
		if path := indexPath(key, i); !validLanguage(l) {
			p.errPath(path, "%s must be a valid BCP 47 language", lastName(path))
		}
	}
}

// italy checks the Italian extension as far as the conformance cases go.
func (p *parser) italy() {
	f := p.f
	hasUpper, hasLower := f.has("IT"), f.has("it")
	if hasLower || p.valueNode("it") != nil {
		p.warnPath("it", "lowercase country codes are DEPRECATED and will be removed in a future version: use 'IT' instead")
		if hasUpper || p.valueNode("IT") != nil {
			p.errPath("it", "'IT' key already present: remove this key")
		}
	}
	if f.IT == nil {
		return
	}
	section := "IT"
	if !hasUpper {
		section = "it"
	}
	if f.has(section+".countryExtensionVersion") && !oneOf(f.IT.CountryExtensionVersion, []string{"0.2", "1.0"}) {
		p.errPath(section+".countryExtensionVersion", "countryExtensionVersion must be one of the following: %s", quoteList([]string{"0.2", "1.0"}))
	}
	if path := section + ".riuso.codiceIPA"; f.has(path) {
		p.deprecated(path, "use 'organisation.uri' and set it to 'urn:x-italian-pa:"+f.IT.CodiceIPA+"' instead")
		if f.IT.CodiceIPA != "" {
			p.skip(path, "ipa-code", "the iPA code %q is not checked: Acervo does not keep the Italian iPA directory", f.IT.CodiceIPA)
		}
	}
}
