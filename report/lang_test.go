package report

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"openbind/locale"
)

// golden compares got with testdata/name, rewritten with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test ./report -run %s -update to accept it):\n%s", path, t.Name(), got)
	}
}

// The summary of a results file, of a run, and the sign-off page, in
// each language, byte for byte.
func TestGoldenByLanguage(t *testing.T) {
	for _, lang := range locale.Langs {
		t.Run(lang.String(), func(t *testing.T) {
			s, err := Summarize(filepath.Join("testdata", "results.csv"))
			if err != nil {
				t.Fatal(err)
			}
			s.File = "results.csv"
			var text, page, run bytes.Buffer
			if err := s.WriteTextIn(&text, lang); err != nil {
				t.Fatal(err)
			}
			golden(t, "report."+lang.String()+".golden.txt", text.Bytes())
			if err := s.WriteHTML(&page, PageOptions{Input: "wave3.csv", Lang: lang}); err != nil {
				t.Fatal(err)
			}
			golden(t, "report."+lang.String()+".golden.html", page.Bytes())
			r := sampleSummary()
			r.Run = &Run{Sent: 27, Calls: 41, Retries: 14, Elapsed: 2500 * time.Millisecond, Latency: [3]float64{0.012, 0.2, 0.9}, Stopped: "",
				Failovers: Failovers{Count: 2, First: t0, Last: t0.Add(time.Second), From: "https://api.weixin.qq.com", To: "https://api2.weixin.qq.com"},
				Notes:     []string{"a note"}}
			if err := r.WriteTextIn(&run, lang); err != nil {
				t.Fatal(err)
			}
			golden(t, "summary."+lang.String()+".golden.txt", run.Bytes())
		})
	}
}

// The English page is the page of WriteHTML without a language.
func TestPageDefaultsToEnglish(t *testing.T) {
	s, _ := Summarize(filepath.Join("testdata", "results.csv"))
	var a, b bytes.Buffer
	_ = s.WriteHTML(&a, PageOptions{})
	_ = s.WriteHTML(&b, PageOptions{Lang: locale.English})
	if !bytes.Equal(a.Bytes(), b.Bytes()) || !bytes.Contains(a.Bytes(), []byte(`<html lang="en">`)) {
		t.Error("a page without a language is not the English page")
	}
	var zh bytes.Buffer
	_ = s.WriteHTML(&zh, PageOptions{Lang: locale.Chinese})
	if !bytes.Contains(zh.Bytes(), []byte(`<html lang="zh-CN">`)) || bytes.Contains(zh.Bytes(), []byte("!(")) {
		t.Error(`the Chinese page has no <html lang="zh-CN">, or a missing message`)
	}
}
