//go:build !windows

// The token command tests run sh scripts; token_windows_test.go has the
// twins for cmd /C.

package job

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"openbind/report"
	"openbind/wechat"
)

// tokenWorld is a world with a token command: it looks the appid up in
// tokens.txt ("appid token" lines) and logs each appid it is asked for.
func tokenWorld(t *testing.T, input, tokens string) (*world, Config, string) {
	t.Helper()
	w := newWorld(t, input)
	dir := filepath.Dir(w.input)
	if err := os.WriteFile(filepath.Join(dir, "tokens.txt"), []byte(tokens), 0o600); err != nil {
		t.Fatal(err)
	}
	asked := filepath.Join(dir, "asked.log")
	cfg := w.config()
	cfg.TokenCommand = `echo "$OPENBIND_APPID" >> ` + asked + `; grep "^$OPENBIND_APPID " ` + filepath.Join(dir, "tokens.txt") + ` | cut -d" " -f2`
	return w, cfg, asked
}

func askedFor(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	asked := strings.Fields(string(data))
	slices.Sort(asked) // the workers ask in any order
	return asked
}

func TestTokenCommand(t *testing.T) {
	const (
		a = "wx0000000000000a01"
		b = "wx0000000000000a02"
	)
	tests := []struct {
		name    string
		rows    string // after the header appid,access_token,scenario
		tokens  string
		command string // replaces the default one when set
		timeout time.Duration
		want    []want
		asked   []string
	}{
		{"empty token cells are filled",
			a + ",,token=FRESH-A\n" + b + ",TB,\n", a + " FRESH-A\n",
			"", 0, []want{{report.Created, 0, 1, true}, {report.Created, 0, 1, true}}, []string{a}},
		{"the access_token column may be absent",
			"", "", "", 0, nil, nil}, // below
		{"a 42001 is answered by a renewed token",
			a + ",TA,expired\n" + b + ",TB,\n", a + " TA-renewed\n",
			"", 0, []want{{report.Created, 0, 2, true}, {report.Created, 0, 1, true}}, []string{a}},
		{"a renewed token that fails again",
			a + ",TA,expired\n", a + " WRONG\n",
			"", 0, []want{{report.Failed, 40001, 2, false}}, []string{a}},
		{"a command that fails",
			a + ",TA,expired\n" + b + ",,token=X\n", "",
			`echo "$OPENBIND_APPID" >> asked.log; echo "no token for $OPENBIND_APPID" >&2; exit 3`, 0,
			[]want{{report.Failed, 42001, 1, false}, {report.Failed, 0, 0, false}}, []string{a, b}},
		{"a command that prints nothing",
			a + ",,token=X\n", "", `echo "$OPENBIND_APPID" >> asked.log`, 0,
			[]want{{report.Failed, 0, 0, false}}, []string{a}},
		{"a command that hangs",
			a + ",,token=X\n", "", `echo "$OPENBIND_APPID" >> asked.log; echo started >&2; sleep 30; echo X`, 300 * time.Millisecond,
			[]want{{report.Failed, 0, 0, false}}, []string{a}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, command := tt.rows, tt.command
			header := "appid,access_token,scenario\n"
			if rows == "" {
				header, rows = "appid,scenario\n", a+",token=FRESH-A\n"
				tt.tokens, tt.want, tt.asked = a+" FRESH-A\n", []want{{report.Created, 0, 1, true}}, []string{a}
			}
			w, cfg, asked := tokenWorld(t, header+rows, tt.tokens)
			if command != "" {
				cfg.TokenCommand = "cd " + filepath.Dir(asked) + " && " + command
			}
			if tt.timeout > 0 {
				cfg.TokenTimeout = tt.timeout
			}
			start := time.Now()
			w.run(t, cfg)
			if tt.timeout > 0 && time.Since(start) > 5*time.Second {
				t.Errorf("the run took %s: the hanging command was not ended", time.Since(start))
			}
			recs := w.results(t)
			var got []want
			for _, r := range recs {
				got = append(got, want{r.Status, r.ErrCode, r.Attempts, r.OpenAppID != "" && r.OpenAppID == w.srv.BoundTo(r.AppID)})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("records (-want +got):\n%s\n%+v", diff, recs)
			}
			if diff := cmp.Diff(tt.asked, askedFor(t, asked)); diff != "" {
				t.Errorf("the command was asked for (-want +got):\n%s", diff)
			}
			for _, r := range recs {
				if r.Status == report.Failed && r.ErrCode == 0 && !strings.HasPrefix(r.ErrMsg, "token command failed: ") {
					t.Errorf("errmsg %q", r.ErrMsg)
				}
			}
			switch tt.name {
			case "a command that fails":
				if recs[0].ErrMsg != "access_token expired; token command failed: exit status 3"+notShown || strings.Contains(recs[0].ErrMsg, "no token for") {
					t.Errorf("errmsg %q", recs[0].ErrMsg)
				}
			case "a command that prints nothing":
				if recs[0].ErrMsg != "token command failed: it printed no token"+notShown {
					t.Errorf("errmsg %q", recs[0].ErrMsg)
				}
			case "a command that hangs":
				if recs[0].ErrMsg != "token command failed: no answer within 300ms"+notShown {
					t.Errorf("errmsg %q", recs[0].ErrMsg)
				}
			}
		})
	}
}

