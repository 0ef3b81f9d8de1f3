// Package cijob runs one `devenv test` job: a private copy of the stack under a project name
// of its own, guarded by a reaper container, the test command run against it (on the host, in
// a service's container, or in a one-off container of a service), every service's logs and a
// JUnit report as artifacts, and a teardown that leaves nothing of the job behind. The CLI only
// parses flags, builds a Job and turns its outcome into an exit code.
package cijob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/events"
	"github.com/devenv/devenv/internal/orchestrator"
	"github.com/devenv/devenv/internal/reaper"
	"github.com/devenv/devenv/internal/render"
)

// Engine is what a job needs of the engine besides its orchestrator: a reaper to start, a
// teardown, and the containers' output for the artifacts.
type Engine interface {
	reaper.Launcher
	orchestrator.TeardownEngine
	StreamLogs(ctx context.Context, id string, opts engine.LogOptions, stdout, stderr io.Writer) error
}

// Stack is what a job does to its stack: the orchestrator's operations.
type Stack interface {
	Up(ctx context.Context, p *types.Project, opts orchestrator.UpOptions) error
	Run(ctx context.Context, p *types.Project, opts orchestrator.RunOptions) (int, error)
	Exec(ctx context.Context, p *types.Project, service string, s engine.ExecSession) (int, error)
	HostEnv(ctx context.Context, p *types.Project) (map[string]string, error)
}

// Options are `devenv test`'s choices.
type Options struct {
	Cmd       []string
	Service   string // run Cmd in this service's container instead of on the host
	OneOff    bool   // with Service: in a new container of the service, not its running one
	Keep      bool   // leave the stack running afterwards
	Artifacts string // directory for logs, ps.json and events.jsonl
	JUnit     string // JUnit XML report file; "" for none
	Timeout   time.Duration
	Build     bool
	NoReaper  bool
	// ReaperSocket is the engine's socket as the reaper container mounts it ("" finds it).
	ReaperSocket string
}

// Job is one `devenv test` run.
type Job struct {
	Engine  Engine
	Stack   Stack
	Project *types.Project
	Opts    Options
	// Dir is where a host command runs; Environ is its environment before the job's variables.
	Dir     string
	Environ []string
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer // progress, the command's stderr, failed services' logs
	// Progress renders the job's events for people (plain lines on Stderr).
	Progress events.Sink

	sink     events.Sink
	recorder *events.Recorder
	started  time.Time
}

// Outcome is how a job ended when devenv itself did not fail: the test command's exit code.
type Outcome struct {
	ExitCode int
}

// testStopGrace is each container's time to stop at teardown: the job's data goes with its
// volumes, so there is nothing to flush, and CI minutes are not worth waiting for it.
const testStopGrace = 2 * time.Second

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

// PrivatePorts lets the engine pick every published host port: parallel jobs on one host must
// not compete for 3306 or an app's fixed 8080, and the command is told the ports chosen.
func PrivatePorts(p *types.Project) {
	for name, s := range p.Services {
		for i := range s.Ports {
			s.Ports[i].Published = ""
		}
		p.Services[name] = s
	}
}

