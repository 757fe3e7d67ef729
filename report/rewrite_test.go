package report

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Rewrite runs its beforeReplace hooks with the new file complete and the
// old one still in place (on Windows the journal is closed there), and a
// hook's error leaves the old file as it was.
func TestRewriteBeforeReplace(t *testing.T) {
	tests := []struct {
		name    string
		hookErr error
	}{
		{"the hook runs, then the file is replaced", nil},
		{"a failing hook leaves the file", errors.New("cannot close")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "results.csv")
			if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			var atHook string
			err := rewriteFile(path, func(w *Writer) error {
				_, err := w.Write(&Record{Line: 2, AppID: "wx0000000000000001", Status: Created, OpenAppID: "wx00000000000000ff"})
				return err
			}, func() error {
				data, _ := os.ReadFile(path)
				atHook = string(data)
				return tt.hookErr
			})
			if atHook != "old" {
				t.Errorf("at the hook the file held %q, want the old file", atHook)
			}
			data, _ := os.ReadFile(path)
			matches, _ := filepath.Glob(path + ".*.tmp")
			switch {
			case tt.hookErr != nil && (!errors.Is(err, tt.hookErr) || string(data) != "old" || len(matches) > 0):
				t.Errorf("error %v, file %q, temporary files %v", err, data, matches)
			case tt.hookErr == nil && (err != nil || string(data) == "old"):
				t.Errorf("error %v, file %q", err, data)
			}
		})
	}
}

// Journal.Rewrite copies a journal line as it is when the record yielded
// is the one read at its offset with the same line, appid and group, and
// encodes anew anything else (another line, another group, no offset).
func TestJournalRewriteCopiesOrEncodes(t *testing.T) {
	// finished_at in microseconds: what Write would give has milliseconds,
	// so a copied line is told from an encoded one.
	const line = "2,wx0000000000000001,,created,wxf000000000000001,,,1,2026-11-27T03:04:05.678901Z\n"
	tests := []struct {
		name   string
		edit   func(r *Record)
		from   bool // yield the record's offset
		copied bool
	}{
		{"unchanged: copied", func(*Record) {}, true, true},
		{"no offset: encoded", func(*Record) {}, false, false},
		{"another line: encoded", func(r *Record) { r.Line = 7 }, true, false},
		{"another group: encoded", func(r *Record) { r.Group = "m1" }, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, append(headerLine(), line...))
			j, err := OpenJournal(path, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			var off int64
			if _, err := j.Scan(func(_ *Record, o int64) error { off = o; return nil }); err != nil {
				t.Fatal(err)
			}
			tally := NewTally()
			err = j.Rewrite(tally, func(yield func(*Record, int64) error) error {
				rec, err := j.RecordAt(off)
				if err != nil {
					return err
				}
				tt.edit(&rec)
				from := int64(-1)
				if tt.from {
					from = off
				}
				return yield(&rec, from)
			})
			if err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(path)
			body := strings.TrimPrefix(string(data), string(headerLine()))
			if got := body == line; got != tt.copied {
				t.Errorf("copied %v, want %v: %q", got, tt.copied, body)
			}
			if s := tally.Summary(); s.Counts[Created] != 1 {
				t.Errorf("tally %v, want the one created row", s.Counts)
			}
		})
	}
}

// OpenJournal removes the temporary files of a rewrite killed halfway
// (results.csv.NNN.tmp), and only those.
func TestOpenJournalRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "results.csv")
	stale := []string{path + ".123456.tmp", path + ".9.tmp"}
	others := []string{path + ".tmp", path + ".12a.tmp", path + ".bak", filepath.Join(dir, "other.csv.123.tmp")}
	for _, f := range append(append([]string{}, stale...), others...) {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	j, err := OpenJournal(path, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if diff := cmp.Diff(stale, j.RemovedTemps(), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
	for _, f := range stale {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is still there", f)
		}
	}
	for _, f := range others {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s was removed: %v", f, err)
		}
	}
}
