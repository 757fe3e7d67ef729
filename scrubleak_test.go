package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// uriComponent is s as JS encodeURIComponent and Python quote(s, safe="")
// write it (space as %20, + as %2B), hex digits in the case of format.
func uriComponent(s, format string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, format, c)
		}
	}
	return b.String()
}

// echoForms are the forms of a token the echoing server of
// TestNoPieceOfTokenInAnyOutput answers with, and that no output may hold.
var echoForms = []func(string) string{
	func(s string) string { return s },
	func(s string) string { return uriComponent(s, "%%%02X") },
	func(s string) string { return uriComponent(s, "%%%02x") },
	func(s string) string { return uriComponent(uriComponent(s, "%%%02X"), "%%%02X") },
	url.QueryEscape,
	url.PathEscape,
	func(s string) string { b, _ := json.Marshal(s); return string(b[1 : len(b)-1]) },
}

// A server that echoes the token of the call in RFC 3986 escaping (once,
// twice, in either case of hex), and a proxy that echoes the first and the
// last 20 characters of it (a URL cut short) — errcode 40001, as WeChat's
// gateway does: no piece of 16 characters of any token, in any of these
// forms, is in the results file, stdout or stderr of the run, at
// --log-level debug in text and JSON, nor in what report writes.
func TestNoPieceOfTokenInAnyOutput(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := []rune(r.URL.Query().Get("access_token"))
		var parts []string
		for _, f := range echoForms {
			parts = append(parts, f(string(tok)))
		}
		parts = append(parts, string(tok[:20])+"...", "..."+string(tok[len(tok)-20:]))
		msg, _ := json.Marshal("invalid credential, access_token is invalid: " + strings.Join(parts, " | "))
		fmt.Fprintf(w, `{"errcode":40001,"errmsg":%s}`, msg)
	}))
	defer srv.Close()
	bin := openbindBin(t)
	dir := t.TempDir()
	input, output, output2 := filepath.Join(dir, "accounts.csv"), filepath.Join(dir, "results.csv"), filepath.Join(dir, "results2.csv")
	var tokens []string
	csv := "appid,access_token\n"
	for i := range 3 {
		tok := fmt.Sprintf("SECRETtok%%41+b c令牌_%d9f8e7d6c5b4a39281706f5e4d3c2b1a0", i)
		tokens = append(tokens, tok)
		csv += fmt.Sprintf("wx%016x,%s\n", 0xa000+i, tok)
	}
	if err := os.WriteFile(input, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	var outputs []string
	for _, args := range [][]string{
		{"run", "--input", input, "--output", output, "--base-url", srv.URL, "--qps", "0", "--log-level", "debug", "--max-attempts", "2", "--retry-backoff", "1ms"},
		{"run", "--input", input, "--output", output2, "--base-url", srv.URL, "--qps", "0", "--log-level", "debug", "--log-format", "json", "--max-attempts", "2", "--retry-backoff", "1ms"},
		{"report", output},
		{"report", "--format", "json", output},
		{"report", "--format", "html", output},
	} {
		cmd := exec.Command(bin, args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		_ = cmd.Run()
		outputs = append(outputs, stdout.String(), stderr.String())
	}
	results, err := os.ReadFile(output)
	if err != nil {
		t.Fatal(err)
	}
	results2, err := os.ReadFile(output2)
	if err != nil {
		t.Fatal(err)
	}
	results = append(results, results2...)
	if !strings.Contains(string(results), "REDACTED") {
		t.Fatalf("no errmsg echoed the token: the test proves little\n%s", results)
	}
	all := strings.Join(append(outputs, string(results)), "\n")
	for _, tok := range tokens {
		r := []rune(tok)
		for i := 0; i+16 <= len(r); i++ {
			for _, f := range echoForms {
				if piece := f(string(r[i : i+16])); strings.Contains(all, piece) {
					t.Errorf("the outputs hold %q of %q", piece, tok)
				}
			}
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("outputs:\n%s", all)
	}
}
