package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

// Set by scripts/release with -ldflags "-X main.version=... -X main.commit=...
// -X main.date=...". A build without them (go install, go build) takes
// what the Go toolchain recorded in the binary (runtime/debug.ReadBuildInfo).
var (
	version string
	commit  string
	date    string
)

// buildInfo is what `openbind version` prints.
type buildInfo struct {
	Version, Commit, Date, Go, Platform string
	Modified                            bool // built from a tree with changes not committed
}

// readBuildInfo is the build info of this binary: the -X values where a
// release set them, else the module version and the VCS stamps of
// debug.ReadBuildInfo, else "unknown".
func readBuildInfo(bi *debug.BuildInfo, ok bool) buildInfo {
	info := buildInfo{Version: version, Commit: commit, Date: date, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if ok {
		if info.Version == "" && bi.Main.Version != "" {
			info.Version = bi.Main.Version // v1.2.3 from go install openbind@v1.2.3, or (devel)
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if info.Commit == "" {
					info.Commit = s.Value
				}
			case "vcs.time":
				if info.Date == "" {
					info.Date = s.Value
				}
			case "vcs.modified":
				info.Modified = s.Value == "true" && commit == ""
			}
		}
		if bi.GoVersion != "" {
			info.Go = bi.GoVersion
		}
	}
	for _, f := range []*string{&info.Version, &info.Commit, &info.Date} {
		if *f == "" {
			*f = "unknown"
		}
	}
	return info
}

func (b buildInfo) write(w io.Writer) error {
	commit := b.Commit
	if b.Modified {
		commit += " (with changes not committed)"
	}
	_, err := fmt.Fprintf(w, "openbind %s\ncommit:  %s\ndate:    %s\ngo:      %s %s\n", b.Version, commit, b.Date, b.Go, b.Platform)
	return err
}

func printVersion(w io.Writer) error {
	bi, ok := debug.ReadBuildInfo()
	return readBuildInfo(bi, ok).write(w)
}

func versionCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "version",
		Usage:     "print the version, commit, build date and Go version (the same as openbind --version)",
		UsageText: "openbind version",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return unexpected(c.Args().First(), "openbind version")
			}
			return printVersion(stdout)
		},
	}
}
