package report

import (
	"bytes"
	"encoding/csv"
	"math/rand/v2"
	"openbind/locale"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// randomVerify is a record of a seeded random sequence: cells with the
// characters that need care (commas, quotes, line breaks, formulas,
// Chinese, control characters).
func randomVerify(rng *rand.Rand) VerifyRecord {
	pieces := []string{"", "a", ",", `"`, "\n", "\r\n", "=SUM(A1)", "+1", "-", "@x", "'", "商户", " ", "\x1b[31m", "ok"}
	text := func() string {
		var b strings.Builder
		for range rng.IntN(4) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	r := VerifyRecord{
		Line: rng.IntN(3) * rng.IntN(1000), AppID: "wx" + strings.Repeat("0", 15) + string(rune('a'+rng.IntN(6))),
		Group: text(), RecordedOpen: "wxf00000000000000" + string(rune('0'+rng.IntN(10))), Verdict: Verdicts[rng.IntN(len(Verdicts))],
		ErrCode: []int{0, 89002, 42001, -1}[rng.IntN(4)], ErrMsg: text(),
	}
	if rng.IntN(2) == 0 {
		r.OpenAppID = r.RecordedOpen
	}
	if r.Verdict != NotAsked {
		r.CheckedAt = time.UnixMilli(1_790_000_000_000 + rng.Int64N(1e9)).UTC()
	}
	return r
}

// cleaned is r as the report keeps it: cells without control characters.
func cleaned(r VerifyRecord) VerifyRecord {
	r.Group, r.ErrMsg = strings.TrimSpace(cellText(r.Group)), strings.TrimSpace(cellText(r.ErrMsg))
	return r
}

func TestVerifyRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 4))
	for n := range 200 {
		r := randomVerify(rng)
		path := filepath.Join(t.TempDir(), "v.csv")
		if err := RewriteVerify(path, func(yield func(*VerifyRecord) error) error { return yield(&r) }); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(path)
		if !bytes.HasPrefix(data, verifyHeaderLine()) || bytes.Count(data, []byte("\n")) != 2 {
			t.Fatalf("case %d: %q", n, data)
		}
		cells, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range cells[1] {
			if i == 6 { // errcode: a number
				continue
			}
			if c != "" && formulaStart(c[0]) && c[0] != '\'' || strings.ContainsAny(c, "\x1b\r\n") {
				t.Fatalf("case %d: an unsafe cell %q: %q", n, c, data)
			}
		}
		var got []VerifyRecord
		if _, err := ReadVerify(path, func(r *VerifyRecord) error { got = append(got, *r); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("case %d: %d records", n, len(got))
		}
		if d := cmp.Diff(cleaned(r), cleaned(got[0])); d != "" {
			t.Fatalf("case %d (%q): %s", n, data, d)
		}
	}
}

// The journal: a torn last line is cut off, a whole one without its
// newline is kept, another layout is rewritten into openbind's.
func TestVerifyJournal(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	one := VerifyRecord{Line: 2, AppID: "wx0000000000000001", RecordedOpen: "wxf000000000000001", OpenAppID: "wxf000000000000001", Verdict: Holds, CheckedAt: at}
	two := VerifyRecord{Line: 3, AppID: "wx0000000000000002", RecordedOpen: "wxf000000000000002", Verdict: Unbound, ErrCode: 89002, ErrMsg: "account has not bound open", CheckedAt: at}
	line := func(r VerifyRecord) string { return string(AppendVerify(nil, &r)) }
	head := string(verifyHeaderLine())
	cases := []struct {
		name, data string
		want       []VerifyRecord
		torn       int64
	}{
		{"empty", "", nil, 0},
		{"torn header", head[:10], nil, 10},
		{"whole", head + line(one) + line(two), []VerifyRecord{one, two}, 0},
		{"torn last line", head + line(one) + line(two)[:20], []VerifyRecord{one}, 20},
		{"torn inside checked_at", head + line(one) + strings.TrimSuffix(line(two), "00Z\n"), []VerifyRecord{one}, int64(len(line(two)) - 4)},
		{"last line without its newline", head + line(one) + strings.TrimSuffix(line(two), "\n"), []VerifyRecord{one, two}, 0},
		{"other order, no BOM", "verdict,appid,line,checked_at\nholds,wx0000000000000001,2,2026-12-01T10:00:00Z\n",
			[]VerifyRecord{{Line: 2, AppID: "wx0000000000000001", Verdict: Holds, CheckedAt: at}}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "v.csv")
			if err := os.WriteFile(path, []byte(c.data), 0o644); err != nil {
				t.Fatal(err)
			}
			var got []VerifyRecord
			j, scan, err := OpenVerifyJournal(path, func(r *VerifyRecord) error { got = append(got, *r); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(c.want, got); d != "" || scan.TornBytes != c.torn {
				t.Errorf("torn %d, want %d; records: %s", scan.TornBytes, c.torn, d)
			}
			extra := VerifyRecord{AppID: "wx0000000000000009", Verdict: NotAsked}
			if err := j.Append(&extra); err != nil {
				t.Fatal(err)
			}
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(path)
			if !strings.HasPrefix(string(data), head) {
				t.Errorf("header: %q", data)
			}
			var again []VerifyRecord
			if _, err := ReadVerify(path, func(r *VerifyRecord) error { again = append(again, *r); return nil }); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(append(c.want, extra), again); d != "" {
				t.Errorf("after an append: %s\n%q", d, data)
			}
		})
	}
}

