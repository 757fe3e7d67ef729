package job

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"openbind/report"
	"openbind/wechat/wechattest"
)

// groupRow is what a test checks of a grouped row.
type groupRow struct {
	Status  report.Status
	ErrCode int
	Open    string // "G": the group's open account (the first row's); "own": its own; "": none
}

// checkGroups runs w and compares each row with want, by line order.
func checkGroups(t *testing.T, w *world, want []groupRow) []report.Record {
	t.Helper()
	recs := w.results(t)
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d", len(recs), len(want))
	}
	var got []groupRow
	groupOpen := ""
	for _, r := range recs {
		if r.Status == report.Bound {
			groupOpen = r.OpenAppID
		}
	}
	for _, r := range recs {
		g := groupRow{Status: r.Status, ErrCode: r.ErrCode}
		switch {
		case r.OpenAppID == "":
		case r.OpenAppID == groupOpen:
			g.Open = "G"
		default:
			g.Open = "own"
		}
		// The results say what the stand-in says.
		if r.Status.Done() && r.OpenAppID != w.srv.BoundTo(r.AppID) {
			t.Errorf("line %d: open_appid %s, the stand-in has %s", r.Line, r.OpenAppID, w.srv.BoundTo(r.AppID))
		}
		got = append(got, g)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s\nrecords: %+v", diff, recs)
	}
	return recs
}

func groupInput(rows ...string) string {
	var b strings.Builder
	b.WriteString("appid,access_token,group,scenario\n")
	for i, r := range rows {
		group, scenario, _ := strings.Cut(r, "|")
		fmt.Fprintf(&b, "wx%016x,T%d,%s,%s\n", 0x500+i, i, group, scenario)
	}
	return b.String()
}

func TestGroups(t *testing.T) {
	G := func(st report.Status) groupRow { return groupRow{Status: st, Open: "G"} }
	tests := []struct {
		name string
		rows []string // group|scenario
		want []groupRow
	}{
		{"created and bound", []string{"m1|", "m1|", "m1|"},
			[]groupRow{G(report.Created), G(report.Bound), G(report.Bound)}},
		{"the leader lends the account it is bound to", []string{"m1|bound", "m1|", "m1|mp"},
			[]groupRow{{report.AlreadyBound, 89000, "G"}, G(report.Bound), G(report.Bound)}},
		{"the leader fails with 89001: the next row takes over", []string{"m1|code=89001", "m1|", "m1|", "m1|"},
			[]groupRow{{report.Failed, 89001, ""}, G(report.Created), G(report.Bound), G(report.Bound)}},
		{"two leaders fail on their token", []string{"m1|expired", "m1|unknown-token", "m1|", "m1|"},
			[]groupRow{{report.Failed, 42001, ""}, {report.Failed, 40001, ""}, G(report.Created), G(report.Bound)}},
		{"a member of another subject", []string{"m1|", "m1|subject=other", "m1|"},
			[]groupRow{G(report.Created), {report.Failed, 89001, "G"}, G(report.Bound)}}, // a failed bind names its open account
		{"a member bound elsewhere splits the group", []string{"m1|", "m1|bound", "m1|"},
			[]groupRow{G(report.Created), {report.AlreadyBound, 89000, "own"}, G(report.Bound)}},
		{"an open account not created by the API", []string{"m1|bound-manual", "m1|", "m1|"},
			[]groupRow{{report.AlreadyBound, 89000, "own"}, {report.Failed, 89003, "own"}, {report.Failed, 89003, "own"}}},
		{"the bind limit", []string{"m1|mp", "m1|mp", "m1|mp", "m1|mp", "m1|mp", "m1|mp", "m1|"},
			[]groupRow{G(report.Created), G(report.Bound), G(report.Bound), G(report.Bound), G(report.Bound), {report.Failed, 89004, "G"}, G(report.Bound)}},
		{"a bind whose answer was lost", []string{"m1|", "m1|faults=none+reset-after", "m1|faults=none+truncated"},
			[]groupRow{G(report.Created), G(report.Bound), G(report.Bound)}},
		{"groups side by side, and rows without one", []string{"a|", "|", "b|", "a|", "b|", "|"},
			// "G" is group b's account here (the last bound row's).
			[]groupRow{{report.Created, 0, "own"}, {report.Created, 0, "own"}, G(report.Created), {report.Bound, 0, "own"}, G(report.Bound), {report.Created, 0, "own"}}},
		{"an invalid first row", []string{"m1|", "m1|", "m1|"},
			nil}, // filled below
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := groupInput(tt.rows...)
			want := tt.want
			if want == nil {
				// Make the first row invalid: the second leads.
				input = strings.Replace(input, "wx0000000000000500", "wxBAD", 1)
				want = []groupRow{{report.Invalid, 0, ""}, G(report.Created), G(report.Bound)}
			}
			w := newWorld(t, input)
			cfg := w.config()
			cfg.Workers = 1 // released rows go out in input order
			w.run(t, cfg)
			recs := checkGroups(t, w, want)
			// A group created here ends on one open account (bar the
			// rows bound elsewhere before).
			if tt.name == "groups side by side, and rows without one" {
				if recs[0].OpenAppID != recs[3].OpenAppID || recs[2].OpenAppID != recs[4].OpenAppID || recs[0].OpenAppID == recs[2].OpenAppID {
					t.Errorf("groups a and b: %+v", recs)
				}
			}
		})
	}
}

