package orchestrator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/engine"
	"golang.org/x/sync/errgroup"
)

// RunOptions describe a one-off run of a service.
type RunOptions struct {
	Service string
	// Command replaces the service's command; empty runs the service's own.
	Command        []string
	Stdout, Stderr io.Writer
}

// Run runs a one-off container of a service, as `docker compose run` does: the service's image,
// environment, mounts and networks, the command in place of its own, no published ports (the
// service's own container holds them), no restarts and no healthcheck. It returns the command's
// exit code once it ends; the container is removed then, whatever happened.
func (o *Orchestrator) Run(ctx context.Context, p *types.Project, opts RunOptions) (int, error) {
	s, ok := p.Services[opts.Service]
	if !ok {
		return -1, &UnknownServiceError{Project: p.Name, Service: opts.Service, Services: p.ServiceNames()}
	}
	if len(opts.Command) > 0 {
		s.Command = types.ShellCommand(opts.Command)
	}
	s.Ports, s.Restart, s.ContainerName = nil, types.RestartPolicyNo, ""
	s.HealthCheck = &types.HealthCheckConfig{Disable: true}
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	labels := projectLabels(p.Name, s.Name)
	labels[engine.LabelComposeOneoff] = "True"
	id, err := o.engine.CreateServiceContainer(ctx, engine.ServiceContainer{
		Project: p, Service: s, Name: p.Name + "-" + s.Name + "-run-" + hex.EncodeToString(suffix), Labels: labels,
	})
	if err != nil {
		return -1, &ServiceError{Service: s.Name, Step: "run", Err: err}
	}
	defer func() { _ = o.engine.RemoveContainer(context.WithoutCancel(ctx), id) }()
	var g errgroup.Group
	stdout, stderr := orDiscard(opts.Stdout), orDiscard(opts.Stderr)
	if err := o.engine.StartContainer(ctx, id); err != nil {
		return -1, &ServiceError{Service: s.Name, Step: "run", Err: fmt.Errorf("start the one-off container: %w", err)}
	}
	// The engine keeps the output from the start, so following it after the start misses nothing.
	g.Go(func() error {
		return o.engine.StreamLogs(ctx, id, engine.LogOptions{Follow: true}, stdout, stderr)
	})
	code, err := o.engine.WaitContainer(ctx, id)
	logErr := g.Wait() // the stream ends when the container stops
	if err != nil {
		return -1, err
	}
	if logErr != nil {
		return int(code), logErr
	}
	return int(code), nil
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// projectLabels are what every object of the project carries, for cleanup by label and for
// tools that group by compose project; service is empty for networks and volumes.
func projectLabels(project, service string) map[string]string {
	l := map[string]string{engine.LabelProject: project, engine.LabelComposeProject: project}
	if service != "" {
		l[engine.LabelService] = service
		l[engine.LabelComposeService] = service
	}
	return l
}
