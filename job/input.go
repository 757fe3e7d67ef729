package job

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Row is one account of the input file.
type Row struct {
	Line  int // line of the input file where the row starts
	AppID string
	Token string
	Group string
}

// InputError is a problem with the input file as a whole: it stops the run
// before any call. It names the file, line and column (0 when unknown).
type InputError struct {
	File   string
	Line   int
	Column int
	Err    error
}

func (e *InputError) Error() string {
	switch {
	case e.Line == 0:
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	case e.Column == 0:
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s:%d:%d: %v", e.File, e.Line, e.Column, e.Err)
}

func (e *InputError) Unwrap() error { return e.Err }

// Column names of the input, after trimming, lower-casing and dropping a
// UTF-8 byte order mark; the second name of each is an accepted alias.
var (
	appidColumns = []string{"appid", "authorizer_appid"}
	tokenColumns = []string{"access_token", "authorizer_access_token"}
	groupColumns = []string{"group"}
)

// InputReader reads the rows of an input file, streaming, with the header
// matched as DESIGN.md says. It checks the file (CSV syntax, UTF-8 text,
// columns) but not the rows: see Check.
type InputReader struct {
	name   string
	cr     *csv.Reader
	appid  int
	token  int // -1 when the file has no token column
	group  int // -1 when the file has no group column
	record int // records read, header included
	// trusted skips the text checks of the rows: the file was read and
	// checked once already (the re-reads check each row's line and appid).
	trusted bool
}

// NewInputReader reads the header of r, a file called name. With
// tokenOptional the access_token column may be absent.
func NewInputReader(r io.Reader, name string, tokenOptional bool) (*InputReader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	// Refuse binary files before the CSV parser trips on them.
	if head, _ := br.Peek(512); bytes.IndexByte(head, 0) >= 0 {
		line := 1 + bytes.Count(head[:bytes.IndexByte(head, 0)], []byte("\n"))
		return nil, &InputError{File: name, Line: line, Err: errors.New("not a CSV text file (binary data: NUL byte); if it is UTF-16, save it as UTF-8 CSV")}
	}
	// A UTF-8 byte order mark (spreadsheets write one) is not data.
	if bom, _ := br.Peek(3); string(bom) == "\ufeff" {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	in := &InputReader{name: name, cr: cr, token: -1, group: -1}
	header, err := cr.Read()
	switch {
	case err == io.EOF:
		return nil, in.errorf(1, 0, "empty file: a header row naming the columns appid and access_token is required")
	case err != nil:
		return nil, in.csvError(err)
	}
	in.record = 1
	line, _ := cr.FieldPos(0)
	if err := in.checkText(header); err != nil {
		return nil, err
	}
	if in.appid, err = in.find(header, line, appidColumns); err != nil {
		return nil, err
	}
	if in.token, err = in.find(header, line, tokenColumns); err != nil {
		return nil, err
	}
	if in.group, err = in.find(header, line, groupColumns); err != nil {
		return nil, err
	}
	if in.appid < 0 {
		for _, h := range header {
			if _, ok := parseAppID(strings.TrimSpace(h)); ok {
				return nil, in.errorf(line, 0, "no header row: line %d holds data (%s); the first line must name the columns, e.g. appid,access_token", line, h)
			}
		}
		return nil, in.errorf(line, 0, "no appid column (or authorizer_appid) in the header %q", strings.Join(header, ","))
	}
	if in.token < 0 && !tokenOptional {
		return nil, in.errorf(line, 0, "no access_token column (or authorizer_access_token) in the header %q", strings.Join(header, ","))
	}
	return in, nil
}

// find returns the column of the header named by one of names, -1 if none.
func (in *InputReader) find(header []string, line int, names []string) (int, error) {
	found := -1
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		for _, n := range names {
			if h != n {
				continue
			}
			if found >= 0 {
				return -1, in.errorf(line, 0, "columns %d and %d both name the %s column (%s)", found+1, i+1, names[0], strings.Join(names, " or "))
			}
			found = i
		}
	}
	return found, nil
}

// Read returns the next row that has a non-empty cell, with its cells
// trimmed; io.EOF at the end of the file.
func (in *InputReader) Read() (Row, error) {
	for {
		rec, err := in.cr.Read()
		if err == io.EOF {
			return Row{}, io.EOF
		}
		if err != nil {
			return Row{}, in.csvError(err)
		}
		in.record++
		if !in.trusted {
			if err := in.checkText(rec); err != nil {
				return Row{}, err
			}
		}
		if allEmpty(rec) {
			continue
		}
		line, _ := in.cr.FieldPos(0)
		row := Row{Line: line, AppID: strings.TrimSpace(rec[in.appid])}
		if in.token >= 0 {
			row.Token = strings.TrimSpace(rec[in.token])
		}
		if in.group >= 0 {
			row.Group = strings.TrimSpace(rec[in.group])
		}
		return row, nil
	}
}

// checkText refuses a record holding a NUL byte or bytes that are not UTF-8:
// the file is not text, or not UTF-8 (a spreadsheet's legacy encoding).
func (in *InputReader) checkText(rec []string) error {
	for i, f := range rec {
		if j := strings.IndexByte(f, 0); j >= 0 {
			line, col := in.cr.FieldPos(i)
			return in.errorf(line, col+j, "not a CSV text file (binary data: NUL byte); if it is UTF-16, save it as UTF-8 CSV")
		}
		if !utf8.ValidString(f) {
			line, col := in.cr.FieldPos(i)
			return in.errorf(line, col+invalidUTF8At(f), "not UTF-8 text; save the file as \"CSV UTF-8\"")
		}
	}
	return nil
}

func invalidUTF8At(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return i
			}
		}
	}
	return 0
}

