package main

import (
	"os"
	"reflect"
	"strings"

	"github.com/urfave/cli/v2"

	"openbind/locale"
)

// The help of the commands and flags in a language. The English is the
// app's own (cli.go and each command's file), which README's flag tables
// are tested against; a translation is the catalog's locale.HelpText by a
// key of the command and the flag, and TestHelpTranslated walks the app
// for a translation of each.
//
// Its language: --lang on the command line, else LC_ALL, LC_MESSAGES and
// LANG. Not OPENBIND_LANG: --help reads none of openbind's settings
// (Decision 12), so that no setting can hide the help that explains it;
// the locale variables are the system's language, not a setting of
// openbind, and every program's help follows them.

// helpEnv is the environment the help's language is read from: the locale
// variables only.
func helpEnv(name string) string {
	switch name {
	case "LC_ALL", "LC_MESSAGES", "LANG":
		return os.Getenv(name)
	}
	return ""
}

// helpKeys calls f with the key of every text of the help of app (the
// app's, each command's and each flag's) and a pointer to that text, for
// the texts that are not empty.
func helpKeys(app *cli.App, f func(key string, text *string)) {
	visit := func(key string, s *string) {
		if *s != "" {
			f(key, s)
		}
	}
	flags := func(prefix string, fl []cli.Flag) {
		for _, fg := range fl {
			v := reflect.ValueOf(fg)
			if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
				continue
			}
			name := fg.Names()[0]
			for _, field := range []string{"Usage", "DefaultText"} {
				fv := v.Elem().FieldByName(field)
				if !fv.IsValid() || fv.Kind() != reflect.String || !fv.CanSet() {
					continue
				}
				key := prefix + "--" + name
				if field == "DefaultText" {
					key += ".default"
				}
				visit(key, fv.Addr().Interface().(*string))
			}
		}
	}
	visit("help.usage", &app.Usage)
	visit("help.desc", &app.Description)
	flags("help.", app.Flags)
	for _, c := range app.Commands {
		p := "help." + c.Name + "."
		visit(p+"usage", &c.Usage)
		visit(p+"usagetext", &c.UsageText)
		visit(p+"desc", &c.Description)
		flags(p, c.Flags)
	}
}

// translateHelp puts the help of app in lang, and the headings of
// urfave/cli's templates.
func translateHelp(app *cli.App, lang locale.Lang) {
	if lang == locale.English {
		return
	}
	helpKeys(app, func(key string, text *string) {
		if s, ok := locale.HelpText(lang, key); ok {
			*text = s
		}
	})
	headings := strings.NewReplacer(
		"NAME:", "名称：", "USAGE:", "用法：", "DESCRIPTION:", "说明：", "COMMANDS:", "命令：",
		"GLOBAL OPTIONS:", "全局选项：", "OPTIONS:", "选项：", "VERSION:", "版本：", "CATEGORY:", "类别：",
		"[global options]", "[全局选项]", "command [command options]", "命令 [命令选项]")
	app.CustomAppHelpTemplate = headings.Replace(cli.AppHelpTemplate)
	for _, c := range app.Commands {
		c.CustomHelpTemplate = headings.Replace(cli.CommandHelpTemplate)
	}
}
