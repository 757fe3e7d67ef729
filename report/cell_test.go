package report

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
)

// Cells Excel would run, or that carry escape codes, are written safe and
// read back as they were (less their control characters): a group keeps
// its identity across runs.
func TestCellsAreSafe(t *testing.T) {
	cases := []struct {
		in, file, back string
	}{
		{"=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0", "=cmd|' /C calc'!A0"},
		{"+1", "'+1", "+1"},
		{"-1 system error", "'-1 system error", "-1 system error"},
		{"@SUM(A1)", "'@SUM(A1)", "@SUM(A1)"},
		{"'quoted", "''quoted", "'quoted"},
		{"\x1b[2J\x1b[31mred\x1b]0;title\x07", "[2J[31mred]0;title", "[2J[31mred]0;title"},
		{"a\tb\r\nc", "a b c", "a b c"},
		{"\u0085next\u009bline", "nextline", "nextline"},
		{"通泰母婴", "通泰母婴", "通泰母婴"},
		{"plain", "plain", "plain"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			rec := Record{Line: 2, AppID: "wx0000000000000001", Group: c.in, Status: Failed, ErrMsg: c.in, Attempts: 1, FinishedAt: t0}
			data := encode(t, []Record{rec})
			fields, err := csv.NewReader(bytes.NewReader(data[len(BOM):])).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if g, m := fields[1][colGroup], fields[1][colErrMsg]; g != c.file || m != c.file {
				t.Errorf("in the file: group %q errmsg %q, want %q", g, m, c.file)
			}
			for _, r := range string(data) {
				if unicode.IsControl(r) && r != '\n' {
					t.Errorf("control character %U in the file", r)
				}
			}
			d, err := NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			var got Record
			if err := d.Read(&got); err != nil {
				t.Fatal(err)
			}
			if got.Group != c.back || got.ErrMsg != c.back {
				t.Errorf("read back: group %q errmsg %q, want %q", got.Group, got.ErrMsg, c.back)
			}
			if GroupKey(got.Group) != GroupKey(cellText(c.in)) {
				t.Errorf("the group lost its identity")
			}
		})
	}
}

// A summary of a file with hostile errmsgs prints no control character.
func TestSummaryPrintsNoControlCharacter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.csv")
	hostile := "line,appid,group,status,open_appid,errcode,errmsg,attempts,finished_at\n" +
		"2,wx0000000000000001,\"g\x1b[31m\",failed,,-1,\"\x1b[2J\x1b]0;owned\x07 boom\",1,2026-11-27T03:04:05.678Z\n"
	if err := os.WriteFile(path, []byte(hostile), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Summarize(path)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := s.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	for _, r := range out.String() {
		if unicode.IsControl(r) && r != '\n' {
			t.Fatalf("control character %U in:\n%q", r, out.String())
		}
	}
}

func TestGroupKey(t *testing.T) {
	for _, names := range [][]string{
		{"Shop A", "shop a", " SHOP A ", "Ｓｈｏｐ Ａ", "\u200bShop A\u00a0", "shop a\ufeff"},
		{"通泰母婴", " 通泰母婴\u3000"},
	} {
		for _, n := range names[1:] {
			if GroupKey(n) != GroupKey(names[0]) {
				t.Errorf("%q and %q are two groups (%q, %q)", names[0], n, GroupKey(names[0]), GroupKey(n))
			}
		}
	}
	if GroupKey("Shop A") == GroupKey("Shop B") {
		t.Error("two merchants folded into one")
	}
}

// FuzzScan feeds the results-file reader any bytes: it never panics; a
// file it refuses is refused with ErrNotResults or a line-numbered error
// and passes no record; a file it reads passes records whose text cells
// hold no control character; and what a Journal scan leaves behind reads
// again with the same records.
func FuzzScan(f *testing.F) {
	var b bytes.Buffer
	w := NewWriter(&b)
	w.WriteHeader()
	for _, r := range sampleRecords() {
		w.Write(&r)
	}
	f.Add(b.Bytes())
	f.Add(b.Bytes()[:len(b.Bytes())-7])
	f.Add([]byte("my notes"))
	f.Add([]byte("\n\n\n"))
	f.Add([]byte(BOM + "line,appid,gr"))
	f.Add([]byte("status,appid,line\r\ncreated,wx0000000000000001,2\r\n"))
	f.Add([]byte("line,appid,status,notes\n,wx0000000000000001,created,x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "r.csv")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		var first []Record
		_, err := ReadFile(path, func(r *Record, _ int64) error {
			for _, s := range []string{r.AppID, r.Group, r.OpenAppID, r.ErrMsg} {
				if strings.IndexFunc(s, unicode.IsControl) >= 0 {
					t.Fatalf("control character in %q", s)
				}
			}
			first = append(first, *r)
			return nil
		})
		if err != nil {
			return
		}
		j, err := OpenJournal(path, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		var again []Record
		_, err = j.Scan(func(r *Record, _ int64) error { again = append(again, *r); return nil })
		j.Close()
		if err != nil {
			t.Fatalf("ReadFile read it, Journal.Scan says %v", err)
		}
		if len(again) != len(first) {
			t.Fatalf("Scan saw %d records, ReadFile %d", len(again), len(first))
		}
		var third []Record
		if _, err := ReadFile(path, func(r *Record, _ int64) error { third = append(third, *r); return nil }); err != nil {
			t.Fatalf("after Scan: %v", err)
		}
		if len(third) != len(first) {
			t.Fatalf("after Scan the file holds %d records, before %d", len(third), len(first))
		}
	})
}

// A results file re-saved by a spreadsheet as GBK is refused, naming the
// line and column: read as it is, its group names would name other
// merchants (a group split across runs).
func TestResultsInGBKAreRefused(t *testing.T) {
	gbk := []byte("line,appid,group,status,open_appid,errcode,errmsg,attempts,finished_at\n2,wx0000000000000001,\xc9\xcc\xbb\xa7\xbc\xd7,created,wxf000000000000001,,,1,2026-11-27T03:04:05.678Z\n")
	path := filepath.Join(t.TempDir(), "results.csv")
	if err := os.WriteFile(path, gbk, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(path, func(*Record, int64) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "not UTF-8") || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("err = %v", err)
	}
}
