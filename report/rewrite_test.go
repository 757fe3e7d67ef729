package report

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
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
			err := Rewrite(path, func(w *Writer) error {
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
