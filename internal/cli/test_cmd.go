package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/devenv/devenv/internal/cijob"
	"github.com/devenv/devenv/internal/orchestrator"
	"github.com/devenv/devenv/internal/render"
	"github.com/spf13/cobra"
)

// TestOptions holds what `devenv test` needs.
type TestOptions struct {
	Service   string // run the command in this service's container instead of on the host
	OneOff    bool   // with Service: in a new container of the service, not its running one
	Keep      bool
	Artifacts string
	JUnit     string
	Timeout   time.Duration
	Build     bool
	NoReaper  bool
	Cmd       []string
}

// NewCmdTest builds `devenv test`.
func NewCmdTest(f *factory, runF func(context.Context, *TestOptions) error) *cobra.Command {
	opts := &TestOptions{}
	cmd := &cobra.Command{
		Use:   "test [--service S [--one-off]] [--keep] [--artifacts DIR] [--junit FILE] [--timeout D] -- COMMAND [ARG...]",
		Short: "CI: bring a private copy of the stack up, run a test command against it, tear it all down",
		Long: "test brings the stack up under a project name of its own (from the CI job's ID, plus a random suffix),\n" +
			"waits until every service is ready, runs COMMAND and exits with its exit code. By default COMMAND runs on\n" +
			"the host with DATABASE_URL, REDIS_URL, AMQP_URL and <SERVICE>_URL pointing at the published ports;\n" +
			"--service runs it in a service's container instead.\n\n" +
			"Every service's logs and `ps --json` go to the artifacts directory, pass or fail. Then everything the\n" +
			"job created (containers, networks, volumes, built images) is removed, unless --keep; a reaper container\n" +
			"removes it too if devenv itself is killed.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return &usageError{errors.New("test needs a command, e.g. devenv test -- go test ./...")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = args
			if opts.OneOff && opts.Service == "" {
				return &usageError{errors.New("--one-off needs --service: it runs the command in a new container of that service")}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runTest(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Service, "service", "s", "", "run the command in this service's running container (default: on the host)")
	fl.BoolVar(&opts.OneOff, "one-off", false, "with --service: run it in a new container of the service, on the project network")
	fl.BoolVar(&opts.Keep, "keep", false, "leave the stack running afterwards (devenv -p NAME down --volumes removes it)")
	fl.StringVar(&opts.Artifacts, "artifacts", "", "write logs, ps.json and events.jsonl here (default: devenv-artifacts/<project>)")
	fl.StringVar(&opts.JUnit, "junit", "", "write a JUnit XML report to this file")
	fl.DurationVar(&opts.Timeout, "timeout", 10*time.Minute, "give up if the stack is not ready after this long (exit 124)")
	fl.BoolVar(&opts.Build, "build", false, "rebuild images of built services even if they exist")
	fl.BoolVar(&opts.NoReaper, "no-reaper", false, "do not start the reaper container (a killed devenv then leaves the stack behind)")
	// Everything after the first argument belongs to the command: `devenv test go test -v ./...`.
	fl.SetInterspersed(false)
	return cmd
}

func runTest(ctx context.Context, f *factory, opts *TestOptions) error {
	if f.projectName == "" {
		base, err := f.Config()
		if err != nil {
			return err
		}
		f.projectName = cijob.ProjectName(base.Name, f.environ(), rand.Reader)
	}
	_, p, err := f.Project(ctx)
	if err != nil {
		return err
	}
	if opts.Service != "" {
		if _, ok := p.Services[opts.Service]; !ok {
			return &usageError{fmt.Errorf("project has no service %q to run the command in (services: %s)", opts.Service, strings.Join(slices.Sorted(maps.Keys(p.Services)), ", "))}
		}
	}
	cijob.PrivatePorts(p)
	e, err := f.Engine(ctx)
	if err != nil {
		return err
	}
	wd, err := f.getwd()
	if err != nil {
		return err
	}
	artifacts := opts.Artifacts
	if artifacts == "" {
		artifacts = filepath.Join(wd, "devenv-artifacts", p.Name)
	}
	job := &cijob.Job{
		Engine: e, Project: p,
		Opts: cijob.Options{Cmd: opts.Cmd, Service: opts.Service, OneOff: opts.OneOff, Keep: opts.Keep, Artifacts: artifacts,
			JUnit: opts.JUnit, Timeout: opts.Timeout, Build: opts.Build, NoReaper: opts.NoReaper, ReaperSocket: f.getenv("DEVENV_REAPER_SOCKET")},
		Dir: wd, Environ: f.environ(), Stdin: f.streams.In, Stdout: f.streams.Out, Stderr: f.streams.ErrOut,
		Progress: render.NewPlain(f.streams.ErrOut, true, f.colorOK(f.streams.ErrOut)),
	}
	// The orchestrator reports into the job's own sinks (progress, events.jsonl, the JUnit
	// report's timeline), which exist once the job runs.
	job.Stack = orchestrator.New(e, job, nil)
	out, err := job.Run(ctx)
	if err != nil {
		return err
	}
	if out.ExitCode != 0 {
		return &exitCodeError{code: out.ExitCode}
	}
	return nil
}
