package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"text/tabwriter"

	"github.com/devenv/devenv/internal/engine"
	"github.com/spf13/cobra"
)

// VersionOptions holds what `devenv version` needs.
type VersionOptions struct {
	Streams Streams
	Build   BuildInfo
	JSON    bool
	// EngineVersion asks the engine for its version and address.
	EngineVersion func(ctx context.Context) (engine.Version, string, error)
}

// NewCmdVersion builds `devenv version`; runF replaces the run step in tests.
func NewCmdVersion(f *factory, runF func(context.Context, *VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{Streams: f.streams, Build: f.build}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Show devenv's version and the Docker engine it talks to",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.EngineVersion = func(ctx context.Context) (engine.Version, string, error) {
				c, err := f.Engine(ctx)
				if err != nil {
					return engine.Version{}, "", err
				}
				v, err := c.Version(ctx)
				return v, c.Host(), err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runVersion(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the versions as one JSON object")
	return cmd
}

type versionReport struct {
	Version   string       `json:"version"`
	Commit    string       `json:"commit,omitempty"`
	BuildDate string       `json:"buildDate,omitempty"`
	Go        string       `json:"go"`
	Platform  string       `json:"platform"`
	Engine    engineReport `json:"engine"`
}

type engineReport struct {
	Host          string `json:"host,omitempty"`
	Version       string `json:"version,omitempty"`
	APIVersion    string `json:"apiVersion,omitempty"`
	NegotiatedAPI string `json:"negotiatedApiVersion,omitempty"`
	Error         string `json:"error,omitempty"`
}

// runVersion prints devenv's own version even when the engine is down: that is exactly when a
// user pastes `devenv version` into a bug report. The engine's state is reported, not fatal.
func runVersion(ctx context.Context, opts *VersionOptions) error {
	r := versionReport{
		Version:   opts.Build.Version,
		Commit:    opts.Build.Commit,
		BuildDate: opts.Build.Date,
		Go:        runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
	}
	if r.Version == "" {
		r.Version = moduleVersion()
	}
	v, host, err := opts.EngineVersion(ctx)
	var fix string
	if err != nil {
		r.Engine.Error = err.Error()
		var h hinter
		if errors.As(err, &h) {
			fix = h.Hint()
		}
	} else {
		r.Engine = engineReport{Host: host, Version: v.Server, APIVersion: v.ServerAPI, NegotiatedAPI: v.NegotiatedAPI}
	}
	out := opts.Streams.Out
	if opts.JSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "devenv:\t%s\n", r.Version)
	if r.Commit != "" {
		fmt.Fprintf(tw, "commit:\t%s\n", r.Commit)
	}
	if r.BuildDate != "" {
		fmt.Fprintf(tw, "built:\t%s\n", r.BuildDate)
	}
	fmt.Fprintf(tw, "go:\t%s %s\n", r.Go, r.Platform)
	if r.Engine.Error != "" {
		fmt.Fprintf(tw, "engine:\tnot reachable (%s)\n", r.Engine.Error)
		if fix != "" {
			fmt.Fprintf(tw, "\tfix: %s\n", fix)
		}
	} else {
		fmt.Fprintf(tw, "engine:\t%s at %s\n", r.Engine.Version, r.Engine.Host)
		fmt.Fprintf(tw, "engine API:\t%s (engine supports up to %s)\n", r.Engine.NegotiatedAPI, r.Engine.APIVersion)
	}
	return tw.Flush()
}

// moduleVersion is the fallback for binaries built without the Makefile's link flags, e.g. by
// `go install`, where the module system records the version.
func moduleVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// noArgs rejects positional arguments with a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return &usageError{fmt.Errorf("%q takes no arguments, got %q", cmd.CommandPath(), args)}
	}
	return nil
}
