package report

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
)

// FuzzAppendField checks appendField, which builds each record's line in
// one buffer, against encoding/csv's Writer: the same bytes for any field.
func FuzzAppendField(f *testing.F) {
	for _, s := range []string{"", "plain", "a,b", `say "hi"`, "two\nlines", "cr\r", " lead", "\tlead", `\.`, "trail ", "中文,\"", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		if err := w.Write([]string{s, "x"}); err != nil {
			t.Skip() // a field csv refuses (not UTF-8 in a way it checks)
		}
		w.Flush()
		want := strings.TrimSuffix(buf.String(), ",x\n")
		if got := string(appendField(nil, s)); got != want {
			t.Fatalf("appendField(%q) = %q, encoding/csv writes %q", s, got, want)
		}
	})
}

// FuzzCursorSplit checks cursor.split, which RecordLineAt tries before the
// CSV parser, against encoding/csv's Reader: when it takes a line, its
// fields are the parser's.
func FuzzCursorSplit(f *testing.F) {
	for _, s := range []string{"a,b,c\n", "1,wx0123456789abcdef,,created,wxf000000000000001,,,1,2026-11-27T03:04:05.678Z\n", ",,\n", "a,\"b\",c\n", "a,b\r\n", "a,b", "\n", " a , b ,c\n"} {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, line string, n int) {
		if strings.IndexByte(line, '\n') != len(line)-1 {
			return // cursor.line gives split one line, up to its first newline
		}
		if n < 2 {
			return // a results file has two columns at least (appid, status)
		}
		var c cursor
		got, ok := c.split([]byte(line), n)
		if !ok {
			return // the parser reads it
		}
		cr := csv.NewReader(strings.NewReader(line))
		cr.FieldsPerRecord = -1
		want, err := cr.Read()
		if err != nil {
			t.Fatalf("split(%q) took a line csv refuses: %v", line, err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("split(%q) = %q, encoding/csv reads %q", line, got, want)
		}
	})
}
