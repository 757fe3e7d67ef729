//go:build !windows

package job

import "openbind/report"

// beforeReplace is what must happen before the final rewrite replaces the
// results file: nothing on Unix, where a rename replaces an open file.
func beforeReplace(*report.Journal) []func() error { return nil }