func TestGroupMessages(t *testing.T) {
	w := newWorld(t, groupInput("m1|", "m1|subject=other", "m1|bound"))
	res := w.run(t, w.config())
	recs := w.results(t)
	if !strings.Contains(recs[1].ErrMsg, "not same contractor; its legal subject is not the group's") {
		t.Errorf("89001 errmsg: %q", recs[1].ErrMsg)
	}
	if !strings.HasPrefix(recs[2].ErrMsg, "group split: bound already to ") {
		t.Errorf("split errmsg: %q", recs[2].ErrMsg)
	}
	if !recs[2].IsSplit() || recs[0].IsSplit() || recs[1].IsSplit() {
		t.Errorf("IsSplit: %v %v %v, want only the third", recs[0].IsSplit(), recs[1].IsSplit(), recs[2].IsSplit())
	}
	if diff := cmp.Diff([]string{"m1"}, res.Summary.SplitGroups); diff != "" {
		t.Errorf("split groups: %s", diff)
	}
	if diff := cmp.Diff([]string{"m1"}, res.Summary.IncompleteGroups); diff != "" {
		t.Errorf("incomplete groups: %s", diff)
	}
}

// A leader whose answers were lost may have created an open account: the
// group waits for the next run rather than let a second row create one.
func TestGroupLeaderInDoubt(t *testing.T) {
	w := newWorld(t, groupInput("m1|faults=502+502+502", "m1|", "m1|"))
	res := w.run(t, w.config())
	recs := w.results(t)
	if recs[0].Status != report.Failed || recs[1].Status != report.Pending || recs[2].Status != report.Pending ||
		!strings.Contains(recs[1].ErrMsg, "waiting for line 2 of its group: whether it made an open account is unknown") {
		t.Fatalf("records %+v", recs)
	}
	if n := w.srv.Count("/cgi-bin/open/create"); n != 3 {
		t.Errorf("%d creates: only the leader's three attempts may be sent", n)
	}
	if res.Stopped != nil {
		t.Errorf("stopped: %v", res.Stopped)
	}
	// The next run settles it.
	w.run(t, w.config())
	checkGroups(t, w, []groupRow{{report.Created, 0, "G"}, {report.Bound, 0, "G"}, {report.Bound, 0, "G"}})
}

// A rerun finishes a half-done group: it binds the rest to the open
// account recorded, and creates nothing.
func TestGroupRerun(t *testing.T) {
	w := newWorld(t, groupInput("m1|", "m1|", "m2|", "m1|", "m2|", "m1|"))
	w.srv.SetDailyQuota(3) // m1 created, m1 bound, m2 created; then 45009
	cfg := w.config()
	cfg.Workers = 1
	w.run(t, cfg)
	first := w.results(t)
	if first[0].Status != report.Created || first[1].Status != report.Bound || first[3].Status != report.Failed || first[3].ErrCode != 45009 {
		t.Fatalf("first run: %+v", first)
	}
	w.srv.SetDailyQuota(-1)
	before := w.srv.Count("/cgi-bin/open/create")
	w.run(t, w.config())
	recs := w.results(t)
	if n := w.srv.Count("/cgi-bin/open/create") - before; n != 0 {
		t.Errorf("the rerun sent %d creates", n)
	}
	for _, i := range []int{1, 3, 5} {
		if recs[i].Status != report.Bound || recs[i].OpenAppID != recs[0].OpenAppID {
			t.Errorf("m1 row %d: %+v", i, recs[i])
		}
	}
	if recs[4].Status != report.Bound || recs[4].OpenAppID != recs[2].OpenAppID {
		t.Errorf("m2: %+v", recs[4])
	}
}

