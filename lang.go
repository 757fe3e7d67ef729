package main

import (
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"openbind/locale"
)

// langFlag is --lang, a flag of the app and of every command (before or
// after the command's name).
func langFlag() cli.Flag {
	return &cli.StringFlag{Name: "lang", Usage: "the language of what openbind writes for people: en or zh-CN (results, JSON and metrics are the same in both)",
		DefaultText: "from LC_ALL, LC_MESSAGES, LANG", EnvVars: envVar("lang")}
}

// withLang gives the app and each of its commands --lang, checked before
// the command acts: a --lang that is neither language is a usage error.
func withLang(app *cli.App) {
	app.Flags = append(app.Flags, langFlag())
	for _, c := range app.Commands {
		c.Flags = append(c.Flags, langFlag())
		before := c.Before
		c.Before = func(c *cli.Context) error {
			if _, err := langOf(c); err != nil {
				return err
			}
			if before != nil {
				return before(c)
			}
			return nil
		}
	}
}

// langOf is the language of the command: the last --lang of the command
// line (before or after the command's name), else OPENBIND_LANG, else
// LC_ALL, LC_MESSAGES, LANG. A flag always wins over its variable, and a
// bad value is named as the user gave it (badChoice). Help reads none of
// them (Decision 12): its flags have no environment then, and it does not
// call langOf.
func langOf(c *cli.Context) (locale.Lang, error) {
	args, _ := c.App.Metadata[argsKey].([]string)
	if v, ok := langArg(args); ok && v != "" {
		l, err := locale.Parse(v)
		if err != nil {
			return l, locale.Errorf("setting.quoted", "--lang", v, locale.Errorf("want.lang"))
		}
		return l, nil
	}
	// The flag's value here is OPENBIND_LANG's (none when help or version
	// strip the variables: withoutEnv), or, without args, the flag's.
	for _, x := range c.Lineage() {
		if v := x.String("lang"); v != "" {
			l, err := locale.Parse(v)
			if err != nil {
				if raw, env := fromEnvironment(c, "lang"); env {
					return l, locale.Errorf("setting.env", envVar("lang")[0], raw, locale.Errorf("want.lang"))
				}
				return l, locale.Errorf("setting.quoted", "--lang", v, locale.Errorf("want.lang"))
			}
			return l, nil
		}
	}
	return locale.FromEnv(os.Getenv), nil
}

// langOfArgs is the language of the command line args before it is
// parsed (its errors, the signal notices, the help): the last --lang of
// args that is a language, else OPENBIND_LANG, else LC_ALL, LC_MESSAGES,
// LANG, all read by getenv. The help passes a getenv that has no
// OPENBIND_LANG (helpEnv).
func langOfArgs(args []string, getenv func(string) string) locale.Lang {
	if v, ok := langArg(args); ok {
		if l, err := locale.Parse(v); err == nil {
			return l
		}
	}
	if v := getenv("OPENBIND_LANG"); v != "" {
		if l, err := locale.Parse(v); err == nil {
			return l
		}
	}
	return locale.FromEnv(getenv)
}

// langArg is the value of the last --lang (-lang, --lang=V) of args,
// before a "--".
func langArg(args []string) (v string, ok bool) {
	for i := 1; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		name, val, eq := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "lang" {
			continue
		}
		if eq {
			v, ok = val, true
		} else if i+1 < len(args) {
			v, ok = args[i+1], true
			i++
		}
	}
	return v, ok
}

// lang is langOf once withLang's check has passed.
func lang(c *cli.Context) locale.Lang {
	l, _ := langOf(c)
	return l
}
