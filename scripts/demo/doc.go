// Package demo builds Acervo's demo content: about thirty local Git
// repositories of plausible Colombian public software (labelled as demo
// content everywhere they appear), with publiccode.yml files using the
// Colombian extension, several semver releases each, a few with invalid
// metadata and a few with tags that are later withdrawn. The repositories
// are registered and mirrored through the normal gitsync path by
// `acervo serve --demo`.
package demo
