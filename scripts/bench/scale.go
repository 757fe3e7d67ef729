package main

import (
	"fmt"
	"os"
)

// measureScale runs a job of b.rows rows and one of 3 × b.rows at --qps 0
// against the stand-in, then resumes each (all done): the larger goes at
// the same rows/s, and its memory grows by at most ~40 bytes a row.
func measureScale(b *bench) error {
	type result struct {
		rows                int
		run, resume         proc
		runRate, resumeRate float64
		runCPU              float64 // openbind's CPU µs a row
	}
	var res []result
	for _, n := range []int{b.rows, 3 * b.rows} {
		input, _, err := b.writeInput(fmt.Sprintf("scale-%d.csv", n), n)
		if err != nil {
			return err
		}
		out := b.path(fmt.Sprintf("scale-%d-results.csv", n))
		run, conns, err := b.against(false, input, n, 32, []string{answererArg}, "--output", out, "--qps", "0")
		if err != nil {
			return err
		}
		resume, err := b.resumeOnce(input, out, n)
		if err != nil {
			return err
		}
		r := result{rows: n, run: run, resume: resume, runRate: float64(n) / run.wall.Seconds(), resumeRate: float64(n) / resume.wall.Seconds(),
			runCPU: float64(run.cpu.Microseconds()) / float64(n)}
		fmt.Printf("scale: %d rows at --qps 0: %.1f s, %.0f rows/s, openbind CPU %.1f µs a row (the stand-in's %.1f), peak RSS %s, %d connections; resumed: %.2f s, %.0f rows/s, peak RSS %s\n",
			n, run.wall.Seconds(), r.runRate, r.runCPU, float64(run.standInCPU.Microseconds())/float64(n), mb(run.maxRSS), conns, resume.wall.Seconds(), r.resumeRate, mb(resume.maxRSS))
		res = append(res, r)
		_ = os.Remove(input)
		_ = os.Remove(out)
	}
	s, l := res[0], res[1]
	extra := float64(l.rows - s.rows)
	// The stand-in is the stateless answerer, whose cost per call does not
	// grow with the rows: the wall rate is openbind's (its CPU a row is
	// printed beside it).
	b.check(l.runRate >= 0.9*s.runRate, "run of %d rows at %.2f of the rows/s of %d  (bound >= 0.90; by openbind CPU a row %.2f)", l.rows, l.runRate/s.runRate, s.rows, s.runCPU/l.runCPU)
	b.check(l.resumeRate >= 0.9*s.resumeRate, "resume of %d rows at %.2f of the rows/s of %d  (bound >= 0.90)", l.rows, l.resumeRate/s.resumeRate, s.rows)
	// About 40 bytes a row: a row's 32 and its share of the appid index,
	// whose power-of-two table steps between sizes (so: within 5%).
	const perRow = 40 * 1.05
	b.check(float64(l.run.maxRSS-s.run.maxRSS)/extra <= perRow, "run memory %.1f B a row above the base of %d rows  (bound ~40: <= %.0f)", float64(l.run.maxRSS-s.run.maxRSS)/extra, s.rows, perRow)
	b.check(float64(l.resume.maxRSS-s.resume.maxRSS)/extra <= perRow, "resume memory %.1f B a row above the base of %d rows  (bound ~40: <= %.0f)", float64(l.resume.maxRSS-s.resume.maxRSS)/extra, s.rows, perRow)
	return nil
}
