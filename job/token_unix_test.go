//go:build !windows

package job

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A timeout ends what the command started too (its process group), not
// only the shell: the background child would write its marker after the
// timeout otherwise.
func TestTokenCommandTimeoutEndsTheTree(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "late")
	r := &runner{cfg: Config{TokenCommand: `(sleep 1; echo late > ` + marker + `) & sleep 30`, TokenTimeout: 200 * time.Millisecond}}
	if _, err := r.freshToken(context.Background(), "wx0000000000000a01"); err == nil {
		t.Fatal("a hanging command gave a token")
	}
	time.Sleep(1500 * time.Millisecond)
	if _, err := os.Stat(marker); err == nil {
		t.Error("the command's background child outlived the timeout")
	}
}
