package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"log/slog"
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
			printResult(stdout, lang(c), &cfg, res)
			code := runCode(&cfg, res)
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
			printResult(stdout, lang(c), &cfg, res)
			code = runCode(&cfg, res)
			fmt.Fprintf(stdout, "exit status %d; the stand-in saw %d calls this time\n", code, srv.Count("")-before)
			if kept {
				fmt.Fprintf(stdout, "\nresults: %s (see: openbind report %s)\n", output, output)
			}
			return nil
		},
	}
}
