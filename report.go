package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"openbind/job"
	"openbind/locale"
	"openbind/report"
)

func reportCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:         "report",
		Usage:        "summarize a results file",
		UsageText:    "openbind report [--format text|json|html] [--input ACCOUNTS.csv] results.csv > wave.html",
		ArgsUsage:    "results.csv",
		OnUsageError: usageError,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Value: "text", Usage: "text, json, or html (a self-contained sign-off page)", EnvVars: envVar("format")},
			&cli.StringFlag{Name: "input", Usage: "the accounts file, for the command the page says to run next", EnvVars: envVar("input")},
			&cli.StringFlag{Name: "verify", Usage: "a report of openbind verify: adds the section \"Verified against WeChat\"", EnvVars: envVar("verify")},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return locale.Errorf("usage.see", locale.Errorf("usage.one_results"), "openbind report")
			}
			path := c.Args().First()
			if held, _ := job.LockHeld(path); held {
				// Said on stderr: the text, JSON or page on stdout stays as it is.
				fmt.Fprintf(stderr, "openbind: %s\n", lang(c).Printer().T("report.locked", path, path))
			}
			s, err := report.Summarize(path)
			if err != nil {
				return err
			}
			if path := c.String("verify"); path != "" {
				v, err := report.SummarizeVerify(path)
				if err != nil {
					return fmt.Errorf("--verify: %w", err)
				}
				s.Verify = &v
			}
			switch c.String("format") {
			case "text":
				return s.WriteTextIn(stdout, lang(c))
			case "json":
				return s.WriteJSON(stdout)
			case "html":
				return s.WriteHTML(stdout, report.PageOptions{Input: c.String("input"), Lang: lang(c)})
			}
			return badChoice(c, &choiceError{"format", c.String("format"), locale.Errorf("want.format")})
		},
	}
}
