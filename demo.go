package main

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"openbind/job"
	"openbind/wechat"
	"openbind/wechat/wechattest"
)

// demoAccounts is the demo's input: accounts of every kind of outcome,
// with a scenario column the stand-in reads (openbind ignores it).
//
//go:embed testdata/accounts.csv
var demoAccounts []byte

func demoCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:         "demo",
		Usage:        "run the whole job against a built-in local stand-in of WeChat, then rerun it",
		UsageText:    "openbind demo [--dir DIR | --keep]",
		OnUsageError: usageError,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Usage: "where to write the demo's input and results, kept there", DefaultText: "a temporary directory, removed at the end", EnvVars: envVar("dir")},
			&cli.BoolFlag{Name: "keep", Usage: "keep the temporary directory (and say where it is)", EnvVars: envVar("keep")},
		},
		Action: func(c *cli.Context) error {
			dir, kept := c.String("dir"), true
			if dir == "" {
				var err error
				if dir, err = os.MkdirTemp("", "openbind-demo-"); err != nil {
					return err
				}
				if kept = c.Bool("keep"); !kept {
					// No directory left behind in the system's temporary
					// directory on every run; the last line says so.
					defer func() {
						_ = os.RemoveAll(dir)
						fmt.Fprintf(stdout, "removed %s (keep it with --keep, or choose one with --dir)\n", dir)
					}()
				}
			} else if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			input := filepath.Join(dir, "accounts.csv")
			output := filepath.Join(dir, "results.csv")
			if err := os.WriteFile(input, demoAccounts, 0o600); err != nil {
				return err
			}
			_ = os.Remove(output)
			accounts, err := wechattest.ReadScenario(bytes.NewReader(demoAccounts))
			if err != nil {
				return err
			}
			srv := wechattest.New(accounts...)
			srv.SetLatency(10*time.Millisecond, 60*time.Millisecond)
			srv.Start()
			defer srv.Close()

			cfg := job.Config{
				Input: input, Output: output, QPS: 50, BaseURL: srv.URL,
				RetryBackoff: 50 * time.Millisecond,
				Logger:       slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError})),
			}
			fmt.Fprintf(stdout, "openbind demo: a stand-in of WeChat at %s knows %d accounts; input %s\n", srv.URL, len(accounts), input)
			fmt.Fprintf(stdout, "\n$ openbind run --input %s --output %s --qps 50 --base-url %s\n", input, output, srv.URL)
			res, err := job.Run(c.Context, cfg)
			if err != nil {
				return err
			}
			code := exitCode(printResult(stdout, lang(c), &cfg, res))
			fmt.Fprintf(stdout, "exit status %d\n", code)
			if res.Stopped != nil {
				return nil
			}
			fmt.Fprintf(stdout, "\n$ openbind run ... (the same command again: only the rows not done are sent)\n")
			before := srv.Count("")
			res, err = job.Run(c.Context, cfg)
			if err != nil {
				return err
			}
			code = exitCode(printResult(stdout, lang(c), &cfg, res))
			fmt.Fprintf(stdout, "exit status %d; the stand-in saw %d calls this time\n", code, srv.Count("")-before)
			if kept {
				fmt.Fprintf(stdout, "\nresults: %s (see: openbind report %s)\n", output, output)
			}
			return nil
		},
	}
}

func serveFakeCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "serve-fake",
		Usage:     "serve the stand-in of WeChat on a local address, for rehearsals (run --base-url http://ADDR)",
		UsageText: "openbind serve-fake [--addr 127.0.0.1:8089] [--second-addr 127.0.0.1:8090 [--down first|second]] [--accounts FILE] [--latency 50ms-300ms] [--fault busy=0.05]...",
		Description: "The stand-in answers create, get and bind as WeChat does, keeps its accounts in memory, and\n" +
			"injects faults on demand. Fault kinds: " + faultNames() + ".\n\n" +
			"Example, a rehearsal of a wave with a flaky API:\n" +
			"   openbind serve-fake --accounts wave3.csv --latency 100ms-800ms --fault busy=0.05 --fault 502=0.02 --fault reset-after=0.01 &\n" +
			"   openbind run --input wave3.csv --output rehearsal.csv --qps 50 --base-url http://127.0.0.1:8089",
		OnUsageError: usageError,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8089", Usage: "address to listen on (a loopback address; port 0 picks a free one)", EnvVars: envVar("addr")},
			&cli.StringFlag{Name: "accounts", Usage: "an input CSV whose accounts the stand-in knows (with an optional scenario column); without it, a token is learnt with the first appid it comes with", EnvVars: envVar("accounts")},
			&cli.StringFlag{Name: "latency", Usage: "time to answer, MIN or MIN-MAX (uniform), e.g. 50ms-300ms", EnvVars: envVar("latency")},
			&cli.StringSliceFlag{Name: "fault", Usage: "KIND=SHARE: that share (0..1) of calls fail that way; repeat for several kinds", EnvVars: envVar("fault")},
			&cli.IntFlag{Name: "daily-quota", Value: -1, Usage: "calls let through; the ones after answer 45009 (-1: no quota)", EnvVars: envVar("daily-quota")},
			&cli.IntFlag{Name: "minute-quota", Usage: "calls let through per minute of the clock; the ones beyond answer 45011 (0: no quota)", EnvVars: envVar("minute-quota")},
			&cli.IntFlag{Name: "account-quota", Value: -1, Usage: "calls each account may make; the ones after answer 45009 for that account (its own daily quota; -1: none)", EnvVars: envVar("account-quota")},
			&cli.BoolFlag{Name: "clean-errmsg", Usage: "answer errors with the reference page's clean errmsgs, without WeChat's request ids", EnvVars: envVar("clean-errmsg")},
			&cli.StringFlag{Name: "second-addr", Usage: "a second loopback address serving the same accounts (as api2.weixin.qq.com does), for --base-url URL1,URL2", EnvVars: envVar("second-addr")},
			&cli.StringFlag{Name: "down", Usage: "first or second: that address refuses every connection (a failover rehearsal)", EnvVars: envVar("down")},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "seed of the fault draws", EnvVars: envVar("seed")},
			&cli.IntFlag{Name: "unbind", Usage: "on SIGHUP (after the wave), unbind this many bound accounts behind openbind's back, for a rehearsal of verify", EnvVars: envVar("unbind")},
			&cli.IntFlag{Name: "move", Usage: "on SIGHUP, move this many more bound accounts to new open accounts", EnvVars: envVar("move")},
		},
		Action: func(c *cli.Context) error {
			srv, err := fakeFromFlags(c)
			if err != nil {
				return err
			}
			addrs := []string{c.String("addr")}
			if a := c.String("second-addr"); a != "" {
				addrs = append(addrs, a)
			}
			down := -1
			switch d := c.String("down"); {
			case d == "first":
				down = 0
			case d == "second" && len(addrs) == 2:
				down = 1
			case d != "":
				return fmt.Errorf("--down %q: want first, or second with --second-addr", d)
			}
			var lns []net.Listener
			for _, addr := range addrs {
				if host, _, err := net.SplitHostPort(addr); err != nil || !wechat.IsLoopback(host) {
					return fmt.Errorf("%s: the stand-in listens on loopback only (127.0.0.1, ::1, localhost)", addr)
				}
			}
			var urls []string
			for i, addr := range addrs {
				if i == down {
					urls = append(urls, "http://"+addr)
					continue // nobody listens: connection refused
				}
				ln, err := net.Listen("tcp", addr)
				if err != nil {
					return err
				}
				lns = append(lns, ln)
				urls = append(urls, "http://"+ln.Addr().String())
			}
			hs := &http.Server{Handler: srv, ConnState: srv.ConnState, ReadHeaderTimeout: 10 * time.Second}
			if len(urls) == 1 {
				fmt.Fprintf(stdout, "stand-in of WeChat listening on %s (openbind run --base-url %s)\n", urls[0], urls[0])
			} else {
				for i, u := range urls {
					what := "listening on"
					if i == down {
						what = "refusing connections on"
					}
					fmt.Fprintf(stdout, "stand-in of WeChat %s %s\n", what, u)
				}
				fmt.Fprintf(stdout, "(openbind run --base-url %s)\n", strings.Join(urls, ","))
			}
			go func() {
				<-c.Context.Done()
				srv.Release()
				_ = hs.Close()
			}()
			if unbind, move := c.Int("unbind"), c.Int("move"); unbind > 0 || move > 0 {
				changeOnHangup(c.Context, stdout, srv, unbind, move)
			}
			serveErr := make(chan error, len(lns))
			for _, ln := range lns {
				go func() { serveErr <- hs.Serve(ln) }()
			}
			for range lns {
				if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
					_ = hs.Close()
					return err
				}
			}
			fmt.Fprintf(stdout, "stand-in stopped after %d calls (%d faulted), %d connections\n", srv.Count(""), srv.Faulted(), srv.Conns())
			return nil
		},
	}
}

