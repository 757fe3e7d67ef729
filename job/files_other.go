//go:build !unix

package job

// checkOpenFiles has nothing to check where handles are not counted
// against a per-process limit (Windows).
func checkOpenFiles(*Config) error { return nil }
