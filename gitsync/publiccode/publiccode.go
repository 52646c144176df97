package publiccode

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
	"time"

	"github.com/acervo-co/acervo/registry"
)

// Severities of a finding. SeveritySkipped is never used in the findings
// returned by Parse; it labels File.Skipped entries when they are printed
// next to findings (acervo validate).
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
	SeveritySkipped = "skipped"
)

// Limits applied when Options leave them at zero.
const (
	DefaultMaxSize    = 1 << 20 // bytes of publiccode.yml
	DefaultMaxAliases = 32      // YAML alias nodes (*name) in one document
	// maxExpandedNodes bounds the nodes a document would have once every
	// alias is expanded; it stops "billion laughs" documents that stay
	// under the alias count.
	maxExpandedNodes = 100_000
	// maxDepth bounds the nesting of collections; publiccode.yml needs 5.
	maxDepth = 64
	// MaxFindings is the most findings Parse returns; one more says how
	// many were left out.
	MaxFindings = 1000
)

// Options tune Parse. The zero value validates offline, without looking at
// any repository files, with the default limits.
type Options struct {
	// Network enables the checks that need the network: reachability of
	// url, landingURL, roadmap and documentation URLs, and remote logos and
	// screenshots. They go through HTTPClient, which the caller builds with
	// its egress policy; with Network set and HTTPClient nil the checks are
	// skipped all the same. Off by default: every check that was not
	// performed is listed in File.Skipped, never in the findings.
	Network    bool
	HTTPClient *http.Client

	// RepoRoot, when set, is the repository (or directory) the file was read
	// from: relative logo, monochromeLogo, screenshots and authorsFile paths
	// must exist in it. When nil those checks are skipped.
	RepoRoot fs.FS

	// EntityLookup, when set, tells whether a NIT (without check digit) is
	// a public entity of the directory. organisation.uri and fundedBy[].uri
	// written as urn:co:nit:<NIT> that it does not know get a warning.
	EntityLookup func(nit string) (known bool)

	// MaxSize is the largest accepted file in bytes (DefaultMaxSize when 0).
	// A larger file gets one METADATA_INVALID error and is not parsed.
	MaxSize int
	// MaxAliases is the most YAML alias nodes accepted (DefaultMaxAliases
	// when 0; negative refuses any alias).
	MaxAliases int
}

func (o Options) maxSize() int {
	if o.MaxSize <= 0 {
		return DefaultMaxSize
	}
	return o.MaxSize
}

func (o Options) maxAliases() int {
	switch {
	case o.MaxAliases < 0:
		return 0
	case o.MaxAliases == 0:
		return DefaultMaxAliases
	}
	return o.MaxAliases
}

// File is a decoded publiccode.yml. Fields hold what the file says, as
// written; a top-level key whose value had the wrong type is left empty
// (the finding says why). Optional text fields are empty when absent.
type File struct {
	// Version is publiccodeYmlVersion as written ("0", "0.2", "1", …) and
	// Major its major version: 0, or 1 for the 1.x release candidates,
	// which are validated with the same rules.
	Version string
	Major   int

	Name              string
	ApplicationSuite  string
	URL               string
	LandingURL        string
	IsBasedOn         []string
	SoftwareVersion   string
	ReleaseDate       string     // YYYY-MM-DD as written
	Released          *time.Time // ReleaseDate parsed, nil when absent or invalid
	Logo              string
	MonochromeLogo    string // deprecated
	InputTypes        []string
	OutputTypes       []string
	Platforms         []string
	Categories        []string
	UsedBy            []string
	FundedBy          []Organisation
	Roadmap           string
	DevelopmentStatus string
	SoftwareType      string
	Supports          []string // supports[].id
	Organisation      *Organisation
	IntendedAudience  IntendedAudience
	Description       map[string]Description // by BCP 47 language tag, as written
	Legal             Legal
	Maintenance       Maintenance
	Localisation      Localisation
	DependsOn         DependsOn
	IT                *ITSection // the Italian extension (IT, or deprecated it)

	// Skipped lists the checks that were not performed: network checks when
	// the network is off, repository files when there is no RepoRoot, and
	// directories Acervo does not have (the Italian iPA list).
	Skipped []Skipped

	// present records the key paths that were decoded, for the checks that
	// tell an absent key from an empty one.
	present map[string]bool
}

// Organisation is organisation or one of fundedBy.
type Organisation struct {
	Name string
	URI  string
	// NIT is the NIT (without check digit) of a urn:co:nit:<NIT> URI whose
	// check digit is right, else empty.
	NIT string
}

// IntendedAudience is the intendedAudience section.
type IntendedAudience struct {
	Countries            []string
	UnsupportedCountries []string
	Scope                []string
}

