package registry

import (
	"net/url"
	"strings"
)

var developmentStatuses = map[string]bool{StatusConcept: true, StatusDevelopment: true, StatusBeta: true, StatusStable: true, StatusObsolete: true}

// Validate checks an asset's fields.
func (a *Asset) Validate() error {
	var fe fieldErrors
	if a.Kind != AssetPublic && a.Kind != AssetCommercial {
		fe.add("kind", "must be PUBLIC or COMMERCIAL")
	}
	if strings.TrimSpace(a.Name) == "" {
		fe.add("name", "is required")
	}
	if a.Slug == "" || Slugify(a.Slug) != a.Slug {
		fe.add("slug", "must be lower-case letters, digits and dashes")
	}
	if a.Kind == AssetPublic && a.RepositoryURL == "" {
		fe.add("repositoryUrl", "a public asset needs its repository")
	}
	if a.License != "" && !ValidSPDXExpression(a.License) {
		fe.add("license", "%q is not an SPDX licence expression", a.License)
	}
	if a.DevelopmentStatus != "" && !developmentStatuses[a.DevelopmentStatus] {
		fe.add("developmentStatus", "%q is not one of concept, development, beta, stable, obsolete", a.DevelopmentStatus)
	}
	if a.PublisherNIT != "" && !ValidNIT(a.PublisherNIT) {
		fe.add("publisherNit", "%q is not a NIT without check digit", a.PublisherNIT)
	}
	if a.LandingURL != "" && !validHTTPURL(a.LandingURL) {
		fe.add("landingUrl", "must be an http(s) URL")
	}
	return fe.err()
}

// Validate checks an entity's fields.
func (e *Entity) Validate() error {
	var fe fieldErrors
	if !ValidNIT(e.NIT) {
		fe.add("nit", "%q is not a NIT without check digit", e.NIT)
	} else if dv := NITCheckDigit(e.NIT); dv != e.CheckDigit {
		fe.add("checkDigit", "check digit of %s is %d, not %d", e.NIT, dv, e.CheckDigit)
	}
	if strings.TrimSpace(e.Name) == "" {
		fe.add("name", "is required")
	}
	if e.Orden != "" && e.Orden != OrdenNacional && e.Orden != OrdenTerritorial {
		fe.add("orden", "must be NACIONAL or TERRITORIAL")
	}
	if e.DepartmentCode != "" && !ValidDepartmentCode(e.DepartmentCode) {
		fe.add("departmentCode", "%q is not a two-digit DIVIPOLA department code", e.DepartmentCode)
	}
	if e.MunicipalityCode != "" && !ValidMunicipalityCode(e.MunicipalityCode, e.DepartmentCode) {
		fe.add("municipalityCode", "%q is not a five-digit DIVIPOLA municipality code of department %q", e.MunicipalityCode, e.DepartmentCode)
	}
	if e.ParentNIT != "" && !ValidNIT(e.ParentNIT) {
		fe.add("parentNit", "%q is not a NIT without check digit", e.ParentNIT)
	}
	return fe.err()
}

var adoptionStatuses = map[string]bool{AdoptionEvaluating: true, AdoptionPilot: true, AdoptionProduction: true, AdoptionRetired: true}
var verifications = map[string]bool{VerificationSelfDeclared: true, VerificationCIOVerified: true, VerificationProcurementDerived: true, VerificationForkDerived: true}

// Validate checks an adoption's fields.
func (a *Adoption) Validate() error {
	var fe fieldErrors
	if !ValidNIT(a.EntityNIT) {
		fe.add("entityNit", "%q is not a NIT without check digit", a.EntityNIT)
	}
	if a.AssetID == "" {
		fe.add("assetId", "is required")
	}
	if a.ReleaseTag != "" && a.Constraint != "" {
		fe.add("constraint", "give an exact release or a constraint, not both")
	}
	if a.Constraint != "" {
		if _, err := ParseConstraint(a.Constraint); err != nil {
			fe.add("constraint", "%v", err)
		}
	}
	if !adoptionStatuses[a.Status] {
		fe.add("status", "must be EVALUATING, PILOT, PRODUCTION or RETIRED")
	}
	if !verifications[a.Verification] {
		fe.add("verification", "must be SELF_DECLARED, CIO_VERIFIED, PROCUREMENT_DERIVED or FORK_DERIVED")
	}
	if a.InstanceURL != "" && !validHTTPURL(a.InstanceURL) {
		fe.add("instanceUrl", "must be an http(s) URL")
	}
	if a.Since != nil && a.Until != nil && a.Until.Before(*a.Since) {
		fe.add("until", "is before since")
	}
	return fe.err()
}

var sources = map[string]bool{SourceSECOPII: true, SourceSECOPI: true, SourceTVEC: true, SourceOCDS: true}

