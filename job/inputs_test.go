package job

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"openbind/report"
	"openbind/wechat/wechattest"
)

// The corpus of testdata/inputs (go run ./testdata/inputs/gen) holds one
// file per form users have; its accounts are these.
const (
	inA1, inA2, inA3 = "wx0000000000000a01", "wx0000000000000a02", "wx0000000000000a03"
	inG1, inG2       = "通泰母婴", "盛源鞋帽"
)

func corpus(name string) string { return filepath.Join("..", "testdata", "inputs", name) }

// the three rows of most forms
var threeRows = []inputRow{
	{Line: 2, AppID: inA1, Token: "TOKEN_A1", Group: inG1},
	{Line: 3, AppID: inA2, Token: "TOKEN_A2", Group: inG1},
	{Line: 4, AppID: inA3, Token: "TOKEN_A3", Group: inG2},
}

func noGroups(rows []inputRow) []inputRow {
	out := slices.Clone(rows)
	for i := range out {
		out[i].Group = ""
	}
	return out
}

type formCase struct {
	file string
	opts InputOptions
	err  string // an input error (exit 2) that says this, naming the file
	// How the file was read.
	encoding, delimiter, lineEnds string
	rows                          []inputRow // what the reader gives
	// What the plan says.
	toSend, invalid, groups int
	warnings                []string // each in a warning of the plan
	reasons                 []string // each in an invalid row's reason, in order
}

