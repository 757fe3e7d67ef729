package job

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// job, and so report and wechat below it, does not pull in the metrics
// libraries: only the command line writes the Prometheus textfile
// (report/promfile).
func TestNoPrometheusBelowTheCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH")
	}
	out, err := exec.Command(gobin, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 || !slices.Contains(deps, "openbind/report") {
		t.Fatalf("go list -deps gave %d packages, without openbind/report: %q", len(deps), out)
	}
	for _, p := range deps {
		if strings.Contains(p, "prometheus") || strings.Contains(p, "google.golang.org/protobuf") {
			t.Errorf("job depends on %s", p)
		}
	}
}