// A rerun after a leader that failed, then a member that failed before
// the group's open account was known: the first to-do rows bind to the
// account a later row created.
func TestGroupRerunAfterTakeover(t *testing.T) {
	input := groupInput("m1|expired", "m1|", "m1|unknown-token")
	w := newWorld(t, input)
	w.run(t, w.config())
	// The tokens are refreshed: the stand-in now knows them.
	if err := w.srv.RotateToken("wx0000000000000500", "T0"); err != nil {
		t.Fatal(err)
	}
	w.srv.Add(wechattest.Account{AppID: "wx0000000000000502", Token: "T2", Subject: "m1"})
	w.run(t, w.config())
	checkGroups(t, w, []groupRow{{report.Bound, 0, "G"}, {report.Created, 0, "G"}, {report.Bound, 0, "G"}})
}

// A group whose first row was bound in an earlier run, but whose get
// failed then: the rerun asks get again before anyone binds.
func TestGroupLookup(t *testing.T) {
	w := newWorld(t, groupInput("m1|bound faults=none+busy+busy+busy", "m1|", "m1|"))
	w.run(t, w.config())
	recs := w.results(t)
	if recs[0].Status != report.AlreadyBound || recs[0].OpenAppID != "" || recs[1].Status != report.Pending {
		t.Fatalf("first run: %+v", recs)
	}
	w.run(t, w.config())
	checkGroups(t, w, []groupRow{{report.AlreadyBound, 89000, "G"}, {report.Bound, 0, "G"}, {report.Bound, 0, "G"}})
	if n := w.srv.Count("/cgi-bin/open/create"); n != 1 {
		t.Errorf("%d creates", n)
	}
}

// Under transient faults on 20% of calls, 100 groups of 3 end each on
// one open account, checked against the stand-in's own state.
func TestGroupsUnderFaults(t *testing.T) {
	var rows []string
	for g := range 100 {
		for m := range 3 {
			s := ""
			if g%10 == 3 && m == 2 {
				s = "bound" // bound elsewhere before: the group is split
			}
			rows = append(rows, fmt.Sprintf("merchant-%d|%s", g, s))
		}
	}
	w := newWorld(t, groupInput(rows...))
	w.srv.SetFaults(0.2, 7, wechattest.Busy, wechattest.BadGateway, wechattest.ResetBefore, wechattest.ResetAfter,
		wechattest.Truncated, wechattest.EmptyBody, wechattest.TooMany)
	cfg := w.config()
	cfg.MaxAttempts = 10
	cfg.Workers = 16
	for run := 0; run < 3; run++ { // in-doubt leaders settle on a rerun
		w.run(t, cfg)
	}
	recs := w.results(t)
	for g := range 100 {
		opens := map[string]int{}
		for m := range 3 {
			r := recs[g*3+m]
			if !r.Status.Done() {
				t.Fatalf("group %d row %d: %+v", g, m, r)
			}
			if r.OpenAppID != w.srv.BoundTo(r.AppID) {
				t.Errorf("line %d: %s, the stand-in has %s", r.Line, r.OpenAppID, w.srv.BoundTo(r.AppID))
			}
			opens[w.srv.BoundTo(r.AppID)]++
		}
		want := 1
		if g%10 == 3 {
			want = 2 // the row bound elsewhere keeps its own
		}
		if len(opens) != want {
			t.Errorf("group %d is on %d open accounts: %v", g, len(opens), opens)
		}
		for open, n := range opens {
			if members := w.srv.Members(open); len(members) != n && !(g%10 == 3 && n == 1) {
				t.Errorf("group %d: open account %s has members %v", g, open, members)
			}
		}
	}
	t.Logf("%d calls, %d faulted", w.srv.Count(""), w.srv.Faulted())
}
