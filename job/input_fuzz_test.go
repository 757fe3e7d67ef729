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
// every error must be an *InputError that names the file and a line, and
// every row must be trimmed UTF-8 text on a line after the header. The
// seed corpus in testdata/fuzz/FuzzInputReader runs with every go test.
func FuzzInputReader(f *testing.F) {
	f.Add([]byte("appid,access_token\nwx0123456789abcdef,T1\n"))
	f.Add([]byte("\ufeffAuthorizer_AppID , authorizer_access_token,group\r\n wx0123456789abcdef ,T1,g\r\n,,\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, optional := range []bool{false, true} {
			in, err := NewInputReader(bytes.NewReader(data), "f.csv", optional)
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
					if cell != strings.TrimSpace(cell) || !utf8.ValidString(cell) || strings.IndexByte(cell, 0) >= 0 {
						t.Fatalf("cell %q: not trimmed UTF-8 text", cell)
					}
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
	if ie.File != "f.csv" || ie.Line < 1 || !strings.HasPrefix(err.Error(), "f.csv:") {
		t.Fatalf("error %q does not name the file and a line", err)
	}
}