// While the command renews tokens, rows with stale tokens are no streak.
func TestTokenCommandAndTheStaleStreak(t *testing.T) {
	input := plainInput(25, func(int) string { return "expired" })
	w, cfg, _ := tokenWorld(t, input, "")
	// The renewed token of row i (on line i+2) is TOKEN-i-renewed.
	cfg.TokenCommand = `n=$(grep -n "^$OPENBIND_APPID," ` + w.input + ` | cut -d: -f1); echo "TOKEN-$((n-2))-renewed"`
	cfg.Workers = 1
	res := w.run(t, cfg)
	if res.Stopped != nil || res.Summary.Counts[report.Created] != 25 {
		t.Errorf("stopped %v, counts %v", res.Stopped, res.Summary.Counts)
	}
	// A command that cannot renew: the streak stops the run.
	w2, cfg2, _ := tokenWorld(t, input, "")
	cfg2.TokenCommand = "exit 1"
	cfg2.Workers = 1
	res = w2.run(t, cfg2)
	if res.Stopped == nil || !strings.Contains(res.Stopped.Error(), "20 rows in a row failed") {
		t.Errorf("stopped %v", res.Stopped)
	}
}

// echoAPI answers every create with 42001 for the first token, and for any
// other with an errcode whose errmsg echoes the first token: a server that
// quotes a token of the row other than the call's own.
type echoAPI struct{ first string }

func (a echoAPI) Create(_ context.Context, token, _ string) (string, error) {
	if token == a.first {
		return "", &wechat.APIError{Code: wechat.CodeTokenExpired, Msg: "access_token expired"}
	}
	return "", &wechat.APIError{Code: 48001, Msg: "api unauthorized; earlier token " + a.first}
}
func (echoAPI) Get(context.Context, string, string) (string, error) { return "", nil }
func (echoAPI) Bind(context.Context, string, string, string) error  { return nil }

// The row's earlier token, renewed by the token command, is scrubbed from
// what an answer to the renewed call says (Decision 8).
func TestRenewedRowScrubsItsEarlierToken(t *testing.T) {
	const first = "FIRST-TOKEN-of-the-row"
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.csv"), filepath.Join(dir, "results.csv")
	if err := os.WriteFile(in, []byte("appid,access_token\nwx0123456789abcdef,"+first+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Input: in, Output: out, Workers: 1, MaxAttempts: 1, RetryBackoff: time.Millisecond,
		API: echoAPI{first}, TokenCommand: "echo RENEWED-TOKEN"}
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(out)
	if strings.Contains(string(data), first) || !strings.Contains(string(data), "earlier token REDACTED") {
		t.Errorf("results:\n%s", data)
	}
}
