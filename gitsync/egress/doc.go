// Package egress is the outbound policy of the mirrors: which repository
// URLs may be mirrored (https only by default; no file://, local paths, ssh,
// scp forms, git://, ext::, credentials or odd IP spellings), which
// addresses may be dialled (public only, private ranges only when allowed,
// cloud metadata never), checked when dialling on every connection, and a
// loopback CONNECT/forward proxy through which the git CLI goes so that it
// obeys the same policy and byte limit.
package egress
