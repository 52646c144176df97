package publiccode

import (
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/language"
)

// The controlled vocabularies of the standard (publiccodeyml/publiccode.yml
// docs/standard at v0.7.0: categories-list.rst, scope-list.rst,
// aliases-list.rst, schema.core.rst).

// categories are the values allowed in categories.
var categories = []string{
	"accounting", "agile-project-management", "applicant-tracking", "application-development",
	"appointment-scheduling", "backup", "billing-and-invoicing", "blog", "budgeting",
	"business-intelligence", "business-process-management", "cad", "call-center-management",
	"cloud-management", "collaboration", "communications", "compliance-management",
	"contact-management", "content-management", "crm", "customer-service-and-support",
	"data-analytics", "data-collection", "data-visualization", "design", "design-system",
	"digital-asset-management", "digital-citizenship", "document-management", "donor-management",
	"e-commerce", "e-signature", "educational-content", "email-management", "email-marketing",
	"employee-management", "enterprise-project-management", "enterprise-social-networking", "erp",
	"event-management", "facility-management", "feedback-and-reviews-management",
	"financial-reporting", "fleet-management", "fundraising", "gamification",
	"geographic-information-systems", "grant-management", "graphic-design", "help-desk", "hr",
	"ide", "identity-management", "instant-messaging", "integrated-library-system",
	"inventory-management", "it-asset-management", "it-development", "it-management",
	"it-security", "it-service-management", "knowledge-management", "learning-management-system",
	"marketing", "mind-mapping", "mobile-marketing", "mobile-payment", "network-management",
	"office", "online-booking", "online-community", "payment-gateway", "payroll",
	"predictive-analysis", "procurement", "productivity-suite", "project-collaboration",
	"project-management", "property-management", "real-estate-management",
	"regulations-and-directives", "remote-support", "resource-management", "sales-management",
	"seo", "service-desk", "social-media-management", "survey", "talent-management",
	"task-management", "taxes-management", "test-management", "time-management", "time-tracking",
	"translation", "video-conferencing", "video-editing", "visitor-management", "voip",
	"warehouse-management", "web-collaboration", "web-conferencing", "website-builder",
	"whistleblowing", "workflow-management", "other",
}

// scopes are the values allowed in intendedAudience.scope.
var scopes = []string{
	"agriculture", "culture", "defence", "education", "emergency-services", "employment", "energy",
	"environment", "finance-and-economic-development", "foreign-affairs", "government",
	"healthcare", "infrastructures", "justice", "local-authorities", "manufacturing", "research",
	"science-and-technology", "security", "society", "sport", "tourism", "transportation", "welfare",
}

// supportAliases are the aliases allowed in supports[].id as alias:<name>.
var supportAliases = []string{"gdpr", "eidas", "nis2", "cra", "spid", "cie", "anpr", "pagopa", "io"}

// developmentStatuses, softwareTypes and maintenanceTypes are the values of
// the enumerated keys.
var (
	developmentStatuses = []string{"concept", "development", "beta", "stable", "obsolete"}
	softwareTypes       = []string{"standalone/mobile", "standalone/iot", "standalone/desktop", "standalone/web",
		"standalone/backend", "standalone/other", "addon", "library", "configurationFiles"}
	maintenanceTypes = []string{"internal", "contract", "community", "none"}
)

// supportedVersions are the publiccodeYmlVersion values of the 0.x line,
// all read as the latest (0.7); latestVersions need no warning.
var (
	supportedVersions = []string{"0", "0.2", "0.2.0", "0.2.1", "0.2.2", "0.3", "0.3.0", "0.4", "0.4.0", "0.5", "0.5.0", "0.7", "0.7.0"}
	latestVersions    = []string{"0", "0.7", "0.7.0"}
	v1Versions        = []string{"1", "1.0", "1.0.0"}
)

// Categories returns the values allowed in categories.
func Categories() []string { return append([]string(nil), categories...) }

// Scopes returns the values allowed in intendedAudience.scope.
func Scopes() []string { return append([]string(nil), scopes...) }

// SoftwareTypes returns the values allowed in softwareType.
func SoftwareTypes() []string { return append([]string(nil), softwareTypes...) }

// DevelopmentStatuses returns the values allowed in developmentStatus.
func DevelopmentStatuses() []string { return append([]string(nil), developmentStatuses...) }

func oneOf(s string, values []string) bool {
	for _, v := range values {
		if s == v {
			return true
		}
	}
	return false
}

// quoteList renders values as `"a", "b" or "c"`.
func quoteList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = `"` + v + `"`
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// validURL is an absolute URL with a scheme and a host (url, isBasedOn).
func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && u.Host != ""
}

// validHTTPURL is an http or https URL with a host.
func validHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

var schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)

// validURI is an absolute URI: a scheme and something after it
// (https://example.org/x, urn:x-custom:id).
func validURI(s string) bool {
	u, err := url.Parse(s)
	if err != nil || !schemeRE.MatchString(u.Scheme) {
		return false
	}
	return u.Opaque != "" || u.Host != "" || u.Path != ""
}

// validDate is a calendar date written YYYY-MM-DD.
func validDate(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil
}

// validEmail is a bare address (no display name) with a dotted domain or
// a host name.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1
}

// mimeRE is RFC 6838's type/subtype with optional parameters, compiled
// when first used: its bounded repetition makes a large program, a
// noticeable part of every acervo process's start when compiled at init.
var mimeRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(application|audio|example|font|haptics|image|message|model|multipart|text|video|x-[A-Za-z0-9!#$&^_.+-]+)/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=("[^"]*"|[A-Za-z0-9!#$&^_.+-]+))*$`)
})

func validMIME(s string) bool { return mimeRE().MatchString(strings.ToLower(s)) }

// validLanguage is a BCP 47 tag whose subtags are all registered. Hyphens
// only: en_GB, a POSIX locale, is refused.
func validLanguage(s string) bool {
	if s == "" || strings.ContainsAny(s, "_ \t") {
		return false
	}
	_, err := language.Parse(s)
	return err == nil
}

// validCountry is an ISO 3166-1 alpha-2 country code, in either case.
func validCountry(s string) bool {
	if len(s) != 2 || !isLetters(s) {
		return false
	}
	r, err := language.ParseRegion(s)
	return err == nil && r.IsCountry()
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
