package gitsync

import (
	"runtime/debug"
	"testing"
)

// TestOneShotGC: a one-shot sync lowers GOGC to OneShotGCPercent and
// restores it; a GOGC set in the environment is left alone.
func TestOneShotGC(t *testing.T) {
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)

	restore := OneShotGC(func(string) string { return "" })
	if got := debug.SetGCPercent(OneShotGCPercent); got != OneShotGCPercent {
		t.Errorf("GOGC %d during a one-shot sync, want %d", got, OneShotGCPercent)
	}
	restore()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC %d after the sync, want 100 restored", got)
	}

	restore = OneShotGC(func(k string) string {
		if k == "GOGC" {
			return "200"
		}
		return ""
	})
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC %d with GOGC set in the environment, want it left at 100", got)
	}
	restore()
}
