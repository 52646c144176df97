// Package publiccode parses and validates publiccode.yml files (the
// standard at publiccodeyml/publiccode.yml, versions 0.x; version "1" is
// recognised and validated with the same rules).
//
// Parse reads the YAML into a yaml.v3 node tree, so every finding carries
// the key path (description.en.features, maintenance.contractors[0].until),
// the line and the column. Findings are errors or warnings (deprecated
// keys, lowercase country codes, unknown NITs) sorted by position. The
// decoded File fills an Asset's fields (File.FillAsset).
//
// Checks that look outside the file are performed only when the caller
// allows them: network checks (URL reachability, remote images) with
// Options.Network and an HTTP client carrying the caller's egress policy;
// repository files (logo, screenshots, authorsFile) with Options.RepoRoot.
// A check that is not performed is never a finding: it is listed in
// File.Skipped, so a valid file has exactly zero findings offline.
//
// Resource limits: a file larger than Options.MaxSize (1 MiB), with more
// YAML aliases than Options.MaxAliases (32), with aliases expanding past
// 100,000 nodes ("billion laughs"), recursive aliases or nesting deeper
// than 64 levels is refused with one METADATA_INVALID error (RefusalCode).
// At most MaxFindings (1000) findings are returned, then one saying how many
// more there were. YAML merge keys (<<) are reported as errors.
//
// Colombian extension: organisation.uri (and fundedBy[].uri) may be
// urn:co:nit:<NIT>, optionally with the check digit (urn:co:nit:899999001-7).
// The NIT and its DIAN check digit are verified, and with
// Options.EntityLookup an entity missing from the directory is a warning.
//
// Conformance: testdata/ holds the test cases of italia/publiccode-parser-go
// with what that parser reports (EXPECTED.tsv); TestConformance compares
// (file, severity, key) and prints the agreement. Deliberate differences:
// "1" is accepted as a version; the Italian iPA directory is not shipped, so
// urn:x-italian-pa codes are not looked up (listed in Skipped); network
// checks are skipped offline; messages are worded by Acervo.
package publiccode
