package gitsync

import "runtime/debug"

// OneShotGCPercent is the garbage collector's target (GOGC) of a one-shot
// sync command. Such a process holds little: syncing 200 repositories or
// recording a mirror's 200 releases, its live heap stays under 2 MiB, so
// the runtime's default target (a heap of at least 4 MiB before it
// collects) is a fifth of its memory. At 50 it collects about three times
// as often, each collection a fraction of a millisecond, and its peak
// memory is 1 to 2 MiB lower. A long-running `acervo serve` keeps Go's
// default.
const OneShotGCPercent = 50

// OneShotGC sets OneShotGCPercent for a one-shot sync command (acervo
// sync) unless GOGC is set in its environment (getenv), and returns the
// function that restores the previous setting.
func OneShotGC(getenv func(string) string) (restore func()) {
	if getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(OneShotGCPercent)
	return func() { debug.SetGCPercent(old) }
}
