package main

import (
	"go/build"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The packages depend downward only, as README's "Layout" draws them:
// main → job → {wechat, ratelimit, report} → {errcode, locale}, report and
// wechat knowing nothing of each other, errcode and locale nothing of the
// project. A package not in the table fails the test until it is placed.
func TestPackageGraph(t *testing.T) {
	may := map[string][]string{
		".":                   {"job", "locale", "ratelimit", "report", "report/promfile", "wechat", "wechat/errcode", "wechat/wechattest"},
		"job":                 {"ratelimit", "report", "wechat", "wechat/errcode", "locale"},
		"wechat":              {"wechat/errcode"},
		"wechat/wechattest":   {"wechat", "wechat/errcode"},
		"report":              {"wechat/errcode", "locale"},
		"report/promfile":     {"report"},
		"ratelimit":           {},
		"wechat/errcode":      {},
		"locale":              {},
		"scripts/bench":       {"wechat/wechattest", "wechat"},
		"scripts/release":     {},
		"testdata/inputs/gen": {},
	}
	for dir, allowed := range may {
		pkg, err := build.ImportDir(filepath.FromSlash(dir), 0)
		if err != nil {
			t.Errorf("%s: %v", dir, err)
			continue
		}
		for _, imp := range pkg.Imports {
			rest, ok := strings.CutPrefix(imp, "openbind/")
			if ok && !slices.Contains(allowed, rest) {
				t.Errorf("%s imports %s, which it may not (it may: %v)", dir, imp, allowed)
			}
		}
	}
	// Every package of the module has its place in the table.
	matches, _ := filepath.Glob("*/*.go")
	more, _ := filepath.Glob("*/*/*.go")
	for _, f := range append(matches, more...) {
		dir := filepath.ToSlash(filepath.Dir(f))
		if strings.HasPrefix(dir, "testdata/") && dir != "testdata/inputs/gen" || strings.Contains(dir, "/testdata") {
			continue
		}
		if _, ok := may[dir]; !ok {
			t.Errorf("package %s has no place in the layout's table", dir)
		}
	}
}
