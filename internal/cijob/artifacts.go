package cijob

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/orchestrator"
	"github.com/devenv/devenv/internal/render"
)

// printFailedServices shows the last log lines of every service that failed, exited with an
// error or is unhealthy: the first thing to read when a CI job goes red.
func (j *Job) printFailedServices(ctx context.Context, upErr error) {
	w := j.Stderr
	cs, err := j.Engine.ProjectContainers(ctx, j.Project.Name)
	if err != nil {
		fmt.Fprintf(w, "devenv: list the project's containers: %v\n", err)
		return
	}
	var se *orchestrator.ServiceError
	errors.As(upErr, &se)
	shown := 0
	for _, c := range cs {
		if c.Reaper() {
			continue
		}
		named := se != nil && se.Service == c.Service
		bad := named || c.Health == engine.HealthUnhealthy || c.State == engine.StateDead || c.State == engine.StateRestarting ||
			c.State == engine.StateExited && c.ExitCode != 0 || c.State == engine.StateCreated
		if !bad || named && se.Logs != "" { // up's error shows its own log lines
			continue
		}
		state := string(c.State)
		if c.Health != engine.HealthNone {
			state += ", " + string(c.Health)
		}
		if c.State == engine.StateExited {
			state = fmt.Sprintf("exited with code %d", c.ExitCode)
		}
		logs, err := j.Engine.Logs(ctx, c.ID, 40)
		if err != nil {
			logs = err.Error()
		}
		fmt.Fprintf(w, "==> %s (%s): last 40 log lines <==\n%s", c.Service, state, logs)
		if !strings.HasSuffix(logs, "\n") {
			fmt.Fprintln(w)
		}
		shown++
	}
	if shown == 0 && se == nil {
		fmt.Fprintf(w, "devenv test: no service failed or is unhealthy; every service's full log is in %s\n", j.Opts.Artifacts)
	}
}

// writeArtifacts writes every container's full log (<service>.log, timestamped; a one-off run's
// under its container name) and the `devenv ps --json` view of the project into the artifacts
// directory.
func (j *Job) writeArtifacts(ctx context.Context) error {
	cs, err := j.Engine.ProjectContainers(ctx, j.Project.Name)
	if err != nil {
		return fmt.Errorf("artifacts: %w", err)
	}
	cs = slices.DeleteFunc(cs, engine.Container.Reaper)
	var errs []error
	for _, c := range cs {
		name := c.Service
		if !c.IsService() {
			name = c.Name
		}
		f, err := os.Create(filepath.Join(j.Opts.Artifacts, name+".log"))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := j.Engine.StreamLogs(ctx, c.ID, engine.LogOptions{Timestamps: true}, f, f); err != nil {
			errs = append(errs, err)
		}
		if err := f.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	data, err := json.MarshalIndent(render.PsRows(cs), "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(j.Opts.Artifacts, "ps.json"), append(data, '\n'), 0o644); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("artifacts: %w", err)
	}
	return nil
}

func (j *Job) writeJUnit(upErr error, res *render.CommandResult) error {
	services := make([]string, 0, len(j.Project.Services))
	for name := range j.Project.Services {
		services = append(services, name)
	}
	sort.Strings(services)
	r := render.JUnitReport{Project: j.Project.Name, Started: j.started, Services: services, Events: j.recorder.Events(),
		Command: res, CommandLine: CommandLine(j.Opts.Cmd)}
	var se *orchestrator.ServiceError
	switch {
	case errors.As(upErr, &se):
		r.UpFailure = &render.StepFailure{Service: se.Service, Step: se.Step, Message: se.Err.Error(), Logs: se.Logs}
	case upErr != nil:
		r.UpFailure = &render.StepFailure{Message: upErr.Error()}
	}
	if dir := filepath.Dir(j.Opts.JUnit); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("junit report: %w", err)
		}
	}
	f, err := os.Create(j.Opts.JUnit)
	if err != nil {
		return fmt.Errorf("junit report: %w", err)
	}
	if err := render.WriteJUnit(f, r); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
