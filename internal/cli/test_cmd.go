package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/config"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/events"
	"github.com/devenv/devenv/internal/orchestrator"
	"github.com/devenv/devenv/internal/reaper"
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

// testStopGrace is each container's time to stop at teardown: the job's data goes with its
// volumes, so there is nothing to flush, and CI minutes are not worth waiting for it.
const testStopGrace = 2 * time.Second

// jobProjectName is the project name of one test job: the configured name, the CI job's ID if
// there is one (so `docker ps` says which job a container is from), and a random suffix, because
// job IDs are not unique enough (matrix jobs share GitHub's run ID; one job may run two tests at
// once).
func jobProjectName(base string, environ []string, random io.Reader) string {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	// CI systems' variables naming the running job, most specific first.
	ciJobVars := []string{
		"CI_JOB_ID",              // GitLab
		"GITHUB_RUN_ID",          // GitHub Actions (with GITHUB_RUN_ATTEMPT; matrix jobs share it)
		"BUILDKITE_JOB_ID",       // Buildkite
		"CIRCLE_WORKFLOW_JOB_ID", // CircleCI
		"SYSTEM_JOBID",           // Azure Pipelines
		"BUILD_TAG",              // Jenkins
		"BUILD_ID",               // Jenkins, Google Cloud Build
	}
	parts := []string{base}
	for _, k := range ciJobVars {
		if v := env[k]; v != "" {
			if k == "GITHUB_RUN_ID" && env["GITHUB_RUN_ATTEMPT"] != "" {
				v += "-" + env["GITHUB_RUN_ATTEMPT"]
			}
			if id := config.NormalizeProjectName(v); id != "" {
				parts = append(parts, id)
			}
			break
		}
	}
	suffix := make([]byte, 3)
	_, _ = io.ReadFull(random, suffix)
	parts = append(parts, hex.EncodeToString(suffix))
	name := strings.Join(parts, "-")
	// Container names are <project>-<service>-1: keep room for the service.
	if len(name) > 48 {
		name = strings.TrimRight(name[:41], "-_") + "-" + hex.EncodeToString(suffix)
	}
	return name
}

// testRun is one `devenv test` in progress.
type testRun struct {
	f         *factory
	opts      *TestOptions
	e         *engine.Client
	p         *types.Project
	cfg       *config.Config
	sink      events.Sink
	recorder  *events.Recorder
	artifacts string
	started   time.Time
}

func runTest(ctx context.Context, f *factory, opts *TestOptions) error {
	// The first Ctrl-C or SIGTERM cancels ctx (main); the teardown below then runs on a context
	// of its own, and a second signal only makes it stop containers without their grace period.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	if f.projectName == "" {
		base, err := f.Config()
		if err != nil {
			return err
		}
		f.projectName = jobProjectName(base.Name, f.environ(), rand.Reader)
	}
	cfg, p, err := f.Project(ctx)
	if err != nil {
		return err
	}
	if opts.Service != "" {
		if _, ok := p.Services[opts.Service]; !ok {
			return &usageError{fmt.Errorf("project has no service %q to run the command in (services: %s)", opts.Service, strings.Join(slices.Sorted(maps.Keys(p.Services)), ", "))}
		}
	}
	privatePorts(p)
	e, err := f.Engine(ctx)
	if err != nil {
		return err
	}
	// The job removes its project, volumes included, when it ends: never one that was there
	// before it, such as a developer's stack named with -p.
	if found, err := e.ListLabelled(ctx, engine.LabelProject+"="+p.Name); err != nil {
		return err
	} else if !found.Empty() {
		return &ProjectExistsError{Project: p.Name, Containers: len(found.Containers), Volumes: len(found.Volumes)}
	}
	t := &testRun{f: f, opts: opts, e: e, p: p, cfg: cfg, recorder: &events.Recorder{}, started: time.Now()}
	t.artifacts = opts.Artifacts
	if t.artifacts == "" {
		wd, err := f.getwd()
		if err != nil {
			return err
		}
		t.artifacts = filepath.Join(wd, "devenv-artifacts", p.Name)
	}
	if err := os.MkdirAll(t.artifacts, 0o755); err != nil {
		return fmt.Errorf("artifacts directory: %w", err)
	}
	evFile, err := os.Create(filepath.Join(t.artifacts, "events.jsonl"))
	if err != nil {
		return fmt.Errorf("artifacts directory: %w", err)
	}
	defer evFile.Close()
	records := fanout{t.recorder, render.NewJSON(evFile)}
	t.sink = append(fanout{render.NewPlain(f.streams.ErrOut, true, f.colorOK(f.streams.ErrOut))}, records...)
	t.info("", fmt.Sprintf("project %s; artifacts in %s", p.Name, t.artifacts))

	var guard *reaper.Handle
	if !opts.NoReaper {
		guard, err = reaper.Start(ctx, e, reaper.Options{Project: p.Name, Socket: t.env("DEVENV_REAPER_SOCKET")})
		if err != nil {
			return err
		}
		t.info("", fmt.Sprintf("reaper %.12s guards %s: if devenv dies, it removes the project %s later", guard.ContainerID, p.Name, reaper.DefaultGrace))
	}

	upErr := orchestrator.New(e, t.sink, nil).Up(ctx, p, orchestrator.UpOptions{Wait: true, Timeout: opts.Timeout, Build: opts.Build})
	if upErr != nil {
		// For events.jsonl; people read the error once, from report().
		records.Emit(failedEvent(upErr))
	}
	var res *render.CommandResult
	if upErr == nil {
		t.info("", "ready; running "+commandLine(opts.Cmd))
		res = t.runCommand(ctx)
		t.info("", fmt.Sprintf("command %s", describeResult(res)))
	}

	// From here on the job reports and cleans up whatever happened, Ctrl-C included.
	post, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Minute)
	defer cancel()
	failed := upErr != nil || res == nil || res.Err != nil || res.ExitCode != 0
	var errs []error
	if failed {
		t.printFailedServices(post, upErr)
	}
	if err := t.writeArtifacts(post); err != nil {
		errs = append(errs, err)
	}
	if opts.JUnit != "" {
		if err := t.writeJUnit(upErr, res); err != nil {
			errs = append(errs, err)
		}
	}
	var teardownErr error
	if opts.Keep {
		t.info("", fmt.Sprintf("kept: devenv -p %s down --volumes removes it", p.Name))
	} else {
		teardownErr = t.teardown(post, sigs)
	}
	if guard != nil {
		if teardownErr == nil {
			if err := guard.Release(post); err != nil {
				errs = append(errs, err)
			}
		} else {
			// Something is left that devenv could not remove: the reaper tries again.
			_ = guard.Close()
		}
	}
	if teardownErr != nil {
		errs = append(errs, teardownErr)
	}
	switch {
	case upErr != nil:
		return errors.Join(append([]error{upErr}, errs...)...)
	case ctx.Err() != nil:
		return errors.Join(append([]error{ctx.Err()}, errs...)...)
	case res.Err != nil:
		return errors.Join(append([]error{res.Err}, errs...)...)
	case res.ExitCode != 0:
		// The tests' verdict is the exit code CI acts on; devenv's own trouble is reported.
		for _, err := range errs {
			fmt.Fprintf(t.f.streams.ErrOut, "devenv: %v\n", err)
		}
		return &exitCodeError{code: res.ExitCode}
	case len(errs) > 0:
		return errors.Join(errs...)
	}
	return nil
}

