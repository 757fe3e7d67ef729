package job

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzInputReader feeds the input reader any bytes: it must never panic,
// every error must be an *InputError that names the file (and a line, but
// for a workbook or a file refused as a whole), and every row must be
// cleaned UTF-8 text (see cleanCell) with a lower-case appid, on a line
// after the header. The seed corpus in testdata/fuzz/FuzzInputReader (the
// forms of testdata/inputs among them) runs with every go test.
func FuzzInputReader(f *testing.F) {
	f.Add([]byte("appid,access_token\nwx0123456789abcdef,T1\n"))
	f.Add([]byte("\ufeffAuthorizer_AppID , authorizer_access_token,group\r\n wx0123456789abcdef ,T1,g\r\n,,\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, optional := range []bool{false, true} {
			in, err := readerOf(bytes.NewReader(data), "f.csv", optional)
			if err != nil {
				checkInputError(t, err)
				continue
			}
			prev := 1
			for range len(data) + 2 {
				r, err := in.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					checkInputError(t, err)
					break
				}
				if r.Line <= prev {
					t.Fatalf("row on line %d after line %d", r.Line, prev)
				}
				prev = r.Line
				for _, cell := range []string{r.AppID, r.Token, r.Group} {
					if cell != strings.TrimSpace(cell) || cell != cleanCell(cell) || !utf8.ValidString(cell) || strings.IndexByte(cell, 0) >= 0 {
						t.Fatalf("cell %q: not cleaned UTF-8 text", cell)
					}
				}
				if hasUpper(r.AppID) {
					t.Fatalf("appid %q not in lower case", r.AppID)
				}
			}
		}
	})
}

func checkInputError(t *testing.T, err error) {
	t.Helper()
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T) is not an *InputError", err, err)
	}
	if ie.File != "f.csv" || !strings.HasPrefix(err.Error(), "f.csv:") {
		t.Fatalf("error %q does not name the file", err)
	}
	whole := strings.Contains(err.Error(), "workbook") || strings.Contains(err.Error(), "--sheet")
	if ie.Line < 1 && !whole {
		t.Fatalf("error %q does not name a line", err)
	}
}

// FuzzFormulaReader checks the Excel ="..." unwrapping against
// encoding/csv: a text with no `="` passes through byte for byte, and
// any text reads as the same records whether the '=' is dropped by the
// reader or the cell is unwrapped afterwards.
func FuzzFormulaReader(f *testing.F) {
	f.Add([]byte("a,=\"wx1\",\"=\"\"b\"\"\"\n=\"c\",d\n"), byte(','))
	f.Add([]byte("x\t=\"1\"\t\"q\"\"\"\r\n"), byte('\t'))
	f.Fuzz(func(t *testing.T, data []byte, comma byte) {
		if comma != ',' && comma != '\t' && comma != ';' {
			comma = ','
		}
		got, err := io.ReadAll(newFormulaReader(bytes.NewReader(data), rune(comma)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte(`="`)) && !bytes.Equal(got, data) {
			t.Fatalf("%q became %q", data, got)
		}
		if len(got) > len(data) {
			t.Fatalf("%q grew to %q", data, got)
		}
	})
}
