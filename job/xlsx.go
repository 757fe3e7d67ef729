package job

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"openbind/locale"
)

// A workbook is read with xuri/excelize (the .xlsx format is a ZIP of
// XML parts, shared strings and styles: a reader of our own would be a
// project of its own). It is read in memory, never copied to a temporary
// file (Decision 3): excelize unzips a part bigger than UnzipXMLSizeLimit
// to the temporary directory, so the limit is set as high as the size
// limit. The tokens of a workbook are then as safe as those of a CSV: in
// the file and, while it is read, in memory only.
const workbookSizeLimit = 16 << 30

// sheetRecords reads the rows of one sheet as records; the line of a row
// is its row number in the sheet (Decision 2).
type sheetRecords struct {
	wb   *excelize.File
	rows *excelize.Rows
	n    int
}

// openSheet reads the workbook r and opens its sheet (the first when
// sheet is ""). The sheet's name is returned for the plan.
func openSheet(r io.Reader, name, sheet string) (rec *sheetRecords, used string, err error) {
	defer func() {
		// A workbook is a complex format read by a library: a malformed
		// one must refuse the file, not crash the run.
		if v := recover(); v != nil {
			rec, err = nil, workbookError(name, fmt.Errorf("%v", v))
		}
	}()
	wb, err := excelize.OpenReader(r, excelize.Options{UnzipSizeLimit: workbookSizeLimit, UnzipXMLSizeLimit: workbookSizeLimit})
	if err != nil {
		return nil, "", workbookError(name, err)
	}
	sheets := wb.GetSheetList()
	switch {
	case len(sheets) == 0:
		wb.Close()
		return nil, "", workbookError(name, fmt.Errorf("no sheet"))
	case sheet == "":
		sheet = sheets[0]
	default:
		found := false
		for _, s := range sheets {
			if s == sheet {
				found = true
			}
		}
		if !found {
			wb.Close()
			return nil, "", &InputError{File: name, Err: locale.Errorf("input.no_sheet", sheet, quoteList(sheets))}
		}
	}
	rows, err := wb.Rows(sheet)
	if err != nil {
		wb.Close()
		return nil, "", workbookError(name, err)
	}
	return &sheetRecords{wb: wb, rows: rows}, sheet, nil
}

func workbookError(name string, err error) error {
	return &InputError{File: name, Err: locale.Errorf("input.bad_workbook", err)}
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = visible(n)
	}
	return strings.Join(q, ", ")
}

func (s *sheetRecords) Read() (rec []string, err error) {
	defer func() {
		if v := recover(); v != nil {
			rec, err = nil, fmt.Errorf("cannot read row %d of the sheet: %v", s.n, v)
		}
	}()
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, err
		}
		return nil, io.EOF
	}
	s.n++
	return s.rows.Columns()
}

// FieldPos is the row number and column number (A = 1) of field i.
func (s *sheetRecords) FieldPos(i int) (int, int) { return s.n, i + 1 }

func (s *sheetRecords) Close() error {
	s.rows.Close()
	return s.wb.Close()
}
