package locale

import (
	"errors"
	"fmt"
	"testing"
)

// located is an error with a position of its own around a message, as
// job's InputError is.
type located struct{ err error }

func (e *located) Error() string           { return "f.csv:2:3: " + e.err.Error() }
func (e *located) Local(p *Printer) string { return "f.csv:2:3: " + p.Error(e.err) }

// A Message's Error is its English whatever the language; Printer.Error
// says it, its error arguments, a Localizer and a %w chain around either
// in the printer's language, and any other error as it is.
func TestMessageError(t *testing.T) {
	sys := errors.New("open x: permission denied")
	held := Errorf("lock.held", "r.csv", "r.csv.lock")
	for _, c := range []struct {
		name   string
		err    error
		en, zh string
	}{
		{"message", held, "r.csv is locked by another run (lock file r.csv.lock); nothing was done", "r.csv 正被另一次运行锁定（锁文件 r.csv.lock）；什么也没有做"},
		{"message of a message", Errorf("usage.see", Errorf("usage.unexpected", "x"), "openbind run"), `unexpected argument "x" (see openbind run --help)`, `多余的参数 "x"（见 openbind run --help）`},
		{"system error kept", Errorf("want.dir_usable", sys), "want a directory openbind can use: open x: permission denied", "应是 openbind 能使用的目录：open x: permission denied"},
		{"localizer", &located{Errorf("input.field_count", 2)}, "f.csv:2:3: wrong number of fields (the header has 2)", "f.csv:2:3: 字段数不对（表头有 2 列）"},
		{"wrapped", fmt.Errorf("--verify: %w", held), "--verify: r.csv is locked by another run (lock file r.csv.lock); nothing was done", "--verify: r.csv 正被另一次运行锁定（锁文件 r.csv.lock）；什么也没有做"},
		{"other error", sys, sys.Error(), sys.Error()},
		{"nil", nil, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.err != nil && c.err.Error() != c.en {
				t.Errorf("Error() = %q, want %q", c.err.Error(), c.en)
			}
			if got := English.Printer().Error(c.err); got != c.en {
				t.Errorf("en: %q, want %q", got, c.en)
			}
			if got := Chinese.Printer().Error(c.err); got != c.zh {
				t.Errorf("zh-CN: %q, want %q", got, c.zh)
			}
		})
	}
	if got := Chinese.Printer().Errorln(held); got != "openbind: r.csv 正被另一次运行锁定（锁文件 r.csv.lock）；什么也没有做\n" {
		t.Errorf("Errorln: %q", got)
	}
}

// A Message is a sentinel by identity, as errors.New's are.
func TestMessageIs(t *testing.T) {
	m := Errorf("want.required")
	if !errors.Is(fmt.Errorf("x: %w", m), m) || errors.Is(Errorf("want.required"), m) {
		t.Error("Is")
	}
}
