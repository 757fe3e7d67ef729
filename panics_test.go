package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"openbind/job"
)

// panicky is a writer that panics with panicWith when what is written
// holds marker (any write when marker is ""). It says on seen when marker
// was first written without panicking, for a test to act on.
type panicky struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	marker    string
	panicWith func()
	seen      string
	seenCh    chan struct{}
}

func (p *panicky) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen != "" && p.seenCh != nil && bytes.Contains(b, []byte(p.seen)) {
		close(p.seenCh)
		p.seenCh = nil
	}
	if p.marker == "" || bytes.Contains(b, []byte(p.marker)) {
		p.panicWith()
	}
	return p.buf.Write(b)
}

// A panic of the command's own goroutine: the stack on stderr, exit 3, and
// of the panic's value only what cannot hold a token. (Not parallel: the
// tests that call run share urfave/cli's help flag.)
func TestPanicWritesItsStack(t *testing.T) {
	tests := []struct {
		name      string
		panicWith func()
		want      string
	}{
		{"a value that might hold a token", func() { panic("token TOKEN-1-secret is bad") },
			"internal error (a bug in openbind: a panic with a value of type string, not shown: it may hold a token)"},
		{"an error that might hold a token", func() { panic(errors.New("Post https://api?access_token=TOKEN-1-secret")) },
			"a panic with a value of type *errors.errorString, not shown"},
		{"a runtime error", func() { var m map[string]int; m["TOKEN-1-secret"]++ },
			"internal error (a bug in openbind: assignment to entry in nil map)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			code := run(context.Background(), []string{"openbind", "version"}, &panicky{panicWith: tt.panicWith}, &stderr)
			out := stderr.String()
			if code != exitStopped {
				t.Errorf("exit %d, want %d", code, exitStopped)
			}
			for _, want := range []string{tt.want, "the results recorded so far are kept", "goroutine ", "openbind.printVersion("} {
				if !strings.Contains(out, want) {
					t.Errorf("stderr lacks %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "TOKEN-1-secret") {
				t.Errorf("stderr shows the panic's value:\n%s", out)
			}
		})
	}
}

// A panic in a goroutine of the root's (here serve-fake's SIGHUP handler)
// does not kill the process: the command stops as on a signal, returns,
// and run then writes the stack and exits 3.
func TestPanicInAGoroutineStopsTheCommand(t *testing.T) {
	unixOnly(t, "SIGHUP")
	stdout := &panicky{
		marker:    "behind openbind's back:",
		panicWith: func() { panic("boom") },
		seen:      "send SIGHUP",
		seenCh:    make(chan struct{}),
	}
	seen := stdout.seenCh
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(context.Background(), []string{"openbind", "serve-fake", "--addr", "127.0.0.1:0", "--unbind", "1"}, stdout, &stderr)
	}()
	select {
	case <-seen:
	case code := <-done:
		t.Fatalf("serve-fake ended (exit %d) before it handled SIGHUP:\n%s", code, stderr.String())
	}
	self, err := os.FindProcess(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if err := self.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	var code int
	select {
	case code = <-done:
	case <-time.After(time.Minute):
		t.Fatal("serve-fake still runs a minute after its goroutine panicked")
	}
	out := stderr.String()
	if code != exitStopped {
		t.Errorf("exit %d, want %d\n%s", code, exitStopped, out)
	}
	for _, want := range []string{"internal error (a bug in openbind: a panic with a value of type string", "goroutine ", "openbind.changeOnHangup"} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %q:\n%s", want, out)
		}
	}
	stdout.mu.Lock()
	defer stdout.mu.Unlock()
	if !strings.Contains(stdout.buf.String(), "stand-in stopped after") {
		t.Errorf("serve-fake did not stop as on a signal:\n%s", stdout.buf.String())
	}
}

// The crew of a goroutine that panics: the first panic cancels the
// command's context with it, and report writes its stack once.
func TestCrewCatchesPanics(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancelCause(context.Background())
	w := &crew{cancel: cancel}
	var quiet bytes.Buffer
	if w.report(&quiet) || quiet.Len() > 0 {
		t.Fatalf("a crew that caught nothing reported %q", quiet.String())
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		w.Go(func() {
			defer wg.Done()
			var s []int
			_ = s[3]
		})
	}
	wg.Wait()
	<-ctx.Done()
	var pe *job.PanicError
	if !errors.As(context.Cause(ctx), &pe) || !strings.Contains(pe.Error(), "index out of range [3] with length 0") {
		t.Fatalf("cause %v, want the panic", context.Cause(ctx))
	}
	var out bytes.Buffer
	if !w.report(&out) || strings.Count(out.String(), "please report this bug") != 1 || !strings.Contains(out.String(), "TestCrewCatchesPanics") {
		t.Errorf("report wrote:\n%s", out.String())
	}
}

// The stack of a panic of job's, in the stop cause a command returns with
// its exit code, is written; an error without one writes nothing.
func TestWriteBugFindsJobsStack(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	stopped := exitWith(exitStopped, &job.StopError{Reason: "stopped", Err: &job.PanicError{Value: "x", Trace: []byte("goroutine 7 [running]:\nopenbind/job.(*runner).process(...)\n")}})
	if !writeBug(&out, stopped) || !strings.Contains(out.String(), "openbind/job.(*runner).process") {
		t.Errorf("writeBug wrote:\n%s", out.String())
	}
	out.Reset()
	if writeBug(&out, exitWith(exitStopped, &job.StopError{Reason: "stopped by a signal"})) || writeBug(&out, nil) || out.Len() > 0 {
		t.Errorf("writeBug of an error without a stack wrote:\n%s", out.String())
	}
}
