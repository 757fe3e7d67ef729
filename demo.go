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
			dir, kept, t := c.String("dir"), true, lang(c).Printer()
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
						fmt.Fprint(stdout, t.T("demo.removed", dir))
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
			fmt.Fprint(stdout, t.T("demo.head", srv.URL, len(accounts), input))
			fmt.Fprintf(stdout, "\n$ openbind run --input %s --output %s --qps 50 --base-url %s\n", input, output, srv.URL)
			res, err := job.Run(c.Context, cfg)
			if err != nil {
				return err
			}
			printResult(stdout, lang(c), &cfg, res)
			code := runCode(&cfg, res)
			fmt.Fprint(stdout, t.T("demo.exit", code))
			if res.Stopped != nil {
				return nil
			}
			fmt.Fprint(stdout, t.T("demo.again"))
			before := srv.Count("")
			res, err = job.Run(c.Context, cfg)
			if err != nil {
				return err
			}
			printResult(stdout, lang(c), &cfg, res)
			code = runCode(&cfg, res)
			fmt.Fprint(stdout, t.T("demo.exit_calls", code, srv.Count("")-before))
			if kept {
				fmt.Fprint(stdout, t.T("demo.results", output, output))
			}
			return nil
		},
	}
}
