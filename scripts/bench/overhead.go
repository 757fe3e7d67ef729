package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// measureOverhead runs openbind and the floor client (floor.go) in
// alternating pairs on the same input against a fresh stand-in each, at
// --qps 0 with 32 workers: the ratios of each pair (openbind's rows/s to
// the floor's, the floor's CPU to openbind's) and their medians.
//
// The bounds are checked against the stateless answerer (answerer.go):
// on two cores the stand-in's own CPU is taken from the clients', and
// serve-fake's (it learns every account and records every call) took
// most of a core, so the figure measured how three processes share two
// cores as much as openbind. The same pairs against serve-fake follow,
// printed for comparison.
func measureOverhead(b *bench) error {
	n := 60_000
	if b.quick {
		n = 20_000
	}
	input, _, err := b.writeInput("overhead.csv", n)
	if err != nil {
		return err
	}
	if err := b.overheadAgainst(input, n, "the stateless answerer", []string{answererArg}, true); err != nil {
		return err
	}
	if err := b.overheadAgainst(input, n, "serve-fake", nil, false); err != nil {
		return err
	}
	if b.pprof != "" {
		return b.profile(input, n, overheadWorkers)
	}
	return nil
}

const overheadWorkers = 32

// overheadAgainst is one set of pairs against one stand-in; bounded says
// whether its figures are checked against their bounds or only printed.
func (b *bench) overheadAgainst(input string, n int, standIn string, fakeArgs []string, bounded bool) error {
	const workers = overheadWorkers
	out := b.path("overhead-results.csv")
	var wallR, cpuR, obRate, flRate, obCPU, flCPU []float64
	var obConns, flConns int
	for pair := range b.pairs {
		var ob, fl proc
		for k := range 2 {
			floor := (pair+k)%2 == 1 // openbind first in even pairs, the floor first in odd ones
			_ = os.Remove(out)
			p, conns, err := b.against(floor, input, n, workers, fakeArgs, "--output", out, "--qps", "0", "--workers", fmt.Sprint(workers))
			if err != nil {
				return err
			}
			if floor {
				fl, flConns = p, max(flConns, conns)
			} else {
				ob, obConns = p, max(obConns, conns)
			}
		}
		wallR = append(wallR, fl.wall.Seconds()/ob.wall.Seconds())
		cpuR = append(cpuR, fl.cpu.Seconds()/ob.cpu.Seconds())
		obRate = append(obRate, float64(n)/ob.wall.Seconds())
		flRate = append(flRate, float64(n)/fl.wall.Seconds())
		obCPU = append(obCPU, float64(ob.cpu.Microseconds())/float64(n))
		flCPU = append(flCPU, float64(fl.cpu.Microseconds())/float64(n))
	}
	fmt.Printf("overhead against %s: %d rows, --qps 0, %d workers, loopback, %d alternating pairs against the floor (one kept connection per worker, body read and discarded, nothing else)\n", standIn, n, workers, b.pairs)
	fmt.Printf("  openbind rows/s %s; floor rows/s %s\n", joinF(obRate, "%.0f"), joinF(flRate, "%.0f"))
	fmt.Printf("  openbind CPU µs/row %s; floor CPU µs/row %s\n", joinF(obCPU, "%.1f"), joinF(flCPU, "%.1f"))
	fmt.Printf("  connections: openbind at most %d, floor at most %d, for %d workers\n", obConns, flConns, workers)
	wall := fmt.Sprintf("overhead by wall: median %.3f of the floor's rows/s (pairs %s)", median(wallR), joinF(wallR, "%.3f"))
	cpu := fmt.Sprintf("overhead by CPU: median %.3f (floor CPU / openbind CPU; pairs %s)", median(cpuR), joinF(cpuR, "%.3f"))
	if !bounded {
		fmt.Printf("  for comparison, not bounded: %s; %s\n", wall, cpu)
		return nil
	}
	b.check(median(wallR) >= 0.95, "%s  (bound >= 0.95)", wall)
	b.check(median(cpuR) >= 0.90, "%s  (bound >= 0.90)", cpu)
	b.check(obConns <= workers, "openbind connections %d  (bound <= %d workers)", obConns, workers)
	return nil
}

// profile runs the overhead run once more in a test binary of openbind
// (TestProfiledRun: the command line run in-process, with tuneGC) with
// the CPU profiler on, and prints the top of the profile.
func (b *bench) profile(input string, n, workers int) error {
	test := b.path("openbind.test")
	build := exec.Command("go", "test", "-c", "-o", test, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return err
	}
	srv, err := b.startFake()
	if err != nil {
		return err
	}
	out := b.path("profile-results.csv")
	args := strings.Join([]string{"run", "--input", input, "--output", out, "--qps", "0", "--workers", fmt.Sprint(workers), "--base-url", srv.URL}, "\x1f")
	cmd := exec.Command(test, "-test.run", "^TestProfiledRun$", "-test.cpuprofile", b.pprof)
	cmd.Env = append(os.Environ(), "OPENBIND_PROFILE_ARGS="+args)
	cmd.Dir = b.dir
	outb, err := cmd.CombinedOutput()
	calls, _, serr := srv.stop()
	if err != nil {
		return fmt.Errorf("profiled run: %w\n%s", err, outb)
	}
	if serr != nil {
		return serr
	}
	if calls != n {
		return fmt.Errorf("profiled run: %d calls for %d rows\n%s", calls, n, outb)
	}
	top, err := exec.Command("go", "tool", "pprof", "-top", "-nodecount=40", test, b.pprof).CombinedOutput()
	fmt.Printf("pprof of the openbind process, %d rows at --qps 0, %d workers (%s):\n%s", n, workers, b.pprof, top)
	return err
}