var formCases = []formCase{
	{file: "utf8.csv", encoding: "UTF-8", delimiter: "comma", lineEnds: "LF", rows: threeRows, toSend: 3, groups: 2},
	{file: "utf8-bom-crlf.csv", encoding: "UTF-8 with BOM", delimiter: "comma", lineEnds: "CRLF", rows: threeRows, toSend: 3, groups: 2},
	{file: "tab.tsv", encoding: "UTF-8", delimiter: "tab", lineEnds: "LF", rows: threeRows, toSend: 3, groups: 2},
	{file: "semicolon.csv", encoding: "UTF-8", delimiter: "semicolon", lineEnds: "CRLF", rows: threeRows, toSend: 3, groups: 2},
	{file: "gbk.csv", encoding: "GB18030", delimiter: "comma", lineEnds: "CRLF", rows: threeRows, toSend: 3, groups: 2},
	{file: "gbk.csv", opts: InputOptions{Encoding: "gbk"}, encoding: "GB18030", delimiter: "comma", lineEnds: "CRLF", rows: threeRows, toSend: 3, groups: 2},
	{file: "gbk-nogroup.csv", encoding: "GB18030", delimiter: "comma", lineEnds: "CRLF", rows: []inputRow{{Line: 2, AppID: inA1, Token: "TOKEN_A1"}}, toSend: 1},
	{file: "utf16le-tab.txt", encoding: "UTF-16LE", delimiter: "tab", lineEnds: "CRLF", rows: threeRows, toSend: 3, groups: 2},
	{file: "utf16be.csv", encoding: "UTF-16BE", delimiter: "comma", lineEnds: "LF", rows: threeRows, toSend: 3, groups: 2},
	{file: "cr-only.csv", encoding: "UTF-8", delimiter: "comma", lineEnds: "CR", rows: threeRows, toSend: 3, groups: 2},
	{file: "mysql-outfile.tsv", encoding: "UTF-8", delimiter: "tab", lineEnds: "LF",
		rows:   []inputRow{{Line: 2, AppID: inA1, Token: "TOKEN_A1"}, {Line: 3, AppID: inA2, Token: "TOKEN_A2"}, {Line: 4, AppID: inA3}},
		toSend: 2, invalid: 1, reasons: []string{"empty access_token"}},
	{file: "null.csv", encoding: "UTF-8", delimiter: "comma", lineEnds: "LF",
		rows:   []inputRow{{Line: 2, AppID: inA1, Token: "TOKEN_A1"}, {Line: 3, AppID: inA2, Token: "TOKEN_A2"}, {Line: 4, AppID: inA3}},
		toSend: 2, invalid: 1, reasons: []string{"empty access_token"}},
	{file: "invisible.csv", encoding: "UTF-8", delimiter: "comma", lineEnds: "LF",
		rows:   append(slices.Clone(threeRows), inputRow{Line: 5, AppID: "wx00000000000\u200b00a04", Token: "TOKEN_A4"}),
		toSend: 3, invalid: 1, groups: 2, reasons: []string{`invalid appid "wx00000000000\u200b00a04"`}},
	{file: "excel-formula.csv", encoding: "UTF-8", delimiter: "comma", lineEnds: "LF", rows: threeRows, toSend: 3, groups: 2},
	{file: "short-rows.csv", encoding: "UTF-8", delimiter: "comma", lineEnds: "LF",
		rows:   []inputRow{{Line: 2, AppID: inA1, Token: "TOKEN_A1"}, {Line: 3, AppID: inA2, Token: "TOKEN_A2", Group: inG1}, {Line: 4, AppID: inA3, Token: "TOKEN_A3"}},
		toSend: 3, groups: 1},
	{file: "repeated-header.csv", encoding: "UTF-8 with BOM", delimiter: "comma", lineEnds: "CRLF",
		rows:   []inputRow{{Line: 2, AppID: inA1, Token: "TOKEN_A1", Group: inG1}, {Line: 4, AppID: inA2, Token: "TOKEN_A2", Group: inG1}, {Line: 5, AppID: inA3, Token: "TOKEN_A3", Group: inG2}},
		toSend: 3, groups: 2, warnings: []string{"line 3: the line repeats the header"}},
	{file: "upper-appid.csv", encoding: "UTF-8", delimiter: "comma", lineEnds: "LF",
		rows:   []inputRow{{Line: 2, AppID: inA1, Token: "TOKEN_A1"}, {Line: 3, AppID: inA2, Token: "TOKEN_A2"}, {Line: 4, AppID: inA3, Token: "TOKEN_A3"}, {Line: 5, AppID: "wx0000000000000a0g", Token: "TOKEN_A4"}},
		toSend: 3, invalid: 1, reasons: []string{`invalid appid "wx0000000000000a0g"`}},
	{file: "duplicates.csv", encoding: "UTF-8", delimiter: "comma", lineEnds: "LF",
		rows: []inputRow{
			{Line: 2, AppID: inA1, Token: "TOKEN_A1", Group: inG1}, {Line: 3, AppID: inA2, Token: "TOKEN_A2", Group: inG1},
			{Line: 4, AppID: inA1, Token: "TOKEN_A1", Group: inG1}, {Line: 5, AppID: inA2, Token: "TOKEN_OTHER", Group: inG1},
			{Line: 6, AppID: inA3, Token: "TOKEN_A3", Group: inG2}, {Line: 7, AppID: inA3, Token: "TOKEN_A3", Group: inG1},
		},
		toSend: 3, invalid: 2, groups: 2,
		warnings: []string{"line 4: the line repeats line 2 (same appid, token and group): counted once"},
		reasons:  []string{"duplicate appid with another token; first on line 3; its token is used", "duplicate appid in another group; first on line 6; its group is used"}},
	{file: "group-lookalike.csv", encoding: "UTF-8", delimiter: "comma", lineEnds: "LF", rows: noGroups(threeRows), toSend: 3,
		warnings: []string{`no group column, but the column "分组" looks like one`}},
	{file: "workbook.xlsx", rows: []inputRow{{Line: 2, AppID: inA1, Token: "TOKEN_A1", Group: inG1}, {Line: 3, AppID: inA2, Token: "TOKEN_A2", Group: inG1}, {Line: 5, AppID: inA3, Token: "TOKEN_A3", Group: inG2}},
		toSend: 3, groups: 2},
	{file: "workbook-sheets.xlsx", opts: InputOptions{Sheet: "accounts"}, rows: []inputRow{{Line: 2, AppID: inA1, Token: "TOKEN_A1", Group: inG1}, {Line: 3, AppID: inA2, Token: "TOKEN_A2", Group: inG1}, {Line: 5, AppID: inA3, Token: "TOKEN_A3", Group: inG2}},
		toSend: 3, groups: 2},
	{file: "workbook-sheets.xlsx", err: "no appid column (or authorizer_appid) in the header \"说明,这一页不是账号\" (sheet \"说明\"; --sheet names another sheet)"},
	{file: "workbook-sheets.xlsx", opts: InputOptions{Sheet: "nope"}, err: `--sheet "nope": the workbook has no such sheet; its sheets are "说明", "accounts"`},
	{file: "utf8.csv", opts: InputOptions{Sheet: "accounts"}, err: "--sheet is for workbooks only"},
	{file: "old.xls", err: "an Excel 97-2003 workbook (.xls"},
	{file: "not-a-workbook.xlsx", err: "a ZIP file that openbind cannot read as an .xlsx workbook"},
	{file: "latin1.csv", err: "2:32: the encoding cannot be told"},
	{file: "gbk.csv", opts: InputOptions{Encoding: "utf-8"}, err: "2:38: not UTF-8 text, although --input-encoding says utf-8"},
	{file: "header-only.csv", err: "1: no data row"},
	{file: "binary.csv", err: "2:25: not a CSV text file (binary data: a NUL byte)"},
}

