//go:build !linux

package job

// LockHeld cannot tell here whether a run holds the lock of output without
// taking it (macOS and Windows list no locks), and a reader must never
// take it (DESIGN.md, Decision 10): known is false.
func LockHeld(output string) (held, known bool) { return false, false }
