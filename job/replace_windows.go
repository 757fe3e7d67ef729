//go:build windows

package job

import "openbind/report"

// beforeReplace closes the journal before the final rewrite replaces the
// results file: Windows refuses to rename over a file that is open (Go
// opens files without FILE_SHARE_DELETE), and every final rewrite would
// fail with "Access is denied". The journal is read to its end by then;
// closing it again later does nothing.
func beforeReplace(j *report.Journal) []func() error { return []func() error{j.Close} }