func TestInputForms(t *testing.T) {
	for _, tt := range formCases {
		name := tt.file
		if tt.opts.Encoding != "" || tt.opts.Sheet != "" {
			name += "/" + tt.opts.Encoding + tt.opts.Sheet
		}
		t.Run(name, func(t *testing.T) {
			path := corpus(tt.file)
			// The reader, row by row.
			if tt.err == "" {
				f, err := os.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				in, err := openInput(f, path, tt.opts)
				if err != nil {
					t.Fatal(err)
				}
				var got []inputRow
				for {
					r, err := in.Read()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, r)
				}
				in.Close()
				if diff := cmp.Diff(tt.rows, got); diff != "" {
					t.Errorf("rows (-want +got):\n%s", diff)
				}
			}
			// The dry run.
			cfg := Config{Input: path, Output: filepath.Join(t.TempDir(), "results.csv"), DryRun: true, QPS: 10,
				InputEncoding: tt.opts.Encoding, Sheet: tt.opts.Sheet}
			res, err := Run(context.Background(), cfg)
			if tt.err != "" {
				var ie *InputError
				if !errors.As(err, &ie) && !strings.Contains(tt.err, "--sheet") {
					t.Fatalf("error %v, want an *InputError", err)
				}
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.HasPrefix(err.Error(), path) {
					t.Fatalf("error %v, want it to name %s and say %q", err, path, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p := res.Plan
			if p.Input.Encoding != tt.encoding || p.Input.Delimiter != tt.delimiter || p.Input.LineEnds != tt.lineEnds {
				t.Errorf("read as %s, %s, %s; want %s, %s, %s", p.Input.Encoding, p.Input.Delimiter, p.Input.LineEnds, tt.encoding, tt.delimiter, tt.lineEnds)
			}
			if p.ToSend != tt.toSend || p.Invalid != tt.invalid || p.Groups != tt.groups {
				t.Errorf("plan: %d to send, %d invalid, %d groups; want %d, %d, %d", p.ToSend, p.Invalid, p.Groups, tt.toSend, tt.invalid, tt.groups)
			}
			var warnings []string
			for _, w := range p.Input.Warnings {
				warnings = append(warnings, "line "+strconv.Itoa(w.Line)+": "+w.Msg)
			}
			for _, want := range tt.warnings {
				if !slices.ContainsFunc(warnings, func(w string) bool { return strings.Contains(w, want) }) {
					t.Errorf("warnings %q, want one saying %q", warnings, want)
				}
			}
			if len(tt.warnings) == 0 && len(warnings) > 0 {
				t.Errorf("warnings %q, want none", warnings)
			}
			if len(p.InvalidRows) != len(tt.reasons) {
				t.Fatalf("invalid rows %+v, want %q", p.InvalidRows, tt.reasons)
			}
			for i, want := range tt.reasons {
				if !strings.Contains(p.InvalidRows[i].Reason, want) {
					t.Errorf("invalid row %+v, want it to say %q", p.InvalidRows[i], want)
				}
			}
			wantCols := []string{"appid", "access_token"}
			if tt.groups > 0 {
				wantCols = append(wantCols, "group")
			}
			var cols []string
			for _, c := range p.Input.Columns {
				cols = append(cols, c.Field)
			}
			if !slices.Equal(cols, wantCols) && !(tt.file == "short-rows.csv" || strings.HasSuffix(tt.file, ".xlsx") || strings.HasPrefix(tt.file, "null") || strings.HasPrefix(tt.file, "mysql") || strings.HasPrefix(tt.file, "gbk-")) {
				t.Errorf("columns used %q, want %q", cols, wantCols)
			}
		})
	}
}

// TestInputFormsRun sends the forms that gave wrong results before (rows
// lost, NULL taken as a token or a group, invisible characters, GBK read
// as UTF-8, a group column under another name) to the stand-in, and checks
// the open accounts it ends with: every merchant on one, no two on one.
func TestInputFormsRun(t *testing.T) {
	tests := []struct {
		file string
		// The stand-in's accounts: the subject of each (rows of one
		// subject can share an open account).
		subjects [3]string
		// Sets of appids that must share one open account, exactly.
		together [][]string
		groups   []string // the group column of the results, by row
		statuses []report.Status
	}{
		{"cr-only.csv", [3]string{inG1, inG1, inG2}, [][]string{{inA1, inA2}, {inA3}}, []string{inG1, inG1, inG2},
			[]report.Status{report.Created, report.Bound, report.Created}},
		// NULL, (null) and null are empty: no group "NULL" merging
		// unrelated merchants, no token "NULL" sent.
		{"null.csv", [3]string{"s1", "s2", "s3"}, [][]string{{inA1}, {inA2}}, []string{"", "", ""},
			[]report.Status{report.Created, report.Created, report.Invalid}},
		{"mysql-outfile.tsv", [3]string{"s1", "s2", "s3"}, [][]string{{inA1}, {inA2}}, []string{"", "", ""},
			[]report.Status{report.Created, report.Created, report.Invalid}},
		{"invisible.csv", [3]string{inG1, inG1, inG2}, [][]string{{inA1, inA2}, {inA3}}, []string{inG1, inG1, inG2, ""},
			[]report.Status{report.Created, report.Bound, report.Created, report.Invalid}},
		{"gbk.csv", [3]string{inG1, inG1, inG2}, [][]string{{inA1, inA2}, {inA3}}, []string{inG1, inG1, inG2},
			[]report.Status{report.Created, report.Bound, report.Created}},
		{"utf16le-tab.txt", [3]string{inG1, inG1, inG2}, [][]string{{inA1, inA2}, {inA3}}, []string{inG1, inG1, inG2},
			[]report.Status{report.Created, report.Bound, report.Created}},
		{"excel-formula.csv", [3]string{inG1, inG1, inG2}, [][]string{{inA1, inA2}, {inA3}}, []string{inG1, inG1, inG2},
			[]report.Status{report.Created, report.Bound, report.Created}},
		{"workbook.xlsx", [3]string{inG1, inG1, inG2}, [][]string{{inA1, inA2}, {inA3}}, []string{inG1, inG1, inG2},
			[]report.Status{report.Created, report.Bound, report.Created}},
		{"repeated-header.csv", [3]string{inG1, inG1, inG2}, [][]string{{inA1, inA2}, {inA3}}, []string{inG1, inG1, inG2},
			[]report.Status{report.Created, report.Bound, report.Created}},
		{"duplicates.csv", [3]string{inG1, inG1, inG2}, [][]string{{inA1, inA2}, {inA3}}, []string{inG1, inG1, inG1, inG2, inG1},
			[]report.Status{report.Created, report.Bound, report.Invalid, report.Created, report.Invalid}},
		// Not guessed: 分组 is not group, so each row has an account of
		// its own (and the plan warned).
		{"group-lookalike.csv", [3]string{inG1, inG1, inG2}, [][]string{{inA1}, {inA2}, {inA3}}, []string{"", "", ""},
			[]report.Status{report.Created, report.Created, report.Created}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var accounts []wechattest.Account
			for i, a := range []string{inA1, inA2, inA3} {
				accounts = append(accounts, wechattest.Account{AppID: a, Token: "TOKEN_A" + strconv.Itoa(i+1), Subject: tt.subjects[i]})
			}
			srv := wechattest.New(accounts...).Start()
			t.Cleanup(srv.Close)
			// The stand-in answers 40001 to a token it does not know: a
			// "NULL" token sent would fail the row.
			w := &world{srv: srv, input: corpus(tt.file), output: filepath.Join(t.TempDir(), "results.csv")}
			w.run(t, w.config())
			recs := w.results(t)
			var statuses []report.Status
			var groups []string
			for _, r := range recs {
				statuses = append(statuses, r.Status)
				groups = append(groups, r.Group)
			}
			if diff := cmp.Diff(tt.statuses, statuses); diff != "" {
				t.Errorf("statuses (-want +got):\n%s\n%+v", diff, recs)
			}
			if diff := cmp.Diff(tt.groups, groups); diff != "" {
				t.Errorf("groups in the results (-want +got):\n%s", diff)
			}
			for _, set := range tt.together {
				open := srv.BoundTo(set[0])
				if open == "" {
					t.Errorf("%s is bound to no open account", set[0])
					continue
				}
				if got := srv.Members(open); !slices.Equal(got, set) {
					t.Errorf("open account %s has %q, want %q", open, got, set)
				}
			}
			if n := len(srv.CallsFor(inA3)); tt.subjects[2] == "s3" && n != 0 {
				t.Errorf("the row with a NULL token was sent (%d calls)", n)
			}
		})
	}
}

// A workbook whose first sheet is hidden is read from it, as Excel lists
// it first; the error says it is hidden and suggests --sheet.
func TestHiddenFirstSheet(t *testing.T) {
	wb := excelize.NewFile()
	defer wb.Close()
	if err := wb.SetSheetRow("Sheet1", "A1", &[]string{"notes", "internal"}); err != nil {
		t.Fatal(err)
	}
	i, err := wb.NewSheet("accounts")
	if err != nil {
		t.Fatal(err)
	}
	wb.SetActiveSheet(i)
	if err := wb.SetSheetVisible("Sheet1", false); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := wb.Write(&b); err != nil {
		t.Fatal(err)
	}
	_, err = readerOf(bytes.NewReader(b.Bytes()), "in.xlsx", false)
	want := `in.xlsx:1: no appid column (or authorizer_appid) in the header "notes,internal" (sheet "Sheet1", which the workbook hides; --sheet names another sheet)`
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %s", err, want)
	}
}

func TestEmptySheet(t *testing.T) {
	wb := excelize.NewFile()
	defer wb.Close()
	var b bytes.Buffer
	if err := wb.Write(&b); err != nil {
		t.Fatal(err)
	}
	_, err := readerOf(bytes.NewReader(b.Bytes()), "in.xlsx", false)
	if err == nil || err.Error() != `in.xlsx:1: the sheet "Sheet1" is empty: a header row naming the columns appid and access_token is required (--sheet names another sheet)` {
		t.Fatalf("error %v", err)
	}
}
