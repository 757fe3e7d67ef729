package locale

import "strings"

// HelpText is the help text key (a command's or a flag's, see the root's
// help.go) in lang: help.<command>.--<flag>, else the flag's text of every
// command, help.--<flag>. ok is false where lang has none (English: the
// app's own text is the English).
func HelpText(lang Lang, key string) (text string, ok bool) {
	if lang != Chinese {
		return "", false
	}
	if text, ok = zhCNHelp[key]; ok {
		return text, ok
	}
	if _, flag, found := strings.Cut(key, ".--"); found {
		text, ok = zhCNHelp["help.--"+flag]
	}
	return text, ok
}

// SharedHelpKey is the key of every command's text that key falls back to
// (help.--<flag>), or "" for a key of no flag.
func SharedHelpKey(key string) string {
	if _, flag, found := strings.Cut(key, ".--"); found {
		return "help.--" + flag
	}
	return ""
}

// HelpKeys are the keys of lang's help texts.
func HelpKeys(lang Lang) []string {
	if lang != Chinese {
		return nil
	}
	keys := make([]string, 0, len(zhCNHelp))
	for k := range zhCNHelp {
		keys = append(keys, k)
	}
	return keys
}
