// Command bench measures openbind as a whole process against the stand-in
// of WeChat on loopback, checks each figure against its bound, and exits
// non-zero when one falls short.
//
//	go run ./scripts/bench                    # every figure
//	go run ./scripts/bench -only overhead     # some of them (comma-separated)
//	go run ./scripts/bench -quick             # smaller files, fewer pairs (to iterate)
//	go run ./scripts/bench -only overhead -pprof /tmp/cpu.out   # and the CPU profile of openbind
//
// Inputs are made as real ones are: random appids (seeded, -seed) and
// tokens of 150 characters. The floor of the overhead figure is a client
// that does the least a client can: one kept connection per worker, the
// same requests, the body read and discarded (see floor.go). It builds
// openbind into a temporary directory, makes its files there, and sends
// traffic only to 127.0.0.1; every run stops by itself.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

type figure struct {
	name string
	run  func(b *bench) error
}

var figures = []figure{
	{"resume", measureResume},
	{"overhead", measureOverhead},
	{"scale", measureScale},
	{"rate", measureRate},
	{"window", measureWindow},
}

func main() {
	only := flag.String("only", "", "comma-separated figures to run (default all): "+names())
	quick := flag.Bool("quick", false, "smaller files and fewer pairs: figures to iterate on, not to publish")
	rows := flag.Int("rows", 0, "rows of the large files (resume, scale; default 1,000,000, -quick 200,000)")
	pairs := flag.Int("pairs", 0, "alternating pairs of the overhead figure (default 5, -quick 3)")
	seed := flag.Uint64("seed", 1, "seed of the random appids and tokens")
	pprof := flag.String("pprof", "", "also profile one openbind run of the overhead figure into this file, and print its top")
	keep := flag.Bool("keep", false, "keep the work directory")
	floor := flag.String("floor", "", "internal: run as the floor client against this base URL")
	input := flag.String("input", "", "internal: the floor client's input")
	workers := flag.Int("workers", 32, "internal: the floor client's workers")
	answer := flag.Bool("answerer", false, "internal: run as the stateless stand-in of the scale figure")
	flag.Parse()
	if *answer {
		if err := serveAnswerer(); err != nil {
			fmt.Fprintln(os.Stderr, "answerer:", err)
			os.Exit(1)
		}
		return
	}
	if *floor != "" {
		if err := floorClient(*floor, *input, *workers); err != nil {
			fmt.Fprintln(os.Stderr, "floor client:", err)
			os.Exit(1)
		}
		return
	}
	b, err := newBench(*seed)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	b.quick, b.pprof = *quick, *pprof
	b.rows, b.pairs = pick(*rows, 1_000_000, 200_000, *quick), pick(*pairs, 5, 3, *quick)
	if !*keep {
		defer os.RemoveAll(b.dir)
	} else {
		fmt.Println("work directory:", b.dir)
	}
	fmt.Println(machine())
	if *quick {
		fmt.Println("quick mode: smaller files and fewer pairs; the bounds are checked all the same")
	}
	for _, f := range figures {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), f.name) {
			continue
		}
		start := time.Now()
		if err := f.run(b); err != nil {
			fmt.Printf("%s: FAILED: %v\n", f.name, err)
			b.failed++
		}
		fmt.Printf("%s: took %.0f s\n", f.name, time.Since(start).Seconds())
	}
	if b.failed > 0 {
		fmt.Printf("FAIL: %d figures short of their bound\n", b.failed)
		os.Exit(1)
	}
	fmt.Println("ok: every figure within its bound")
}

func pick(set, full, quick int, isQuick bool) int {
	switch {
	case set > 0:
		return set
	case isQuick:
		return quick
	}
	return full
}

func names() string {
	var n []string
	for _, f := range figures {
		n = append(n, f.name)
	}
	return strings.Join(n, ",")
}

type bench struct {
	dir    string
	bin    string
	seed   uint64
	rows   int
	pairs  int
	quick  bool
	pprof  string
	failed int
}

func newBench(seed uint64) (*bench, error) {
	dir, err := os.MkdirTemp("", "openbind-bench-")
	if err != nil {
		return nil, err
	}
	b := &bench{dir: dir, bin: filepath.Join(dir, "openbind"), seed: seed}
	build := exec.Command("go", "build", "-o", b.bin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("go build (run bench from the repository's root): %w", err)
	}
	return b, nil
}

// check prints one figure with its bound, and counts it when it falls short.
func (b *bench) check(ok bool, format string, args ...any) {
	verdict := "ok"
	if !ok {
		verdict = "SHORT"
		b.failed++
	}
	fmt.Printf("  %-5s "+format+"\n", append([]any{verdict}, args...)...)
}

// path is a file of the work directory.
func (b *bench) path(name string) string { return filepath.Join(b.dir, name) }

// machine names what the figures were measured on.
func machine() string {
	load := ""
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = ", load average " + strings.Join(strings.Fields(string(data))[:3], " ")
	}
	return fmt.Sprintf("machine: %s, %d cores, %s %s/%s%s", cpuModel(), runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH, load)
}

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

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

func joinF(v []float64, format string) string {
	parts := make([]string, len(v))
	for i, r := range v {
		parts[i] = fmt.Sprintf(format, r)
	}
	return strings.Join(parts, " ")
}