// Validate checks a purchase's fields.
func (p *Purchase) Validate() error {
	var fe fieldErrors
	// Sizes first: a field far longer than any published record is a broken
	// file or a hostile one, and is never echoed back in full.
	long := false
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"contractId", p.ContractID, MaxKeyLen}, {"processId", p.ProcessID, MaxKeyLen}, {"url", p.URL, 2048},
		{"buyerNit", p.BuyerNIT, 64}, {"buyerName", p.BuyerName, 1024},
		{"supplier.docType", p.Supplier.DocType, 64}, {"supplier.docNumber", p.Supplier.DocNumber, 64}, {"supplier.name", p.Supplier.Name, 1024},
		{"legalRep.docType", p.LegalRep.DocType, 64}, {"legalRep.docNumber", p.LegalRep.DocNumber, 64}, {"legalRep.name", p.LegalRep.Name, 1024},
		{"description", p.Description, MaxTextLen}, {"object", p.Object, MaxTextLen},
		{"modality", p.Modality, 512}, {"contractType", p.ContractType, 512}, {"status", p.Status, 512},
		{"frameworkAgreement", p.FrameworkAgreement, 512}, {"departmentCode", p.DepartmentCode, 64}, {"municipalityCode", p.MunicipalityCode, 64},
	} {
		if len(f.v) > f.max {
			fe.add(f.name, "is %d bytes long; at most %d", len(f.v), f.max)
			long = true
		}
	}
	if len(p.UNSPSC) > 200 {
		fe.add("unspsc", "has %d codes; at most 200", len(p.UNSPSC))
		long = true
	}
	if long {
		return fe.err()
	}
	if !sources[p.Source] {
		fe.add("source", "must be SECOP_II, SECOP_I, TVEC or OCDS")
	}
	if strings.TrimSpace(p.ContractID) == "" {
		fe.add("contractId", "is required")
	}
	if p.Value < 0 {
		fe.add("value", "must not be negative")
	}
	if p.BuyerNIT != "" && !ValidNIT(p.BuyerNIT) {
		fe.add("buyerNit", "%q is not a NIT without check digit", p.BuyerNIT)
	}
	for _, c := range p.UNSPSC {
		if !ValidUNSPSC(c) {
			fe.add("unspsc", "%q is not an eight-digit UNSPSC code", c)
		}
	}
	if p.DepartmentCode != "" && !ValidDepartmentCode(p.DepartmentCode) {
		fe.add("departmentCode", "%q is not a DIVIPOLA department code", p.DepartmentCode)
	}
	if p.MunicipalityCode != "" && !ValidMunicipalityCode(p.MunicipalityCode, p.DepartmentCode) {
		fe.add("municipalityCode", "%q is not a DIVIPOLA municipality code", p.MunicipalityCode)
	}
	return fe.err()
}

// Limits of a purchase's fields, in bytes: keys (contract and process ids)
// and free text (description, object). Published records stay far below.
const (
	MaxKeyLen  = 256
	MaxTextLen = 32 << 10
)

var relations = map[string]bool{RelDevelopment: true, RelImplementation: true, RelMaintenance: true, RelSupport: true, RelLicensing: true, RelHosting: true, RelTraining: true, RelAlternative: true}

// ValidRelation reports a purchase-link relation.
func ValidRelation(r string) bool { return relations[r] }

// Validate checks a link's fields.
func (l *PurchaseLink) Validate() error {
	var fe fieldErrors
	if l.PurchaseID == "" {
		fe.add("purchaseId", "is required")
	}
	if l.AssetID == "" {
		fe.add("assetId", "is required")
	}
	if !relations[l.Relation] {
		fe.add("relation", "%q is not a relation", l.Relation)
	}
	if l.State != LinkSuggested && l.State != LinkConfirmed && l.State != LinkRejected {
		fe.add("state", "must be SUGGESTED, CONFIRMED or REJECTED")
	}
	return fe.err()
}

// Validate checks an advisory's fields.
func (a *Advisory) Validate() error {
	var fe fieldErrors
	if strings.TrimSpace(a.ID) == "" {
		fe.add("id", "is required")
	}
	if a.AssetID == "" {
		fe.add("assetId", "is required")
	}
	if strings.TrimSpace(a.Summary) == "" {
		fe.add("summary", "is required")
	}
	if len(a.Affected) == 0 {
		fe.add("affected", "at least one affected range is required")
	}
	for i, r := range a.Affected {
		for _, v := range []string{r.Introduced, r.Fixed, r.LastAffected} {
			if v != "" && v != "0" {
				if _, ok := ParseSemver(v); !ok {
					fe.add("affected", "range %d: %q is not a semantic version", i, v)
				}
			}
		}
	}
	return fe.err()
}

func validHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
