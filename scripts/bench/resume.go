package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// resumeOnce runs openbind on a job whose every row is done, and checks
// that it made no call and kept every row.
func (b *bench) resumeOnce(input, results string, rows int) (proc, error) {
	// A base URL nobody listens on: a call would fail the run.
	p, err := b.openbind("run", "--input", input, "--output", results, "--base-url", "http://127.0.0.1:9", "--max-attempts", "1")
	if err != nil {
		return p, err
	}
	if p.code != 0 || !strings.Contains(p.stdout, fmt.Sprintf("%d rows, %d done", rows, rows)) || !strings.Contains(p.stdout, "nothing left to send") {
		return p, fmt.Errorf("exit %d\n%s%s", p.code, p.stdout, p.stderr)
	}
	return p, nil
}

// measureResume: a job of b.rows rows with random appids, all done,
// resumed: it reads the input and the results and finishes without a
// call. The results file in input order is the common case (the final
// file of a run); a journal in another order is resumed once as well
// (it is rewritten into input order).
func measureResume(b *bench) error {
	n := b.rows
	input, ids, err := b.writeInput("resume-input.csv", n)
	if err != nil {
		return err
	}
	inOrder := make([]int, n)
	for i := range inOrder {
		inOrder[i] = i
	}
	results, err := b.writeDoneResults("resume-results.csv", ids, inOrder)
	if err != nil {
		return err
	}
	shuffled := slices.Clone(inOrder)
	rand.New(rand.NewPCG(b.seed, 7)).Shuffle(n, func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	journal, err := b.writeDoneResults("resume-journal.csv", ids, shuffled)
	if err != nil {
		return err
	}
	ids = nil
	before, err := fileHash(results)
	if err != nil {
		return err
	}
	runs := 5
	if b.quick {
		runs = 3
	}
	var walls []float64
	var peak int64
	for range runs {
		p, err := b.resumeOnce(input, results, n)
		if err != nil {
			return err
		}
		walls = append(walls, p.wall.Seconds())
		peak = max(peak, p.maxRSS)
	}
	if after, err := fileHash(results); err != nil {
		return err
	} else if after != before {
		return errors.New("the results file changed")
	}
	scale := float64(n) / 1e6
	fmt.Printf("resume: %d done rows (random appids), results in input order: wall %s s over %d runs (whole process), 0 calls, file unchanged\n", n, joinF(walls, "%.2f"), runs)
	b.check(median(walls) < scale, "resume wall median %.2f s  (bound < %.2f s: 1 s per 1,000,000 rows)", median(walls), scale)
	b.check(peak < 100e6, "resume peak RSS %s  (bound < 100 MB)", mb(peak))

	p, err := b.resumeOnce(input, journal, n)
	if err != nil {
		return err
	}
	if after, err := fileHash(journal); err != nil {
		return err
	} else if after != before {
		return errors.New("the journal in another order was not rewritten into the final file")
	}
	fmt.Printf("resume: the same rows, results in random order (a hash lookup, then the rewrite into input order): wall %.2f s, peak RSS %s\n", p.wall.Seconds(), mb(p.maxRSS))
	b.check(p.maxRSS < 100e6, "resume of a shuffled journal peak RSS %s  (bound < 100 MB)", mb(p.maxRSS))
	return nil
}
