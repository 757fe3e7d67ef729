package job

import (
	"os"
	"path/filepath"
	"testing"
)

// writeFile writes data to name in a new temporary directory.
func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func stateOf(t *testing.T, data string) *state {
	t.Helper()
	st, err := readInput(writeFile(t, "in.csv", data), false)
	if err != nil {
		t.Fatal(err)
	}
	return st
}
