package main

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"openbind/job"
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
		UsageText:    "openbind demo [--dir DIR]",
		OnUsageError: usageError,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Usage: "where to write the demo's input and results (default: a new temporary directory)", EnvVars: envVar("dir")},
		},
		Action: func(c *cli.Context) error {
			dir := c.String("dir")
			if dir == "" {
				var err error
				if dir, err = os.MkdirTemp("", "openbind-demo-"); err != nil {
					return err
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
			code := exitCode(printResult(stdout, &cfg, res))
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
			code = exitCode(printResult(stdout, &cfg, res))
			fmt.Fprintf(stdout, "exit status %d; the stand-in saw %d calls this time\n", code, srv.Count("")-before)
			fmt.Fprintf(stdout, "\nresults: %s (see: openbind report %s)\n", output, output)
			return nil
		},
	}
}

func serveFakeCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:         "serve-fake",
		Usage:        "serve the stand-in of WeChat on a local address, for rehearsals (run --base-url http://ADDR)",
		UsageText:    "openbind serve-fake [--addr 127.0.0.1:8089] [--accounts FILE]",
		OnUsageError: usageError,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8089", Usage: "address to listen on (loopback)", EnvVars: envVar("addr")},
			&cli.StringFlag{Name: "accounts", Usage: "an input CSV whose accounts the stand-in knows (with an optional scenario column); without it, a token is learnt with the first appid it comes with", EnvVars: envVar("accounts")},
		},
		Action: func(c *cli.Context) error {
			srv := wechattest.New()
			if path := c.String("accounts"); path != "" {
				f, err := os.Open(path)
				if err != nil {
					return err
				}
				accounts, err := wechattest.ReadScenario(f)
				f.Close()
				if err != nil {
					return fmt.Errorf("%s: %w", path, err)
				}
				for _, a := range accounts {
					srv.Add(a)
				}
			} else {
				srv.SetLearn(true)
			}
			srv.SetRecord(false)
			ln, err := net.Listen("tcp", c.String("addr"))
			if err != nil {
				return err
			}
			hs := &http.Server{Handler: srv, ConnState: srv.ConnState, ReadHeaderTimeout: 10 * time.Second}
			fmt.Fprintf(stdout, "stand-in of WeChat listening on http://%s (openbind run --base-url http://%s)\n", ln.Addr(), ln.Addr())
			go func() {
				<-c.Context.Done()
				srv.Release()
				_ = hs.Close()
			}()
			if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			fmt.Fprintf(stderr, "stand-in stopped after %d calls\n", srv.Count(""))
			return nil
		},
	}
}
