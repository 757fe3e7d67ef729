package job

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"hash/maphash"
	"io"
	"strings"
	"unicode/utf8"

	"openbind/locale"
)

// inputRow is one account of the input file.
type inputRow struct {
	Line  int // line of the input file where the row starts
	AppID string
	Token string
	Group string
}

// Column names of the input, after trimming, lower-casing and dropping a
// UTF-8 byte order mark; the second name of each is an accepted alias.
var (
	appidColumns = []string{"appid", "authorizer_appid"}
	tokenColumns = []string{"access_token", "authorizer_access_token"}
	groupColumns = []string{"group"}
)

// records is what the input reader reads rows from: encoding/csv's
// Reader, or the rows of a workbook's sheet.
type records interface {
	Read() ([]string, error)
	FieldPos(field int) (line, column int)
}

// inputReader reads the rows of an input file, streaming, with the header
// matched by name (appid and access_token, their aliases, an optional
// group; README "Run a wave"). It checks the file (CSV syntax, text,
// columns) but not the rows: check (check.go) does.
type inputReader struct {
	name   string
	rec    records
	closer io.Closer // the workbook, if it is one
	form   form
	header []string // the header's names, cleaned and lower-cased
	width  int      // fields of the header
	appid  int
	token  int // -1 when the file has no token column
	group  int // -1 when the file has no group column
	record int // records read, header included
	line   int // line of the header
	// trusted skips the text checks of the rows: the file was read and
	// checked once already (the re-reads check each row's line and appid).
	trusted bool
	// What the first read found, for the plan (not kept when trusted).
	plan InputPlan
	// tokenish are the token-like group cells (see tokenLike), by the
	// hash of their text with seed: the first place of each. Nil: not
	// kept.
	tokenish map[uint64]cellPos
	seed     maphash.Seed
}

// openInput tells the form of r and reads its header.
func openInput(r io.ReadSeeker, name string, opts InputOptions) (*inputReader, error) {
	f, err := sniff(r, name, opts)
	if err != nil {
		return nil, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, &InputError{File: name, Err: err}
	}
	return newInputReader(r, name, f, opts.TokenOptional)
}

// newInputReader reads the header of r, a file of the given form.
func newInputReader(r io.Reader, name string, f form, tokenOptional bool) (*inputReader, error) {
	in := &inputReader{name: name, form: f, token: -1, group: -1}
	if f.Workbook {
		sr, sheet, err := openSheet(r, name, f.Sheet)
		if err != nil {
			return nil, err
		}
		in.rec, in.closer, in.form.Sheet = sr, sr, sheet
	} else {
		in.rec = in.textRecords(r)
	}
	header, err := in.rec.Read()
	switch {
	case err == io.EOF && f.Workbook:
		in.Close()
		return nil, in.errorf(1, 0, "input.sheet_empty", visible(in.form.Sheet))
	case err == io.EOF:
		in.Close()
		return nil, in.errorf(1, 0, "input.empty")
	case err != nil:
		in.Close()
		return nil, in.readError(err)
	}
	if err := in.setHeader(header, tokenOptional); err != nil {
		in.Close()
		return nil, err
	}
	return in, nil
}

// textRecords sets up the CSV reader of a text file: decoded to UTF-8, its
// line ends and Excel wrappers made plain, its delimiter told from the
// header line.
func (in *inputReader) textRecords(r io.Reader) records {
	src := decoder(r, in.form.enc)
	if in.form.crOnly {
		src = crReader{src}
	}
	br := bufio.NewReaderSize(src, 64<<10)
	// A UTF-8 byte order mark (spreadsheets write one) is not data.
	if bom, _ := br.Peek(3); string(bom) == "\ufeff" {
		_, _ = br.Discard(3)
	}
	head, _ := br.Peek(64 << 10)
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	in.form.comma = tellDelimiter(head)
	in.form.Delimiter = delimiterName(in.form.comma)
	var text io.Reader = br
	if in.form.formulas {
		text = newFormulaReader(br, in.form.comma)
	}
	cr := csv.NewReader(text)
	cr.Comma = in.form.comma
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	return cr
}

// setHeader finds the columns in the header.
func (in *inputReader) setHeader(header []string, tokenOptional bool) error {
	in.record = 1
	line, _ := in.rec.FieldPos(0)
	in.line = line
	if err := in.checkText(header); err != nil {
		return err
	}
	in.width = len(header)
	in.header = make([]string, len(header))
	for i, h := range header {
		in.header[i] = strings.ToLower(cleanCell(h))
	}
	var err error
	if in.appid, err = in.find(line, appidColumns); err != nil {
		return err
	}
	if in.token, err = in.find(line, tokenColumns); err != nil {
		return err
	}
	if in.group, err = in.find(line, groupColumns); err != nil {
		return err
	}
	if in.appid < 0 {
		for _, h := range header {
			if _, ok := parseAppID(strings.ToLower(cleanCell(h))); ok {
				return in.errorf(line, 0, "input.no_header", line, cleanCell(h))
			}
		}
		return in.errorf(line, 0, "input.no_appid", in.headerText(header), in.formHint())
	}
	if in.token < 0 && !tokenOptional {
		return in.errorf(line, 0, "input.no_token", in.headerText(header), in.formHint())
	}
	in.plan.columns(header, in.appid, in.token, in.group)
	if in.plan.GroupLike != "" {
		in.plan.warn(line, locale.Errorf("warn.group_like", visible(in.plan.GroupLike)))
	}
	return nil
}

// headerText quotes the header for a message, unless a cell of it is as
// long as a token: a file without a header has data on its first line.
func (in *inputReader) headerText(header []string) string {
	for _, h := range header {
		if utf8.RuneCountInString(h) > maxNameLen {
			return fmt.Sprintf("(%d columns, not shown: a cell is %d characters long, is the first line data?)", len(header), utf8.RuneCountInString(h))
		}
	}
	return fmt.Sprintf("%q", strings.Join(header, in.sep()))
}