// Run runs the job: up, the command, artifacts, teardown. Every step after up runs whatever
// happened before it, Ctrl-C included (a second one kills devenv, and the reaper removes what
// is left). The error is devenv's own failure; the command's verdict is in Outcome.
func (j *Job) Run(ctx context.Context) (Outcome, error) {
	p := j.Project
	// The job removes its project, volumes included, when it ends: never one that was there
	// before it, such as a developer's stack named with -p.
	if found, err := j.Engine.ListLabelled(ctx, engine.LabelProject+"="+p.Name); err != nil {
		return Outcome{}, err
	} else if !found.Empty() {
		return Outcome{}, &ProjectExistsError{Project: p.Name, Containers: len(found.Containers), Volumes: len(found.Volumes)}
	}
	j.recorder, j.started = &events.Recorder{}, time.Now()
	if err := os.MkdirAll(j.Opts.Artifacts, 0o755); err != nil {
		return Outcome{}, fmt.Errorf("artifacts directory: %w", err)
	}
	evFile, err := os.Create(filepath.Join(j.Opts.Artifacts, "events.jsonl"))
	if err != nil {
		return Outcome{}, fmt.Errorf("artifacts directory: %w", err)
	}
	defer evFile.Close()
	records := fanout{j.recorder, render.NewJSON(evFile)}
	j.sink = append(fanout{j.Progress}, records...)
	j.info(fmt.Sprintf("project %s; artifacts in %s", p.Name, j.Opts.Artifacts))

	var guard *reaper.Handle
	if !j.Opts.NoReaper {
		guard, err = reaper.Start(ctx, j.Engine, reaper.Options{Project: p.Name, Socket: j.Opts.ReaperSocket})
		if err != nil {
			return Outcome{}, err
		}
		j.info(fmt.Sprintf("reaper %.12s guards %s: if devenv dies, it removes the project %s later", guard.ContainerID, p.Name, reaper.DefaultGrace))
	}

	upErr := j.Stack.Up(ctx, p, orchestrator.UpOptions{Wait: true, Timeout: j.Opts.Timeout, Build: j.Opts.Build})
	if upErr != nil {
		// For events.jsonl; people read the error once, from the CLI.
		records.Emit(orchestrator.FailedEvent(upErr))
	}
	var res *render.CommandResult
	if upErr == nil {
		j.info("ready; running " + CommandLine(j.Opts.Cmd))
		res = j.runCommand(ctx)
		j.info("command " + describeResult(res))
	}

	// From here on the job reports and cleans up whatever happened, Ctrl-C included.
	post, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Minute)
	defer cancel()
	failed := upErr != nil || res == nil || res.Err != nil || res.ExitCode != 0
	var errs []error
	if failed {
		j.printFailedServices(post, upErr)
	}
	if err := j.writeArtifacts(post); err != nil {
		errs = append(errs, err)
	}
	if j.Opts.JUnit != "" {
		if err := j.writeJUnit(upErr, res); err != nil {
			errs = append(errs, err)
		}
	}
	var teardownErr error
	if j.Opts.Keep {
		j.info(fmt.Sprintf("kept: devenv -p %s down --volumes removes it", p.Name))
	} else {
		teardownErr = j.teardown(post)
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
		return Outcome{}, errors.Join(append([]error{upErr}, errs...)...)
	case ctx.Err() != nil:
		return Outcome{}, errors.Join(append([]error{ctx.Err()}, errs...)...)
	case res.Err != nil:
		return Outcome{}, errors.Join(append([]error{res.Err}, errs...)...)
	case res.ExitCode != 0:
		// The tests' verdict is the exit code CI acts on; devenv's own trouble is reported.
		for _, err := range errs {
			fmt.Fprintf(j.Stderr, "devenv: %v\n", err)
		}
		return Outcome{ExitCode: res.ExitCode}, nil
	}
	return Outcome{}, errors.Join(errs...)
}

// teardown removes the project, with the same teardown `devenv down --volumes` and the reaper
// use, and checks that nothing is left.
func (j *Job) teardown(ctx context.Context) error {
	p := j.Project
	grace := testStopGrace
	err := orchestrator.Teardown(ctx, j.Engine, p.Name, orchestrator.DownOptions{Volumes: true, Images: true, Grace: &grace, KeepReapers: true}, j.sink)
	if err != nil {
		return fmt.Errorf("tear down %s: %w", p.Name, err)
	}
	left, err := orchestrator.Leftovers(ctx, j.Engine, p.Name)
	if err != nil {
		return err
	}
	if !left.Empty() {
		return fmt.Errorf("tear down %s: still there: %d containers, networks %v, volumes %v", p.Name, len(left.Containers), left.Networks, left.Volumes)
	}
	j.info("removed everything " + p.Name + " created")
	return nil
}

// Emit reports ev to the job's progress, events.jsonl and JUnit timeline: the job's
// orchestrator reports through it. Events before Run has opened the artifacts are dropped.
func (j *Job) Emit(ev events.Event) {
	if j.sink != nil {
		j.sink.Emit(ev)
	}
}

func (j *Job) info(msg string) {
	j.sink.Emit(events.Event{Time: time.Now(), Kind: events.Info, Message: msg})
}

// fanout sends each event to every sink.
type fanout []events.Sink

func (f fanout) Emit(e events.Event) {
	for _, s := range f {
		s.Emit(e)
	}
}

// CommandLine quotes cmd as a shell would need it.
func CommandLine(cmd []string) string {
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