// changeOnHangup makes, at each SIGHUP, the stand-in's changes behind
// openbind's back (wechattest.Server.ChangeBehind), and says which.
func changeOnHangup(ctx context.Context, stdout io.Writer, srv *wechattest.Server, unbind, move int) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	fmt.Fprintf(stdout, "send SIGHUP (kill -HUP %d) to unbind %d and move %d bound accounts behind openbind's back\n", os.Getpid(), unbind, move)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-hup:
				unbound, moved := srv.ChangeBehind(unbind, move)
				fmt.Fprintf(stdout, "behind openbind's back: unbound %d (%s), moved %d to new open accounts (%s)\n",
					len(unbound), strings.Join(unbound, " "), len(moved), strings.Join(moved, " "))
			case <-ctx.Done():
				return
			}
		}
	}()
}

func faultNames() string {
	var names []string
	for _, f := range wechattest.AllFaults {
		if f != wechattest.None {
			names = append(names, string(f))
		}
	}
	return strings.Join(names, ", ")
}

// fakeFromFlags builds the stand-in serve-fake's flags describe.
func fakeFromFlags(c *cli.Context) (*wechattest.Server, error) {
	srv := wechattest.New()
	srv.SetRecord(false)
	if path := c.String("accounts"); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		accounts, err := wechattest.ReadScenario(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		for _, a := range accounts {
			srv.Add(a)
		}
	} else {
		srv.SetLearn(true)
	}
	if l := c.String("latency"); l != "" {
		lo, hi, found := strings.Cut(l, "-")
		dlo, err := time.ParseDuration(lo)
		if err != nil {
			return nil, fmt.Errorf("--latency %q: %w", l, err)
		}
		dhi := dlo
		if found {
			if dhi, err = time.ParseDuration(hi); err != nil || dhi < dlo {
				return nil, fmt.Errorf("--latency %q: want MIN or MIN-MAX", l)
			}
		}
		srv.SetLatency(dlo, dhi)
	}
	mix := map[wechattest.Fault]float64{}
	total := 0.0
	for _, f := range c.StringSlice("fault") {
		kind, share, ok := strings.Cut(f, "=")
		k, err := wechattest.ParseFault(kind)
		if err != nil || !ok {
			return nil, fmt.Errorf("--fault %q: want KIND=SHARE, KIND one of %s", f, faultNames())
		}
		r, err := strconv.ParseFloat(share, 64)
		if err != nil || r < 0 || r > 1 {
			return nil, fmt.Errorf("--fault %q: the share is a number from 0 to 1", f)
		}
		mix[k] += r
		total += r
	}
	if total > 1 {
		return nil, fmt.Errorf("--fault: the shares add up to %.2f, more than 1", total)
	}
	srv.SetFaultMix(c.Uint64("seed"), mix)
	srv.SetDailyQuota(c.Int("daily-quota"))
	srv.SetAccountQuota(c.Int("account-quota"))
	srv.SetCleanForms(c.Bool("clean-errmsg"))
	if n := c.Int("minute-quota"); n > 0 {
		srv.SetMinuteQuota(n, time.Minute)
	}
	return srv, nil
}