// Description is one language of the description section.
type Description struct {
	LocalisedName    string
	GenericName      string // deprecated
	ShortDescription string
	LongDescription  string
	Documentation    string
	APIDocumentation string
	Features         []string
	Screenshots      []string
	Videos           []string
	Awards           []string
}

// Legal is the legal section.
type Legal struct {
	License            string // SPDX expression
	MainCopyrightOwner string
	RepoOwner          string // deprecated
	AuthorsFile        string // deprecated
}

// Maintenance is the maintenance section.
type Maintenance struct {
	Type        string // internal, contract, community, none
	Contractors []Contractor
	Contacts    []Contact
}

// Contractor is one of maintenance.contractors.
type Contractor struct {
	Name    string
	Email   string
	Website string
	Until   string     // YYYY-MM-DD as written
	UntilAt *time.Time // Until parsed, nil when invalid
}

// Contact is one of maintenance.contacts.
type Contact struct {
	Name        string
	Email       string
	Affiliation string
	Phone       string
}

// Localisation is the localisation section.
type Localisation struct {
	LocalisationReady  bool
	AvailableLanguages []string
}

// DependsOn is the dependsOn section.
type DependsOn struct {
	Open        []Dependency
	Proprietary []Dependency
	Hardware    []Dependency
}

// Dependency is one entry of dependsOn.
type Dependency struct {
	Name       string
	VersionMin string
	VersionMax string
	Version    string
	Optional   bool
}

// ITSection is the Italian country extension, kept as far as validation
// needs it.
type ITSection struct {
	CountryExtensionVersion string
	CodiceIPA               string // riuso.codiceIPA, deprecated
	Conforme                map[string]bool
	Piattaforme             map[string]bool
}

// Skipped is a check that was not performed, and why.
type Skipped struct {
	Key    string `json:"key"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
	Check  string `json:"check"`  // reachability, remote-image, oembed, repo-file, ipa-code
	Reason string `json:"reason"` // human-readable
}

// Parse decodes and validates a publiccode.yml. It never touches the
// network (see ParseContext and Options.Network). Findings are errors and
// warnings with the key path (description.en.features,
// maintenance.contractors[0].until), line and column (0 when the key is
// absent and so is its section), sorted by position. The File is nil when
// the data is not a YAML mapping that can be decoded at all (too large, not
// UTF-8, a syntax error, too many aliases).
func Parse(data []byte, opts Options) (*File, []registry.Finding) {
	return ParseContext(context.Background(), data, opts)
}

// ParseContext is Parse with a context for the network checks.
func ParseContext(ctx context.Context, data []byte, opts Options) (*File, []registry.Finding) {
	p := &parser{opts: opts, ctx: ctx}
	f := p.run(data)
	sortFindings(p.findings)
	p.findings = capFindings(p.findings)
	if f != nil {
		sort.SliceStable(f.Skipped, func(i, j int) bool {
			return less(f.Skipped[i].Line, f.Skipped[i].Column, f.Skipped[j].Line, f.Skipped[j].Column)
		})
	}
	return f, p.findings
}

// HasErrors reports whether any finding is an error.
func HasErrors(findings []registry.Finding) bool {
	for _, f := range findings {
		if f.Severity == SeverityError {
			return true
		}
	}
	return false
}

// RefusalCode returns registry.CodeMetadataInvalid when the file was refused
// before validation because of a resource limit (size, aliases, nesting),
// and "" otherwise. Callers keep the code on the Mirror.
func RefusalCode(findings []registry.Finding) string {
	for _, f := range findings {
		if f.Severity == SeverityError && f.Key == "" && len(f.Message) > len(refusalPrefix) && f.Message[:len(refusalPrefix)] == refusalPrefix {
			return registry.CodeMetadataInvalid
		}
	}
	return ""
}

const refusalPrefix = registry.CodeMetadataInvalid + ": "

// capFindings keeps the first MaxFindings findings and says how many more
// there were, so a hostile file cannot fill the store with findings.
func capFindings(fs []registry.Finding) []registry.Finding {
	if len(fs) <= MaxFindings {
		return fs
	}
	severity := SeverityWarning
	for _, f := range fs[MaxFindings:] {
		if f.Severity == SeverityError {
			severity = SeverityError
			break
		}
	}
	last := fs[MaxFindings-1]
	more := registry.Finding{Severity: severity, Line: last.Line, Column: last.Column,
		Message: fmt.Sprintf("%d more findings are not listed", len(fs)-MaxFindings)}
	return append(fs[:MaxFindings:MaxFindings], more)
}

func sortFindings(fs []registry.Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		return less(fs[i].Line, fs[i].Column, fs[j].Line, fs[j].Column)
	})
}

func less(l1, c1, l2, c2 int) bool {
	if l1 != l2 {
		return l1 < l2
	}
	return c1 < c2
}

// has reports whether the key path was present in the file (and decoded).
func (f *File) has(path string) bool { return f.present[path] }
