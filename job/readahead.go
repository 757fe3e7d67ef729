package job

import (
	"io"
	"runtime/debug"
	"sync"
)

// readAheadBatch is how many rows the reader hands over at once: enough
// that the hand-over costs nothing beside the rows, few enough that the
// rows in flight stay a few hundred KB.
const readAheadBatch = 512

// readRows reads every row of in and gives each to take, in order: the
// reading (CSV, text checks) on a goroutine of its own, take on the
// caller's, so that on two cores the first pass over a large input takes
// the longer of the two rather than their sum. It returns in's first
// error other than io.EOF, after the rows before it were taken.
func readRows(in *inputReader, take func(*inputRow)) error {
	type batch struct {
		rows []inputRow
		err  error
	}
	full := make(chan batch, 2)
	free := make(chan []inputRow, 3)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(full)
		defer func() {
			// A bug in the reader stops the reading, as in the pool.
			if v := recover(); v != nil {
				select {
				case full <- batch{err: &PanicError{Value: v, Trace: debug.Stack()}}:
				case <-done:
				}
			}
		}()
		for {
			var rows []inputRow
			select {
			case rows = <-free:
			default:
				rows = make([]inputRow, 0, readAheadBatch)
			}
			var err error
			for len(rows) < readAheadBatch {
				var r inputRow
				if r, err = in.Read(); err != nil {
					break
				}
				rows = append(rows, r)
			}
			select {
			case full <- batch{rows, err}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	defer wg.Wait()
	defer close(done)
	for b := range full {
		for i := range b.rows {
			take(&b.rows[i])
		}
		if b.err != nil {
			if b.err == io.EOF {
				return nil
			}
			return b.err
		}
		clear(b.rows) // the strings go with the batch
		select {
		case free <- b.rows[:0]:
		default:
		}
	}
	return nil
}
