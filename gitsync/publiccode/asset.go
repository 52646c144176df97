package publiccode

import (
	"sort"
	"strings"

	"golang.org/x/text/language"

	"github.com/acervo-co/acervo/registry"
)

// Asset fields FillAsset sets, named as in registry.Asset's JSON and used
// as keys of Asset.Provenance.
const (
	FieldName              = "name"
	FieldDescriptions      = "descriptions"
	FieldLicense           = "license"
	FieldCategories        = "categories"
	FieldSoftwareType      = "softwareType"
	FieldDevelopmentStatus = "developmentStatus"
	FieldMaintenance       = "maintenance"
	FieldPlatforms         = "platforms"
	FieldLandingURL        = "landingUrl"
	FieldPublisherNIT      = "publisherNit"
)

// FillAsset copies what the file says into the asset's fields and records
// prov (Source registry.ProvPubliccode, Ref the commit) as each field's
// provenance. A field the file leaves empty is cleared only when its
// current value came from a publiccode.yml too; values that an entity, the
// CIO network or an administrator gave are kept. It returns the fields it
// changed. FillAsset does not look at findings: the caller decides whether
// an invalid file still fills the asset.
func (f *File) FillAsset(a *registry.Asset, prov registry.Provenance) []string {
	if a.Provenance == nil {
		a.Provenance = map[string]registry.Provenance{}
	}
	var changed []string
	set := func(field string, empty bool, assign func(), clear func()) {
		if empty {
			if p, ok := a.Provenance[field]; ok && p.Source == registry.ProvPubliccode {
				clear()
				delete(a.Provenance, field)
				changed = append(changed, field)
			}
			return
		}
		assign()
		a.Provenance[field] = prov
		changed = append(changed, field)
	}
	name := strings.TrimSpace(f.Name)
	set(FieldName, name == "", func() { a.Name = name }, func() { a.Name = "" })
	descs := f.assetDescriptions()
	set(FieldDescriptions, len(descs) == 0, func() { a.Descriptions = descs }, func() { a.Descriptions = nil })
	license := strings.TrimSpace(f.Legal.License)
	set(FieldLicense, license == "", func() { a.License = license }, func() { a.License = "" })
	set(FieldCategories, len(f.Categories) == 0, func() { a.Categories = clean(f.Categories) }, func() { a.Categories = nil })
	set(FieldSoftwareType, f.SoftwareType == "", func() { a.SoftwareType = f.SoftwareType }, func() { a.SoftwareType = "" })
	set(FieldDevelopmentStatus, f.DevelopmentStatus == "", func() { a.DevelopmentStatus = f.DevelopmentStatus }, func() { a.DevelopmentStatus = "" })
	m := f.assetMaintenance()
	set(FieldMaintenance, m.Type == "" && len(m.Contractors) == 0 && len(m.Contacts) == 0,
		func() { a.Maintenance = m }, func() { a.Maintenance = registry.Maintenance{} })
	set(FieldPlatforms, len(f.Platforms) == 0, func() { a.Platforms = clean(f.Platforms) }, func() { a.Platforms = nil })
	set(FieldLandingURL, f.LandingURL == "", func() { a.LandingURL = f.LandingURL }, func() { a.LandingURL = "" })
	nit := ""
	if f.Organisation != nil {
		nit = f.Organisation.NIT
	}
	set(FieldPublisherNIT, nit == "", func() { a.PublisherNIT = nit }, func() { a.PublisherNIT = "" })
	return changed
}

// assetDescriptions keys the descriptions by base language (es-CO and es
// become es); the tag that is exactly the base language wins, then the
// first in order.
func (f *File) assetDescriptions() map[string]registry.Description {
	tags := make([]string, 0, len(f.Description))
	for t := range f.Description {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	out := map[string]registry.Description{}
	exact := map[string]bool{}
	for _, t := range tags {
		base := baseLanguage(t)
		if base == "" || exact[base] {
			continue
		}
		if _, seen := out[base]; seen && !strings.EqualFold(t, base) {
			continue
		}
		d := f.Description[t]
		out[base] = registry.Description{
			LocalisedName:    strings.TrimSpace(d.LocalisedName),
			GenericName:      strings.TrimSpace(d.GenericName),
			ShortDescription: strings.TrimSpace(d.ShortDescription),
			LongDescription:  strings.TrimSpace(d.LongDescription),
			Features:         clean(d.Features),
			Documentation:    d.Documentation,
		}
		exact[base] = strings.EqualFold(t, base)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func baseLanguage(tag string) string {
	if !validLanguage(tag) {
		return ""
	}
	t, _ := language.Parse(tag)
	b, _ := t.Base()
	return b.String()
}

func (f *File) assetMaintenance() registry.Maintenance {
	m := registry.Maintenance{Type: f.Maintenance.Type}
	for _, c := range f.Maintenance.Contractors {
		rc := registry.Contractor{Name: c.Name, Website: c.Website, Email: c.Email}
		if c.UntilAt != nil {
			rc.Until = *c.UntilAt
		}
		m.Contractors = append(m.Contractors, rc)
	}
	for _, c := range f.Maintenance.Contacts {
		m.Contacts = append(m.Contacts, registry.Contact{Name: c.Name, Email: c.Email, Phone: c.Phone, Affiliation: c.Affiliation})
	}
	return m
}

// clean trims the items of a list and drops the empty ones.
func clean(items []string) []string {
	var out []string
	for _, s := range items {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