// FuzzVerifyReader: whatever the bytes, the reader returns records or an
// error, never panics; what it reads is written back and read the same.
func FuzzVerifyReader(f *testing.F) {
	head := string(verifyHeaderLine())
	f.Add(head)
	f.Add(head + "2,wx0000000000000001,,wxf000000000000001,wxf000000000000001,holds,,,2026-12-01T10:00:00.000Z\n")
	f.Add(head + "2,wx0000000000000001,\"a,\"\"b\",,,unknown,-1,'=x,2026-12-01T10:00:00.000Z\n,wx1,,,,not_asked,,,")
	f.Add("appid,verdict\nwx1,moved\nwx2,bogus\n")
	f.Add("line\n")
	f.Fuzz(func(t *testing.T, data string) {
		path := filepath.Join(t.TempDir(), "v.csv")
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		var recs []VerifyRecord
		if _, err := ReadVerify(path, func(r *VerifyRecord) error { recs = append(recs, *r); return nil }); err != nil {
			return
		}
		if err := RewriteVerify(path, func(yield func(*VerifyRecord) error) error {
			for i := range recs {
				if err := yield(&recs[i]); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		var again []VerifyRecord
		if _, err := ReadVerify(path, func(r *VerifyRecord) error { again = append(again, *r); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(again) != len(recs) {
			t.Fatalf("%d records, then %d", len(recs), len(again))
		}
		for i := range recs {
			if d := cmp.Diff(cleaned(recs[i]), cleaned(again[i])); d != "" {
				t.Fatalf("record %d: %s", i, d)
			}
		}
	})
}

func TestSummarizeVerify(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	recs := []VerifyRecord{
		{Line: 2, AppID: "wx01", Group: "Shop A", OpenAppID: "o1", Verdict: Holds, CheckedAt: at},
		{Line: 3, AppID: "wx02", Group: "shop a", OpenAppID: "o2", Verdict: Moved, CheckedAt: at.Add(time.Second)},
		{Line: 4, AppID: "wx03", Group: "B", OpenAppID: "o3", Verdict: Holds, CheckedAt: at},
		{Line: 5, AppID: "wx04", Group: "B", Verdict: Unbound, ErrCode: 89002, CheckedAt: at},
		{Line: 6, AppID: "wx05", Group: "C", OpenAppID: "o5", Verdict: Holds, CheckedAt: at},
		{Line: 7, AppID: "wx06", Group: "C", Verdict: Unknown, CheckedAt: at},
		{AppID: "wx07", Verdict: NotAsked},
	}
	path := filepath.Join(t.TempDir(), "v.csv")
	// A report a killed verify left: a row's first record, then its last.
	err := RewriteVerify(path, func(yield func(*VerifyRecord) error) error {
		first := recs[5]
		first.Verdict, first.Group = Holds, "c"
		if err := yield(&first); err != nil {
			return err
		}
		for i := range recs {
			if err := yield(&recs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := SummarizeVerify(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[Verdict]int{Holds: 3, Moved: 1, Unbound: 1, Unknown: 1, NotAsked: 1}
	if d := cmp.Diff(want, s.Counts); d != "" || s.Rows != 7 {
		t.Errorf("rows %d, counts %s", s.Rows, d)
	}
	if d := cmp.Diff([]string{"Shop A", "B"}, s.SplitGroups); d != "" {
		t.Errorf("split groups: %s", d)
	}
	if s.Complete() || !s.First.Equal(at) || !s.Last.Equal(at.Add(time.Second)) {
		t.Errorf("summary %+v", s)
	}
	var b bytes.Buffer
	if err := s.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2 groups no longer share one open account: Shop A, B", "1 row moved: line 3 wx02", "1 row not_asked: wx07 (kept)", "what to do: "} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
	// In Chinese: the verdicts keep their words, glossed; the remedies are
	// the catalog's; JSON's remedy stays English.
	b.Reset()
	if err := s.WriteTextIn(&b, locale.Chinese); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"与微信核验：", "2 个商户组已不在同一个开放平台账号下：Shop A、B", "1 行 moved：line 3 wx02", "  处理办法：已绑到与结果记录不同的开放平台账号", "  moved            1  已绑到另一个开放平台账号"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("Chinese text lacks %q:\n%s", want, b.String())
		}
	}
	for _, e := range s.Exceptions {
		if strings.ContainsFunc(e.Remedy(), func(r rune) bool { return r > 0x2e80 }) || e.Remedy() == "" {
			t.Errorf("Remedy() %q: want English", e.Remedy())
		}
	}
}
