package job

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func readAll(t *testing.T, data string, tokenOptional bool) ([]inputRow, error) {
	t.Helper()
	in, err := readerOf(strings.NewReader(data), "in.csv", tokenOptional)
	if err != nil {
		return nil, err
	}
	var rows []inputRow
	for {
		r, err := in.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		rows = append(rows, r)
	}
}

const (
	appA = "wx0123456789abcdef"
	appB = "wx00000000000000ff"
)

func TestHeaderMatching(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []inputRow
	}{
		{"plain", "appid,access_token\n" + appA + ",T1\n", []inputRow{{Line: 2, AppID: appA, Token: "T1"}}},
		{"aliases", "authorizer_appid,authorizer_access_token\n" + appA + ",T1\n", []inputRow{{Line: 2, AppID: appA, Token: "T1"}}},
		{"case and spaces", " AppID , Access_Token ,GROUP\n" + appA + ",T1,g\n", []inputRow{{Line: 2, AppID: appA, Token: "T1", Group: "g"}}},
		{"bom", "\ufeffappid,access_token\n" + appA + ",T1\n", []inputRow{{Line: 2, AppID: appA, Token: "T1"}}},
		{"bom and quoted header", "\ufeff\"appid\",\"access_token\"\n" + appA + ",T1\n", []inputRow{{Line: 2, AppID: appA, Token: "T1"}}},
		{"crlf", "appid,access_token\r\n" + appA + ",T1\r\n" + appB + ",T2\r\n", []inputRow{{Line: 2, AppID: appA, Token: "T1"}, {Line: 3, AppID: appB, Token: "T2"}}},
		{"other columns ignored, any order", "note,access_token,x,appid\nhello," + "T1,y," + appA + "\n", []inputRow{{Line: 2, AppID: appA, Token: "T1"}}},
		{"cells trimmed", "appid,access_token,group\n  " + appA + " ,\tT1 , g1 \n", []inputRow{{Line: 2, AppID: appA, Token: "T1", Group: "g1"}}},
		{"all-empty rows skipped", "appid,access_token\n,\n \t, \n" + appA + ",T1\n\n", []inputRow{{Line: 4, AppID: appA, Token: "T1"}}},
		{"quoted field over two lines keeps its start line", "appid,access_token,note\n" + appA + ",T1,\"a\nb\"\n" + appB + ",T2,\n", []inputRow{{Line: 2, AppID: appA, Token: "T1"}, {Line: 4, AppID: appB, Token: "T2"}}},
		{"header only", "appid,access_token\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(t, tt.data, false)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInputErrors(t *testing.T) {
	tests := []struct {
		name          string
		data          string
		tokenOptional bool
		line, col     int
		msg           string
	}{
		{"empty file", "", false, 1, 0, "empty file"},
		{"no header", appA + ",T1\n" + appB + ",T2\n", false, 1, 0, "no header row"},
		{"no appid column", "id,access_token\nx,T\n", false, 1, 0, "no appid column"},
		{"no token column", "appid,token\n" + appA + ",T\n", false, 1, 0, "no access_token column"},
		{"both appid columns", "appid,access_token,authorizer_appid\n" + appA + ",T," + appA + "\n", false, 1, 0, "columns 1 and 3 both name the appid column"},
		{"column twice", "appid,appid,access_token\n", false, 1, 0, "columns 1 and 2"},
		{"wrong field count", "appid,access_token\n" + appA + ",T1\n" + appB + ",T2,extra\n", false, 3, 23, "wrong number of fields (the header has 2)"},
		{"bare quote", "appid,access_token\n" + appA + ",T\"1\n", false, 2, 21, "a quote"},
		{"unclosed quote: the line it opens on", "appid,access_token\n" + appA + ",\"T1\n" + appB + ",T2\n", false, 2, 0, "a quoted field that starts on this line is never closed"},
		{"unclosed quote on the last line", "appid,access_token\n" + appA + ",T1\n" + appB + ",\"T2", false, 3, 0, "never closed"},
		{"a quote after a closed one", "appid,access_token\n" + appA + ",\"T1\"x\n" + appB + ",T2\n", false, 2, 23, "a quoted field is not closed, or a quote"},
		{"NUL byte", "appid,access_token\n" + appA + ",T\x001\n", false, 2, 0, "binary data"},
		{"NUL after the first 512 bytes", "appid,access_token\n" + strings.Repeat(appA+",T1\n", 30) + appB + ",T\x002\n", false, 32, 21, "binary data"},
		{"neither UTF-8 nor GB18030", "appid,access_token,group\n" + appA + ",T1,Caf\xe9\n", false, 2, 26, "the encoding cannot be told"},
		{"token optional but no appid", "access_token\nT\n", true, 1, 0, "no appid column"},
		{"no header, a token not shown", "wx123,TOKEN_" + strings.Repeat("s", 100) + "\n", false, 1, 0, "(2 columns, not shown: a cell is 106 characters long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readAll(t, tt.data, tt.tokenOptional)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error = %v, want *InputError", err)
			}
			if ie.File != "in.csv" || ie.Line != tt.line || (tt.col != 0 && ie.Column != tt.col) {
				t.Errorf("at %s:%d:%d, want in.csv:%d:%d (%v)", ie.File, ie.Line, ie.Column, tt.line, tt.col, err)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "in.csv:") {
				t.Errorf("error %q, want it to name the file and say %q", err, tt.msg)
			}
		})
	}
}

