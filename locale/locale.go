// Package locale owns every sentence openbind writes for people, in each
// language it speaks (en, zh-CN), and the choice of the language: --lang,
// else LC_ALL, LC_MESSAGES, LANG (on Windows, then the user's display
// language).
//
// What machines read (results columns and statuses, JSON, metrics, log
// keys, exit codes) never goes through this package.
//
// # Adding a message
//
//  1. Pick a key: "<area>.<what>", e.g. "plan.head" (areas: summary, plan,
//     progress, page, ...).
//  2. Add the English text to en.go and the Chinese to zh_cn.go under the
//     same key. A text is a format string of fmt's verbs; both languages
//     must take the same arguments (same verbs, count and order, or
//     explicit indexes %[2]s that use each argument with the same verb).
//     A count that changes the English noun is a Plural{Arg, One, Other}.
//     TestCatalogComplete and TestCatalogArguments fail otherwise.
//  3. Print it with a Printer: p := lang.Printer(); p.T("plan.head", n).
//     Sentences format numbers as fmt does; p.Number and p.Float format
//     them for the language (the page).
//
// Messages live in Go maps (en.go, zh_cn.go) built into
// golang.org/x/text/message/catalog, which picks a plural form; fmt
// formats the text, so that a line number reads 1234 and not 1,234.
package locale

import (
	"fmt"
	"slices"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/width"
)

// Lang is a language openbind speaks.
type Lang string

// The languages, as --lang spells them.
const (
	English Lang = "en"
	Chinese Lang = "zh-CN"
)

// Langs are the languages of the catalog, English (the reference) first.
var Langs = []Lang{English, Chinese}

// Tag is the language's BCP 47 tag.
func (l Lang) Tag() language.Tag {
	if l == Chinese {
		return language.SimplifiedChinese
	}
	return language.English
}

// String is the language as --lang and <html lang> spell it.
func (l Lang) String() string {
	if l == Chinese {
		return string(Chinese)
	}
	return string(English)
}

// matcher matches a tag to a language of the catalog.
var matcher = language.NewMatcher([]language.Tag{language.English, language.SimplifiedChinese})

// match maps any Chinese (zh, zh-CN, zh-Hans, zh-TW...) to zh-CN and
// anything else to en.
func match(tag language.Tag) Lang {
	_, i, _ := matcher.Match(tag)
	if base, _ := tag.Base(); i == 1 || base.String() == "zh" {
		return Chinese
	}
	return English
}

// Parse reads a --lang value: en or zh-CN (case and _ or - as they come:
// zh_CN, zh-cn, zh-Hans and zh are Chinese too).
func Parse(s string) (Lang, error) {
	tag, err := language.Parse(strings.ReplaceAll(strings.TrimSpace(s), "_", "-"))
	if err != nil || tag == language.Und {
		return English, Errorf("usage.lang", s)
	}
	l := match(tag)
	if base, _ := tag.Base(); l == English && base.String() != "en" {
		return English, Errorf("usage.lang", s)
	}
	return l, nil
}

// FromEnv is the language of the environment: the first of LC_ALL,
// LC_MESSAGES and LANG that is set decides (zh, zh_*, zh-* → zh-CN; C,
// POSIX, any other → en); with none set, the system's display language
// (Windows), else en.
func FromEnv(getenv func(string) string) Lang {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(name); v != "" {
			return fromPOSIX(v)
		}
	}
	if s := systemLanguage(); s != "" {
		return fromPOSIX(s)
	}
	return English
}

// fromPOSIX reads a locale name: language[_territory][.codeset][@modifier].
func fromPOSIX(v string) Lang {
	v, _, _ = strings.Cut(v, "@")
	v, _, _ = strings.Cut(v, ".")
	tag, err := language.Parse(strings.ReplaceAll(v, "_", "-"))
	if err != nil {
		// zh_XX with an unknown territory is still Chinese.
		if base, _, _ := strings.Cut(strings.ReplaceAll(v, "_", "-"), "-"); strings.EqualFold(base, "zh") {
			return Chinese
		}
		return English
	}
	return match(tag)
}

// Printer prints the messages of one language. Its sentences format
// numbers as fmt does (1234, as a terminal, a log or a line number wants
// them); Number and Float format them for the language (1,234), for the
// page.
type Printer struct {
	lang Lang
	num  *message.Printer
}

// Printer returns the printer of l.
func (l Lang) Printer() *Printer {
	return &Printer{lang: l, num: message.NewPrinter(l.Tag())}
}

// Lang is the printer's language.
func (p *Printer) Lang() Lang { return p.lang }

// T is the message key in the printer's language, formatted with args. A
// key that is in no catalog prints as "!(key)", which every golden file
// would show.
func (p *Printer) T(key string, args ...any) string {
	r := &renderer{args: args}
	if err := cat().Context(p.lang.Tag(), r).Execute(key); err != nil {
		return "!(" + key + ")"
	}
	return r.b.String()
}

// Has reports whether key is a message of the catalog.
func (p *Printer) Has(key string) bool {
	_, ok := messages[English][key]
	return ok
}

// Keys are the keys of the catalog, sorted.
func Keys() []string {
	keys := make([]string, 0, len(messages[English]))
	for k := range messages[English] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// renderer renders a message of the catalog with fmt: the catalog picks
// the text (a plural form by its argument), fmt formats it.
type renderer struct {
	args []any
	b    strings.Builder
}

func (r *renderer) Render(msg string) { fmt.Fprintf(&r.b, msg, r.args...) }

// Arg is argument i, 1-based, for the catalog's plural selection.
func (r *renderer) Arg(i int) any {
	if i < 1 || i > len(r.args) {
		return nil
	}
	return r.args[i-1]
}

// Number formats n for the language (1,234,567).
func (p *Printer) Number(n int) string { return p.num.Sprintf("%d", n) }

// Float formats f with prec decimals for the language.
func (p *Printer) Float(f float64, prec int) string { return p.num.Sprintf("%.*f", prec, f) }

// Columns is the width of s on a terminal: a wide (CJK) character takes
// two columns, the others one (a table aligned by it, a bar erased by it).
func Columns(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}
