//go:build !windows

package locale

// systemLanguage is the system's display language where the environment
// names none: outside Windows the environment is the only source.
func systemLanguage() string { return "" }
