package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// README's flag tables and --help agree: every table marked
// "<!-- flags: CMD -->" lists exactly the flags `openbind CMD --help`
// shows, each with the default the help shows (a backticked value; empty
// for none, or for a switch that is off).
func TestREADMEFlagTablesMatchHelp(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	tables := readmeFlagTables(string(readme))
	for _, cmd := range []string{"run", "serve-fake", "demo", "report"} {
		if _, ok := tables[cmd]; !ok {
			t.Errorf("README has no flag table of %s (<!-- flags: %s --> before it)", cmd, cmd)
		}
	}
	for cmd, table := range tables {
		t.Run(cmd, func(t *testing.T) {
			if diff := cmp.Diff(helpDefaults(t, cmd), table); diff != "" {
				t.Errorf("README's flags of %s (+) differ from --help (-):\n%s", cmd, diff)
			}
		})
	}
}

// readmeFlagTables reads each marked table: flag name → default cell.
func readmeFlagTables(readme string) map[string]map[string]string {
	tables := map[string]map[string]string{}
	marker := regexp.MustCompile(`^<!-- flags: ([a-z-]+) -->$`)
	row := regexp.MustCompile("^\\| `--([a-z-]+)` \\|([^|]*)\\|")
	var cur map[string]string
	for _, line := range strings.Split(readme, "\n") {
		if m := marker.FindStringSubmatch(line); m != nil {
			cur = map[string]string{}
			tables[m[1]] = cur
			continue
		}
		if cur == nil {
			continue
		}
		if !strings.HasPrefix(line, "|") && line != "" {
			cur = nil // the table ended
			continue
		}
		if m := row.FindStringSubmatch(line); m != nil {
			cur[m[1]] = strings.Trim(strings.TrimSpace(m[2]), "`")
		}
	}
	return tables
}

// helpDefaults reads `openbind CMD --help`: flag name → default shown.
func helpDefaults(t *testing.T, cmd string) map[string]string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"openbind", cmd, "--help"}, &out, &errOut); code != 0 {
		t.Fatalf("%s --help: exit %d\n%s", cmd, code, errOut.String())
	}
	flagLine := regexp.MustCompile(`^\s+--([a-z-]+)(?:, -[a-z])?\b.*?\s{2,}(.*)$`)
	def := regexp.MustCompile(`\(default: ([^)]*)\)`)
	got := map[string]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		m := flagLine.FindStringSubmatch(line)
		if m == nil || m[1] == "help" {
			continue
		}
		d := ""
		if all := def.FindAllStringSubmatch(m[2], -1); len(all) > 0 {
			d = strings.Trim(all[len(all)-1][1], `"`)
		}
		if d == "false" {
			d = "" // a switch, off
		}
		got[m[1]] = d
	}
	if len(got) == 0 {
		t.Fatalf("no flags in %s --help:\n%s", cmd, out.String())
	}
	return got
}

// The help names each flag once with its default: the table test above
// relies on it.
func TestHelpShowsOneDefaultPerFlag(t *testing.T) {
	for _, cmd := range []string{"run", "serve-fake", "demo", "report"} {
		var out bytes.Buffer
		run(context.Background(), []string{"openbind", cmd, "--help"}, &out, &out)
		for _, line := range strings.Split(out.String(), "\n") {
			if strings.Count(line, "(default: ") > 1 {
				t.Errorf("%s --help: %q shows two defaults", cmd, line)
			}
		}
		if !slices.ContainsFunc(strings.Split(out.String(), "\n"), func(l string) bool { return strings.Contains(l, "--help") }) {
			t.Errorf("%s --help has no --help line", cmd)
		}
	}
}