// maxNameLen is the longest header cell that messages show.
const maxNameLen = 40

func (in *inputReader) sep() string {
	if in.form.Workbook {
		return ","
	}
	return string(in.form.comma)
}

// formHint tells, for a header with a missing column, how the file was
// read: a wrong guess of encoding or delimiter shows there.
func (in *inputReader) formHint() *locale.Message {
	if in.form.Workbook {
		if sr, ok := in.rec.(*sheetRecords); ok && sheetHidden(sr, in.form.Sheet) {
			return locale.Errorf("input.hint.sheet_hidden", visible(in.form.Sheet))
		}
		return locale.Errorf("input.hint.sheet", visible(in.form.Sheet))
	}
	return locale.Errorf("input.hint.text", in.form.Encoding, locale.Errorf("plan.delim."+in.form.Delimiter))
}

// sheetHidden reports whether the workbook hides the sheet (Excel does
// not show it, and the first sheet may be one).
func sheetHidden(sr *sheetRecords, sheet string) bool {
	shown, err := sr.wb.GetSheetVisible(sheet)
	return err == nil && !shown
}

// either is "a or b" of a column's names, in the language.
func either(names []string) error {
	if len(names) == 1 {
		return locale.Errorf("list.one", names[0])
	}
	return locale.Errorf("list.either", names[0], names[1])
}

// find returns the column of the header named by one of names, -1 if none.
func (in *inputReader) find(line int, names []string) (int, error) {
	found := -1
	for i, h := range in.header {
		for _, n := range names {
			if h != n {
				continue
			}
			if found >= 0 {
				return -1, in.errorf(line, 0, "input.two_columns", found+1, i+1, names[0], either(names))
			}
			found = i
		}
	}
	return found, nil
}

// Form is how the file is written, as far as the header told.
func (in *inputReader) Form() Form { return in.form.Form }

// Plan is what the reader found so far, for the plan: the file's form, the
// columns used and ignored, warnings.
func (in *inputReader) Plan() InputPlan {
	p := in.plan
	p.Form = in.form.Form
	return p
}

// Close closes what the reader opened (a workbook); the file is the
// caller's.
func (in *inputReader) Close() error {
	if in.closer != nil {
		return in.closer.Close()
	}
	return nil
}

// Read returns the next row that has a non-empty cell, with its cells
// cleaned (see cleanCell) and its appid in lower case; io.EOF at the end of
// the file. A line that repeats the header is skipped with a warning.
func (in *inputReader) Read() (inputRow, error) {
	for {
		rec, err := in.rec.Read()
		if err == io.EOF {
			return inputRow{}, io.EOF
		}
		if err != nil {
			return inputRow{}, in.readError(err)
		}
		in.record++
		if !in.trusted {
			if err := in.checkText(rec); err != nil {
				return inputRow{}, err
			}
		}
		if len(rec) > in.width {
			for i := in.width; i < len(rec); i++ {
				if cleanCell(rec[i]) != "" {
					line, col := in.rec.FieldPos(i)
					return inputRow{}, in.errorf(line, col, "input.field_count", in.width)
				}
			}
		}
		if allEmpty(rec) {
			continue
		}
		line, _ := in.rec.FieldPos(0)
		if in.repeatsHeader(rec) {
			in.warn(line, locale.Errorf("warn.header_again"))
			continue
		}
		row := inputRow{Line: line, AppID: cell(rec, in.appid)}
		if hasUpper(row.AppID) {
			row.AppID = strings.ToLower(row.AppID)
			if !in.trusted {
				if in.plan.LowerCased == 0 {
					in.plan.FirstLowerCased = line
				}
				in.plan.LowerCased++
			}
		}
		if in.token >= 0 {
			row.Token = cell(rec, in.token)
		}
		if in.group >= 0 {
			row.Group = cell(rec, in.group)
			if !in.trusted && tokenLike(row.Group) {
				if err := in.tokenGroup(&row); err != nil {
					return inputRow{}, err
				}
			}
		}
		return row, nil
	}
}

// tokenGroup refuses a row whose group cell is a token by its form, and
// keeps the place of any other token-like group cell, for loadInput to
// refuse one that is some row's token (tokenGroups).
func (in *inputReader) tokenGroup(r *inputRow) error {
	line, col := in.rec.FieldPos(in.group)
	if groupIsToken(r.Group, r.Token) {
		return in.errorf(line, col, "input.group_token", utf8.RuneCountInString(r.Group))
	}
	if in.tokenish == nil {
		return nil
	}
	h := maphash.String(in.seed, r.Group)
	if _, ok := in.tokenish[h]; !ok {
		in.tokenish[h] = cellPos{line: line, col: col, n: len(r.Group)}
	}
	return nil
}

// cellPos is where a cell is, and its length.
type cellPos struct{ line, col, n int }

// cell is field i of rec, cleaned; "" when rec is short of it (a row that
// spreadsheets cut after its last filled cell).
func cell(rec []string, i int) string {
	if i >= len(rec) {
		return ""
	}
	return cleanCell(rec[i])
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// repeatsHeader reports whether rec holds the header's names in the
// columns that openbind reads.
func (in *inputReader) repeatsHeader(rec []string) bool {
	for _, i := range [...]int{in.appid, in.token, in.group} {
		if i >= 0 && !strings.EqualFold(cell(rec, i), in.header[i]) {
			return false
		}
	}
	return true
}

func (in *inputReader) warn(line int, msg *locale.Message) {
	if !in.trusted {
		in.plan.warn(line, msg)
	}
}
