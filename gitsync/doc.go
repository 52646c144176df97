// Package gitsync mirrors the Git repositories of public software assets,
// extracts their releases and the publiccode.yml, licence, README and
// languages at each of them, schedules syncs (with leases in the store so
// several acervo processes never sync one repository at once), and serves
// read-only smart-HTTP clones of the mirrors under /git/<slug>.git.
//
// Every outbound connection goes through gitsync/egress: go-git's ref
// listing uses an http.Client whose dialer checks each resolved address,
// and the git CLI runs with http.proxy pointing at a per-sync loopback proxy
// that applies the same policy, counts bytes and refuses redirects. Over
// http(s) with the git CLI, a sync asks for its pack on the listing's own
// session (that client again: no second listing), and git only indexes
// the pack, checks it (self-contained for a first mirror, connected to the
// mirror's objects for an update) and moves the refs in one transaction
// (fetchpack.go); git clone and git fetch, through the proxy, remain for
// local repositories.
//
// A mirror's objects are read through long-running `git cat-file`
// processes when the git CLI is in use (git maps the pack indexes; go-git
// would read and checksum them into memory at every sync), with go-git's
// own reader otherwise. Releases are written in batches when the Service
// offers RecordReleases. Next to each mirror are its lock file and caches
// of licence classifications by blob and language counts by tree.
package gitsync
