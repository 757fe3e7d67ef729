// Command bench measures openbind as a whole process against the stand-in
// of WeChat on loopback and prints the figures the project's goals name.
//
//	go run ./scripts/bench                 # every measurement
//	go run ./scripts/bench -only resume    # some of them (comma-separated)
//
// It builds openbind into a temporary directory, makes its input files
// there, and sends traffic only to 127.0.0.1.
package main

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

type measurement struct {
	name string
	run  func(b *bench) error
}

var measurements = []measurement{
	{"rate", measureRate},
	{"latency", measureLatency},
	{"overhead", measureOverhead},
	{"memory", measureMemory},
	{"resume", measureResume},
}

func main() {
	only := flag.String("only", "", "comma-separated measurements to run (default all): "+names())
	rows := flag.Int("rows", 1_000_000, "rows of the large files (memory, resume)")
	keep := flag.Bool("keep", false, "keep the work directory")
	bare := flag.String("bare", "", "internal: run as the bare client against this base URL")
	input := flag.String("input", "", "internal: the bare client's input")
	workers := flag.Int("workers", 32, "internal: the bare client's workers")
	flag.Parse()
	if *bare != "" {
		if err := bareClient(*bare, *input, *workers); err != nil {
			fmt.Fprintln(os.Stderr, "bare client:", err)
			os.Exit(1)
		}
		return
	}
	b, err := newBench(*rows)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if !*keep {
		defer os.RemoveAll(b.dir)
	} else {
		fmt.Println("work directory:", b.dir)
	}
	fmt.Printf("machine: %s/%s, %d CPUs, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel())
	failed := false
	for _, m := range measurements {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), m.name) {
			continue
		}
		if err := m.run(b); err != nil {
			fmt.Printf("%s: FAILED: %v\n", m.name, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

func names() string {
	var n []string
	for _, m := range measurements {
		n = append(n, m.name)
	}
	return strings.Join(n, ",")
}

type bench struct {
	dir  string
	bin  string
	rows int
}

func newBench(rows int) (*bench, error) {
	dir, err := os.MkdirTemp("", "openbind-bench-")
	if err != nil {
		return nil, err
	}
	b := &bench{dir: dir, bin: filepath.Join(dir, "openbind"), rows: rows}
	build := exec.Command("go", "build", "-o", b.bin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("go build (run bench from the repository's root): %w", err)
	}
	return b, nil
}

// proc is what one run of openbind cost.
type proc struct {
	code   int
	wall   time.Duration
	maxRSS int64 // bytes
	cpu    time.Duration
	stdout string
	stderr string
}

// openbind runs the built binary and measures it.
func (b *bench) openbind(args ...string) (proc, error) {
	return b.process(b.bin, args...)
}

// path is a file of the work directory.
func (b *bench) path(name string) string { return filepath.Join(b.dir, name) }

// writeInput writes an input file of n plain rows (tokens of a real length).
func (b *bench) writeInput(name string, n int) (string, error) {
	path := b.path(name)
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "appid,access_token")
	for i := range n {
		fmt.Fprintf(w, "wx%016x,%s\n", i, token(i))
	}
	if err := w.Flush(); err != nil {
		return "", err
	}
	return path, f.Close()
}

// token is the made-up token of row i: 150 characters, as real ones.
func token(i int) string {
	return fmt.Sprintf("TOKEN_%0144d", i)
}

// writeDoneResults writes the final results file of n rows, all created.
func (b *bench) writeDoneResults(name string, n int) (string, error) {
	path := b.path(name)
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "line,appid,group,status,open_appid,errcode,errmsg,attempts,finished_at")
	for i := range n {
		fmt.Fprintf(w, "%d,wx%016x,,created,wx%016x,,,1,2026-11-27T03:04:05.678Z\n", i+2, i, uint64(i)|0xf000000000000000)
	}
	if err := w.Flush(); err != nil {
		return "", err
	}
	return path, f.Close()
}

func fileHash(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return fmt.Sprintf("%x", h.Sum(nil)), nil
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "cpu unknown"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "cpu unknown"
}

// measureResume: a job of b.rows rows, all done, resumed: it must read the
// state and finish without a call, keeping every row.
func measureResume(b *bench) error {
	input, err := b.writeInput("resume-input.csv", b.rows)
	if err != nil {
		return err
	}
	results, err := b.writeDoneResults("resume-results.csv", b.rows)
	if err != nil {
		return err
	}
	before, err := fileHash(results)
	if err != nil {
		return err
	}
	// A base URL nobody listens on: a call would fail the run.
	var walls []time.Duration
	var peak int64
	for range 5 {
		p, err := b.openbind("run", "--input", input, "--output", results, "--base-url", "http://127.0.0.1:9", "--max-attempts", "1")
		if err != nil {
			return err
		}
		if p.code != 0 || !strings.Contains(p.stdout, fmt.Sprintf("%d rows, %d done", b.rows, b.rows)) || !strings.Contains(p.stdout, "sent 0 rows in 0 calls") {
			return fmt.Errorf("exit %d\n%s%s", p.code, p.stdout, p.stderr)
		}
		walls = append(walls, p.wall)
		peak = max(peak, p.maxRSS)
	}
	after, err := fileHash(results)
	if err != nil {
		return err
	}
	if after != before {
		return errors.New("the results file changed")
	}
	fmt.Printf("resume: %d rows all done: wall median %.2f s (max %.2f s) over %d runs, peak RSS %s, 0 calls, results file unchanged\n",
		b.rows, median(walls).Seconds(), slices.Max(walls).Seconds(), len(walls), mb(peak))
	return nil
}
