package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/dependency"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/events"
	"github.com/devenv/devenv/internal/health"
	"github.com/devenv/devenv/internal/plan"
	"github.com/devenv/devenv/internal/project"
)

// attemptTimeout bounds one readiness check; a check that hangs longer is a failed one.
const attemptTimeout = 2 * time.Second

func (x *execution) ready(ctx context.Context, op *plan.Op) error {
	svc := op.Service
	id := x.id(svc)
	if id == "" {
		return fmt.Errorf("service %s has no container to wait for", svc)
	}
	start := x.o.clock.Now()
	switch op.Ready {
	case plan.ReadyStarted:
		return nil
	case plan.ReadyCompleted:
		return x.waitJob(ctx, svc, id, start)
	}
	// Subscribe before looking, so a death between the look and the wait is not missed.
	verdicts, unsubscribe := x.watch.verdicts(id)
	defer unsubscribe()
	st, err := x.o.engine.InspectContainer(ctx, id)
	if err != nil {
		return err
	}
	if st.Health == engine.HealthHealthy {
		x.o.emit(events.Event{Service: svc, Kind: events.Healthy})
		return nil
	}
	if st.State == engine.StateExited || st.State == engine.StateDead {
		logs, _ := x.o.engine.Logs(context.WithoutCancel(ctx), id, 20)
		return &ServiceError{Service: svc, Step: "health", Err: fmt.Errorf("container exited with code %d", st.ExitCode), Logs: logs}
	}
	probe, err := x.probe(svc, id, st.Ports)
	if err != nil {
		return &ServiceError{Service: svc, Step: "health", Err: err}
	}
	x.o.emit(events.Event{Service: svc, Kind: events.Waiting})
	if _, err := health.Wait(ctx, x.o.clock, probe, x.o.probeInterval, attemptTimeout, verdicts); err != nil {
		logs, _ := x.o.engine.Logs(context.WithoutCancel(ctx), id, 20)
		se := &ServiceError{Service: svc, Step: "health", Err: err, Logs: logs}
		if errors.Is(err, context.DeadlineExceeded) {
			se.Fix = "raise --timeout if the service is just slow, or read its logs above (devenv logs " + svc + ")"
		}
		return se
	}
	since := start
	x.mu.Lock()
	if t, ok := x.started[svc]; ok {
		since = t
	}
	x.mu.Unlock()
	x.o.emit(events.Event{Service: svc, Kind: events.Healthy, Duration: x.o.clock.Now().Sub(since)})
	return nil
}

func (x *execution) waitJob(ctx context.Context, svc, id string, start time.Time) error {
	code, err := x.o.engine.WaitContainer(ctx, id)
	if err != nil {
		return &ServiceError{Service: svc, Step: "job", Err: err}
	}
	if code != 0 {
		logs, _ := x.o.engine.Logs(context.WithoutCancel(ctx), id, 30)
		return &ServiceError{Service: svc, Step: "job", Err: fmt.Errorf("exited with code %d", code), Logs: logs,
			Fix: "fix the job (its output is above) and run devenv up again; services that depend on it were not started"}
	}
	x.o.emit(events.Event{Service: svc, Kind: events.Completed, Duration: x.o.clock.Now().Sub(start)})
	return nil
}

// dependencyOf is s's kind, when s is a dependency devenv knows, and the settings devenv gave
// its container, read back from the container's environment: the project may come from a
// compose file (`devenv config` output) rather than devenv.yaml.
func dependencyOf(s types.ServiceConfig) (dependency.Kind, dependency.Settings, bool) {
	kind, ok := dependency.Lookup(project.ExtensionOf(s).Dependency)
	if !ok {
		return dependency.Kind{}, nil, false
	}
	env := map[string]string{}
	for k, v := range s.Environment {
		if v != nil {
			env[k] = *v
		}
	}
	return kind, kind.SettingsFromEnv(env), true
}

// probe picks how to tell that svc is ready: for dependencies devenv knows, a real client login
// over the published loopback port (exact and cheap: RabbitMQ's own diagnostics cost most of a
// CPU-second per call); otherwise the service's healthcheck command, run inside the container.
func (x *execution) probe(svc, id string, ports map[uint16]uint16) (health.Probe, error) {
	s := x.p.Services[svc]
	kind, settings, isDependency := dependencyOf(s)
	at := dependency.Endpoint{Host: "127.0.0.1", Ports: ports, Settings: settings}
	if isDependency {
		if a := at.Addr(kind.Port); a != "" {
			return kind.Probe(a, settings), nil
		}
	}
	if r := project.ExtensionOf(s).ReadyHTTP; r != nil {
		if a := at.Addr(uint16(r.Port)); a != "" {
			return health.HTTP("http://" + a + r.Path), nil
		}
	}
	if hc := s.HealthCheck; hc != nil && !hc.Disable && len(hc.Test) > 0 {
		return health.Command(x.o.engine, id, []string(hc.Test))
	}
	return nil, fmt.Errorf("nothing tells when it is ready: give it a healthcheck, or depend on it with condition service_started")
}