func allEmpty(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func (in *InputReader) errorf(line, col int, format string, args ...any) error {
	return &InputError{File: in.name, Line: line, Column: col, Err: fmt.Errorf(format, args...)}
}

// csvError turns a csv.ParseError into an InputError that says what to fix.
func (in *InputReader) csvError(err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return &InputError{File: in.name, Err: err}
	}
	msg := pe.Err.Error()
	switch {
	case errors.Is(pe.Err, csv.ErrFieldCount):
		msg = fmt.Sprintf("wrong number of fields (the header has %d)", in.cr.FieldsPerRecord)
	case errors.Is(pe.Err, csv.ErrBareQuote):
		msg = `a quote (") inside an unquoted field; quote the whole field and double the quote`
	case errors.Is(pe.Err, csv.ErrQuote):
		msg = `a quoted field is not closed, or a quote (") follows it`
	}
	return &InputError{File: in.name, Line: pe.Line, Column: pe.Column, Err: errors.New(msg)}
}

// AppID is an authorizer appid packed into 8 bytes: "wx" and 16 lowercase
// hex digits.
type AppID uint64

// parseAppID packs s; ok is false when s is not "wx" + 16 lowercase hex.
func parseAppID(s string) (AppID, bool) {
	if len(s) != 18 || s[0] != 'w' || s[1] != 'x' {
		return 0, false
	}
	var v uint64
	for i := 2; i < 18; i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | uint64(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		default:
			return 0, false
		}
	}
	return AppID(v), true
}

func (a AppID) String() string {
	const hex = "0123456789abcdef"
	var b [18]byte
	b[0], b[1] = 'w', 'x'
	for i := 17; i >= 2; i-- {
		b[i] = hex[a&0xf]
		a >>= 4
	}
	return string(b[:])
}

// Why a row is invalid.
type reason uint8

const (
	valid reason = iota
	badAppID
	emptyToken
	duplicate
)

// check returns why a row is invalid on its own (duplicates are found
// across rows), or valid.
func check(r *Row, tokenOptional bool) reason {
	if _, ok := parseAppID(r.AppID); !ok {
		return badAppID
	}
	if r.Token == "" && !tokenOptional {
		return emptyToken
	}
	return valid
}

func (w reason) message(first int) string {
	switch w {
	case badAppID:
		return "invalid appid: want wx followed by 16 lowercase hex digits"
	case emptyToken:
		return "empty access_token"
	case duplicate:
		return fmt.Sprintf("duplicate appid; first on line %d", first)
	}
	return ""
}
