package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"openbind/job"
	"openbind/locale"
)

// Every text of the help (the app's, each command's, each flag's usage
// and default) has a Chinese translation, and every translation is of a
// text the help has.
func TestHelpTranslated(t *testing.T) {
	app := newApp(io.Discard, io.Discard)
	withLang(app)
	var keys []string
	shared := map[string]string{} // a shared key → the English it translates
	helpKeys(app, func(key string, text *string) {
		keys = append(keys, key)
		if _, ok := locale.HelpText(locale.Chinese, key); !ok {
			t.Errorf("no Chinese help %q (English %q)", key, *text)
		}
		if !slices.Contains(locale.HelpKeys(locale.Chinese), key) {
			// Translated by help.--<flag>: every command's English of it
			// must be the same.
			k := locale.SharedHelpKey(key)
			keys = append(keys, k)
			if en, ok := shared[k]; ok && en != *text {
				t.Errorf("%s translates two English texts: %q and %q (%s); give %s its own", k, en, *text, key, key)
			}
			shared[k] = *text
		}
	})
	for _, k := range locale.HelpKeys(locale.Chinese) {
		if !slices.Contains(keys, k) {
			t.Errorf("Chinese help %q is of no text of the help", k)
		}
	}
}

// --lang zh-CN, or LANG=zh_CN.UTF-8, gives the help in Chinese, flags and
// headings; OPENBIND_LANG does not (--help reads no setting of openbind's).
func TestHelpInChinese(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		env  map[string]string
		zh   bool
	}{
		{"--lang", []string{"openbind", "run", "--help", "--lang", "zh-CN"}, nil, true},
		{"LANG", []string{"openbind", "run", "--help"}, map[string]string{"LANG": "zh_CN.UTF-8"}, true},
		{"--lang over LANG", []string{"openbind", "--lang", "en", "run", "--help"}, map[string]string{"LANG": "zh_CN.UTF-8"}, false},
		{"not OPENBIND_LANG", []string{"openbind", "run", "--help"}, map[string]string{"OPENBIND_LANG": "zh-CN"}, false},
		{"app", []string{"openbind", "--help", "--lang=zh-CN"}, nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			var out strings.Builder
			if code := run(t.Context(), c.args, &out, io.Discard); code != 0 {
				t.Fatalf("exit %d", code)
			}
			zh := strings.Contains(out.String(), "选项：") && strings.Contains(out.String(), "--lang")
			if zh != c.zh {
				t.Errorf("Chinese %v, want %v:\n%s", zh, c.zh, out.String())
			}
		})
	}
}

// The ranges the help states (English and Chinese) are those Validate and
// checkProgressFlags hold to.
func TestHelpStatesTheBounds(t *testing.T) {
	ranges := map[string]string{
		"--qps":               fmt.Sprintf("%v 到 %v", job.MinQPS, job.MaxQPS),
		"--burst":             fmt.Sprintf("1 到 %d", job.MaxWorkers),
		"--workers":           fmt.Sprintf("1 到 %d", job.MaxWorkers),
		"--max-attempts":      fmt.Sprintf("1 到 %d", job.MaxAttemptsMost),
		"--progress-interval": job.DurationText(minProgressInterval) + " 到 " + job.DurationText(maxProgressInterval),
	}
	for flag, field := range map[string]string{"--timeout": "Timeout", "--retry-backoff": "RetryBackoff", "--token-timeout": "TokenTimeout", "--minute-quota-pause": "QuotaPause"} {
		least, most, _ := job.DurationBounds(field)
		ranges[flag] = job.DurationText(least) + " 到 " + job.DurationText(most)
	}
	for flag, zh := range ranges {
		en := strings.Replace(zh, " 到 ", " to ", 1)
		for _, f := range runFlags() {
			if f.Names()[0] == flag[2:] && !strings.Contains(f.(cli.DocGenerationFlag).GetUsage(), en) {
				t.Errorf("%s's help does not say %q", flag, en)
			}
		}
		if text, _ := locale.HelpText(locale.Chinese, "help."+flag); !strings.Contains(text, zh) {
			t.Errorf("%s's Chinese help does not say %q", flag, zh)
		}
	}
}
