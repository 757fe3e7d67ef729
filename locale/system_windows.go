//go:build windows

package locale

import "golang.org/x/sys/windows"

// systemLanguage is the user's display language (the first of their
// preferred UI languages, e.g. "zh-CN"), or "" when Windows says none.
func systemLanguage() string {
	langs, err := windows.GetUserPreferredUILanguages(windows.MUI_LANGUAGE_NAME)
	if err != nil || len(langs) == 0 {
		return ""
	}
	return langs[0]
}
