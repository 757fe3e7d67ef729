package job

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"testing"

	"github.com/gocarina/gocsv"
)

// benchInput is an input file of n rows with tokens of a real length.
func benchInput(n int) []byte {
	var b bytes.Buffer
	b.WriteString("appid,access_token,group\n")
	for i := range n {
		fmt.Fprintf(&b, "wx%016x,TOKEN_%0140d,\n", i, i)
	}
	return b.Bytes()
}

// BenchmarkInputReader reads 100,000 rows with the reader of the job.
func BenchmarkInputReader(b *testing.B) {
	data := benchInput(100000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		in, err := readerOf(bytes.NewReader(data), "bench.csv", false)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := in.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 100000 {
			b.Fatal(n)
		}
	}
}

// BenchmarkInputReaderGocsv reads the same rows with gocarina/gocsv, which
// the job does not use: it is several times slower (reflection per row),
// reports no column and counts lines wrongly for quoted line breaks. It is
// kept to show that choice with a figure.
func BenchmarkInputReaderGocsv(b *testing.B) {
	type row struct {
		AppID string `csv:"appid"`
		Token string `csv:"access_token"`
		Group string `csv:"group"`
	}
	data := benchInput(100000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		n := 0
		dec := gocsv.NewSimpleDecoderFromCSVReader(csv.NewReader(bytes.NewReader(data)))
		if err := gocsv.UnmarshalDecoderToCallback(dec, func(r row) { n++ }); err != nil {
			b.Fatal(err)
		}
		if n != 100000 {
			b.Fatal(n)
		}
	}
}

// BenchmarkInputSniff is the pass that tells the form of the same rows
// (encoding, line ends, NUL bytes) and sizes the rows; it replaced the
// pass that counted lines. BenchmarkInputReader includes it.
func BenchmarkInputSniff(b *testing.B) {
	data := benchInput(100000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		f, err := sniff(bytes.NewReader(data), "bench.csv", InputOptions{})
		if err != nil || f.lines < 100000 {
			b.Fatal(f.lines, err)
		}
	}
}

// BenchmarkInputReaderRows reads the same rows with their form told
// beforehand, as the run's re-reads do: the reader alone.
func BenchmarkInputReaderRows(b *testing.B) {
	data := benchInput(100000)
	f, err := sniff(bytes.NewReader(data), "bench.csv", InputOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		in, err := newInputReader(bytes.NewReader(data), "bench.csv", f, false)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := in.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 100000 {
			b.Fatal(n)
		}
	}
}
