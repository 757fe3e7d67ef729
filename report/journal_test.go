package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 11, 27, 3, 4, 5, 678e6, time.UTC)

func sampleRecords() []Record {
	return []Record{
		{Line: 2, AppID: "wx0000000000000001", Status: Created, OpenAppID: "wxf000000000000001", Attempts: 1, FinishedAt: t0},
		{Line: 3, AppID: "wx0000000000000002", Group: "m, \"one\"", Status: AlreadyBound, OpenAppID: "wxf000000000000002", ErrCode: 89000, ErrMsg: "account has bound open", Attempts: 2, FinishedAt: t0},
		{Line: 4, AppID: "wx0000000000000003", Status: Failed, ErrCode: -1, ErrMsg: "system error", Attempts: 5, FinishedAt: t0},
		{Line: 5, AppID: "wxbad", Status: Invalid, ErrMsg: "invalid appid: want wx followed by 16 lowercase hex digits"},
		{Line: 6, AppID: "wx0000000000000004", Status: Pending, ErrMsg: "run stopped between retries; last: HTTP 502", Attempts: 1},
	}
}

func encode(t *testing.T, recs []Record) []byte {
	t.Helper()
	var b bytes.Buffer
	w := NewWriter(&b)
	if _, err := w.WriteHeader(); err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		if _, err := w.Write(&recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

type seen struct {
	Rec Record
	Off int64
}

func scanFile(t *testing.T, path string) ([]seen, ScanInfo) {
	t.Helper()
	j, err := OpenJournal(path, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var got []seen
	info, err := j.Scan(func(r *Record, off int64) error {
		got = append(got, seen{*r, off})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, info
}

func records(s []seen) []Record {
	if len(s) == 0 {
		return nil
	}
	out := make([]Record, len(s))
	for i := range s {
		out[i] = s[i].Rec
	}
	return out
}

func writeTemp(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "results.csv")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestWriterOneLinePerRecord(t *testing.T) {
	rec := Record{Line: 2, AppID: "wx0000000000000001", Status: Failed, ErrCode: 47001, ErrMsg: "data\r\nformat\nerror", Attempts: 1, FinishedAt: t0}
	data := encode(t, []Record{rec})
	if n := bytes.Count(data, []byte("\n")); n != 2 {
		t.Fatalf("%d lines, want 2:\n%s", n, data)
	}
	if !bytes.Contains(data, []byte(",47001,data format error,1,2026-11-27T03:04:05.678Z\n")) {
		t.Errorf("record line:\n%s", data)
	}
}

func TestJournalScan(t *testing.T) {
	recs := sampleRecords()
	whole := encode(t, recs)
	lastStart := int64(bytes.LastIndexByte(whole[:len(whole)-1], '\n') + 1)
	tests := []struct {
		name      string
		data      []byte
		want      []Record
		wantTorn  int64
		wantBytes []byte // the file after Scan
	}{
		{"whole", whole, recs, 0, whole},
		{"torn inside the last record", whole[:lastStart+10], recs[:4], 10, whole[:lastStart]},
		{"torn just before the last newline of a done record", append(encode(t, recs[:1]), encode(t, recs[2:3])[len(headerLine()):len(encode(t, recs[2:3]))-5]...), recs[:1], int64(len(encode(t, recs[2:3])) - len(headerLine()) - 5), encode(t, recs[:1])},
		{"last newline missing, record whole", whole[:len(whole)-1], recs, 0, whole},
		{"NUL bytes after a power cut", append(append([]byte{}, whole...), make([]byte, 300)...), recs, 300, whole},
		{"torn header", []byte("line,appid,gro"), nil, 14, headerLine()},
		{"empty", nil, nil, 0, headerLine()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, tt.data)
			got, info := scanFile(t, path)
			if diff := cmp.Diff(tt.want, records(got)); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			if info.TornBytes != tt.wantTorn {
				t.Errorf("TornBytes = %d, want %d", info.TornBytes, tt.wantTorn)
			}
			after, _ := os.ReadFile(path)
			if diff := cmp.Diff(string(tt.wantBytes), string(after)); diff != "" {
				t.Errorf("file after Scan (-want +got):\n%s", diff)
			}
			// A second scan finds the file clean.
			again, info2 := scanFile(t, path)
			if info2.TornBytes != 0 || len(again) != len(tt.want) {
				t.Errorf("second scan: %d records, %d torn bytes", len(again), info2.TornBytes)
			}
		})
	}
}

func TestJournalCorruptMiddle(t *testing.T) {
	data := encode(t, sampleRecords())
	data = bytes.Replace(data, []byte("created"), []byte("creatde"), 1)
	j, err := OpenJournal(writeTemp(t, data), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	_, err = j.Scan(func(*Record, int64) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "line 2, column 23 (status)") {
		t.Fatalf("error %v, want it to name line 2, the status column", err)
	}
}

func TestReaderByHeaderName(t *testing.T) {
	data := "Status,extra,APPID,line,open_appid,finished_at\n" +
		"created,x,wx0000000000000001,7,wxf000000000000001,2026-11-27T03:04:05Z\n"
	d, err := NewReader(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if d.Canonical() {
		t.Error("Canonical() = true for a reordered header")
	}
	var rec Record
	if err := d.Read(&rec); err != nil {
		t.Fatal(err)
	}
	want := Record{Line: 7, AppID: "wx0000000000000001", Status: Created, OpenAppID: "wxf000000000000001", FinishedAt: time.Date(2026, 11, 27, 3, 4, 5, 0, time.UTC)}
	if diff := cmp.Diff(want, rec); diff != "" {
		t.Error(diff)
	}
	if _, err := NewReader(strings.NewReader("line,appid\n")); err == nil {
		t.Error("a header without status was accepted")
	}
}

func TestAppendAndRecordAt(t *testing.T) {
	recs := sampleRecords()
	path := writeTemp(t, encode(t, recs[:2]))
	j, err := OpenJournal(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	var offs []int64
	if _, err := j.Scan(func(_ *Record, off int64) error { offs = append(offs, off); return nil }); err != nil {
		t.Fatal(err)
	}
	for i := 2; i < len(recs); i++ {
		off, err := j.Append(&recs[i])
		if err != nil {
			t.Fatal(err)
		}
		offs = append(offs, off)
	}
	if err := j.Flush(); err != nil {
		t.Fatal(err)
	}
	// Out of order, and twice, as a rewrite asks.
	for _, i := range []int{4, 0, 3, 1, 2, 2, 0} {
		got, err := j.RecordAt(offs[i])
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(recs[i], got); diff != "" {
			t.Errorf("RecordAt(%d) (-want +got):\n%s", offs[i], diff)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !bytes.Equal(data, encode(t, recs)) {
		t.Errorf("file:\n%s", data)
	}
}

func TestAppendRefusesForeignLayout(t *testing.T) {
	path := writeTemp(t, []byte("appid,status\nwx0000000000000001,created\n"))
	j, err := OpenJournal(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, err := j.Scan(func(*Record, int64) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append(&Record{Status: Created}); err != ErrNotCanonical {
		t.Errorf("Append = %v, want ErrNotCanonical", err)
	}
}

func TestRewrite(t *testing.T) {
	recs := sampleRecords()
	path := writeTemp(t, []byte("old\n"))
	err := rewriteFile(path, func(w *Writer) error {
		for i := range recs {
			if _, err := w.Write(&recs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !bytes.Equal(data, encode(t, recs)) {
		t.Errorf("rewritten:\n%s", data)
	}
	// A failing fill leaves the file as it was, and no temporary file.
	err = rewriteFile(path, func(w *Writer) error { return os.ErrInvalid })
	if err != os.ErrInvalid {
		t.Fatalf("Rewrite = %v", err)
	}
	after, _ := os.ReadFile(path)
	entries, _ := os.ReadDir(filepath.Dir(path))
	if !bytes.Equal(after, data) || len(entries) != 1 {
		t.Errorf("after a failed rewrite: %d files, content changed: %v", len(entries), !bytes.Equal(after, data))
	}
}

func TestSummarizeLastRecordPerLineWins(t *testing.T) {
	recs := sampleRecords()
	// A killed run's journal: the final file, then rows appended after it.
	later := []Record{
		{Line: 6, AppID: "wx0000000000000004", Status: Created, OpenAppID: "wxf000000000000004", Attempts: 1, FinishedAt: t0},
		{Line: 4, AppID: "wx0000000000000003", Status: Created, OpenAppID: "wxf000000000000003", Attempts: 1, FinishedAt: t0},
	}
	data := append(encode(t, recs), encode(t, later)[len(headerLine()):]...)
	s, err := Summarize(writeTemp(t, data))
	if err != nil {
		t.Fatal(err)
	}
	want := map[Status]int{Created: 3, AlreadyBound: 1, Invalid: 1}
	if diff := cmp.Diff(want, s.Counts); diff != "" || s.Rows != 5 {
		t.Errorf("rows %d, counts (-want +got):\n%s", s.Rows, diff)
	}
}

// The Writer's own encoding reads back, through encoding/csv, as the
// record it was given, whatever the fields hold.
func TestWriterRoundTrip(t *testing.T) {
	odd := []string{"", " lead", "trail ", "a,b", `say "hi"`, "\\.", `\.`, "tab\tin", "\tlead", "line\nbreak", "cr\rhere", "中文,逗号", "=1+1", "'", `""`}
	for _, s := range odd {
		rec := Record{Line: 7, AppID: s, Group: s, Status: Failed, OpenAppID: s, ErrCode: -1, ErrMsg: s, Attempts: 3, FinishedAt: t0}
		data := encode(t, []Record{rec})
		if n := strings.Count(string(data), "\n"); n != 2 {
			t.Errorf("%q: %d lines", s, n)
		}
		d, err := NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		var got Record
		if err := d.Read(&got); err != nil {
			t.Fatalf("%q: %v\n%s", s, err, data)
		}
		want := rec
		want.AppID, want.Group, want.OpenAppID, want.ErrMsg = strings.TrimSpace(cellText(s)), strings.TrimSpace(cellText(s)), strings.TrimSpace(cellText(s)), strings.TrimSpace(cellText(s))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%q (-want +got):\n%s", s, diff)
		}
	}
}

func TestAppendTime(t *testing.T) {
	for _, tt := range []time.Time{
		t0,
		time.Date(2026, 1, 2, 3, 4, 5, 999999999, time.UTC),
		time.Date(2026, 12, 31, 23, 59, 59, 0, time.FixedZone("CST", 8*3600)),
		time.Date(1, 1, 1, 0, 0, 0, 1e6, time.UTC),
		time.Date(12345, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		if got, want := string(appendTime(nil, tt)), tt.UTC().Format(TimeFormat); got != want {
			t.Errorf("appendTime(%v) = %s, want %s", tt, got, want)
		}
	}
}