// ProjectExistsError refuses to run a job in a project that was there before it.
type ProjectExistsError struct {
	Project             string
	Containers, Volumes int
}

func (e *ProjectExistsError) Error() string {
	return fmt.Sprintf("project %s already exists (%d containers, %d volumes), and devenv test removes its project, volumes included, when it ends",
		e.Project, e.Containers, e.Volumes)
}

// Hint says how to run the job anyway.
func (e *ProjectExistsError) Hint() string {
	return fmt.Sprintf("leave out -p for a fresh name, or remove the project first: devenv -p %s down --volumes", e.Project)
}

// privatePorts lets the engine pick every published host port: parallel jobs on one host must
// not compete for 3306 or an app's fixed 8080, and the command is told the ports chosen.
func privatePorts(p *types.Project) {
	for name, s := range p.Services {
		for i := range s.Ports {
			s.Ports[i].Published = ""
		}
		p.Services[name] = s
	}
}

func (t *testRun) info(service, msg string) {
	t.sink.Emit(events.Event{Time: time.Now(), Service: service, Kind: events.Info, Message: msg})
}

func (t *testRun) env(key string) string {
	for _, kv := range t.f.environ() {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// teardown removes the project; a second Ctrl-C or SIGTERM makes it skip the stop grace.
func (t *testRun) teardown(ctx context.Context, sigs <-chan os.Signal) error {
	graceful, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { // ends with the teardown (cancel) or the signal
		select {
		case <-sigs:
			select {
			case <-sigs:
				cancel()
			case <-graceful.Done():
			}
		case <-graceful.Done():
		}
	}()
	err := reaper.Reap(graceful, t.e, t.p.Name, reaper.ReapOptions{StopGrace: testStopGrace, Sink: t.sink})
	if graceful.Err() != nil && ctx.Err() == nil {
		t.info("", "interrupted again: removing without waiting for containers to stop")
		err = reaper.Reap(ctx, t.e, t.p.Name, reaper.ReapOptions{Sink: t.sink})
	}
	if err != nil {
		return fmt.Errorf("tear down %s: %w", t.p.Name, err)
	}
	left, err := reaper.Leftovers(ctx, t.e, t.p.Name)
	if err != nil {
		return err
	}
	if !left.Empty() {
		return fmt.Errorf("tear down %s: still there: %d containers, networks %v, volumes %v", t.p.Name, len(left.Containers), left.Networks, left.Volumes)
	}
	t.info("", "removed everything "+t.p.Name+" created")
	return nil
}

// fanout sends each event to every sink.
type fanout []events.Sink

func (f fanout) Emit(e events.Event) {
	for _, s := range f {
		s.Emit(e)
	}
}

func commandLine(cmd []string) string {
	quoted := make([]string, len(cmd))
	for i, a := range cmd {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`*?[]{}()<>|&;#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		quoted[i] = a
	}
	return strings.Join(quoted, " ")
}

func describeResult(r *render.CommandResult) string {
	switch {
	case r.Err != nil:
		return "failed: " + r.Err.Error()
	case r.ExitCode == 0:
		return fmt.Sprintf("passed (%s)", r.Duration.Round(time.Millisecond))
	}
	return fmt.Sprintf("exited with code %d (%s)", r.ExitCode, r.Duration.Round(time.Millisecond))
}

// hostCommand builds the command to run on the host; its environment is devenv's plus env.
func hostCommand(ctx context.Context, argv []string, environ, env []string, dir string) *exec.Cmd {
	c := exec.CommandContext(ctx, argv[0], argv[1:]...)
	c.Env = append(slices.Clone(environ), env...)
	c.Dir = dir
	// Cancelled (Ctrl-C, SIGTERM), the command gets SIGTERM and a moment to stop, as a CI
	// runner would give it, before it is killed.
	c.Cancel = func() error { return c.Process.Signal(syscall.SIGTERM) }
	c.WaitDelay = 10 * time.Second
	dieWithDevenv(c)
	return c
}