func TestTokenOptional(t *testing.T) {
	got, err := readAll(t, "appid\n"+appA+"\n", true)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]inputRow{{Line: 2, AppID: appA}}, got); diff != "" {
		t.Error(diff)
	}
}

func TestCheckRow(t *testing.T) {
	tests := []struct {
		appid, token string
		optional     bool
		want         reason
	}{
		{appA, "T", false, valid},
		{"wx0123456789ABCDEF", "T", false, badAppID},
		{"wx0123456789abcde", "T", false, badAppID},
		{"wx0123456789abcdef0", "T", false, badAppID},
		{"wy0123456789abcdef", "T", false, badAppID},
		{"WX0123456789abcdef", "T", false, badAppID},
		{"wx0123456789abcdeg", "T", false, badAppID},
		{"", "T", false, badAppID},
		{appA, "", false, emptyToken},
		{appA, "", true, valid},
		{"bad", "", false, badAppID},
	}
	for _, tt := range tests {
		t.Run(tt.appid+"/"+tt.token, func(t *testing.T) {
			if got := check(&inputRow{AppID: tt.appid, Token: tt.token}, tt.optional); got != tt.want {
				t.Errorf("check = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAppIDRoundTrip(t *testing.T) {
	for _, s := range []string{appA, appB, "wx0000000000000000", "wxffffffffffffffff"} {
		a, ok := parseAppID(s)
		if !ok || a.String() != s {
			t.Errorf("parseAppID(%q) = %v, %v; String() = %q", s, a, ok, a.String())
		}
	}
}

func TestDuplicatesAndGroups(t *testing.T) {
	data := "appid,access_token,group\n" +
		appA + ",T1,m1\n" +
		"wxbad,T2,\n" +
		appB + ",T3,m1\n" +
		appA + ",T4,\n" +
		appA + ",T5,m2\n"
	st := stateOf(t, data)
	type want struct {
		why   reason
		ref   int32
		group int32
	}
	wants := []want{{valid, 0, 0}, {badAppID, 0, -1}, {valid, 0, 0}, {duplicateBoth, 2, -1}, {duplicateBoth, 2, 1}}
	for i, w := range wants {
		r := st.rows[i]
		if r.why != w.why || r.ref != w.ref || r.group != w.group {
			t.Errorf("row %d: why %v ref %d group %d, want %+v", i, r.why, r.ref, r.group, w)
		}
	}
	if got := st.rows[3].why.message(int(st.rows[3].ref)).Error(); got != "duplicate appid with another token and group; first on line 2; its token and group are used (the first line of an appid wins)" {
		t.Errorf("duplicate message %q", got)
	}
	a, _ := parseAppID(appA)
	if got := st.lookup(a); got != 0 {
		t.Errorf("lookup(appA) = %d, want 0 (the first row)", got)
	}
}

// readerOf, for tests, reads the header of r, a file called name, telling its
// form from its bytes (r is read whole first when it cannot seek). With
// tokenOptional the access_token column may be absent.
func readerOf(r io.Reader, name string, tokenOptional bool) (*inputReader, error) {
	rs, ok := r.(io.ReadSeeker)
	if !ok {
		data, err := io.ReadAll(r)
		if err != nil {
			return nil, &InputError{File: name, Err: err}
		}
		rs = bytes.NewReader(data)
	}
	return openInput(rs, name, InputOptions{TokenOptional: tokenOptional})
}
