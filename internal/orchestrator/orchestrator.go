// Package orchestrator runs a project: it observes what the engine has, asks plan for the
// operations, and executes them in parallel, each waiting only on its own dependencies. Progress
// is reported as events; nothing here prints.
package orchestrator

import (
	"context"
	"io"
	"time"

	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/events"
	"github.com/devenv/devenv/internal/health"
)

// Engine is what the orchestrator needs from the Docker Engine; *engine.Client implements it
// and tests substitute a fake.
type Engine interface {
	Version(ctx context.Context) (engine.Version, error)
	ProjectContainers(ctx context.Context, project string) ([]engine.Container, error)
	DevenvContainers(ctx context.Context) ([]engine.Container, error)
	EnsureNetwork(ctx context.Context, name string, labels map[string]string) (bool, error)
	EnsureVolume(ctx context.Context, name string, labels map[string]string) (bool, error)
	InspectImage(ctx context.Context, ref string) (engine.LocalImage, error)
	PullImage(ctx context.Context, ref string, report func(engine.PullProgress)) error
	BuildImage(ctx context.Context, spec engine.BuildSpec, report func(engine.BuildLine)) (string, error)
	CreateServiceContainer(ctx context.Context, sc engine.ServiceContainer) (string, error)
	StartContainer(ctx context.Context, id string) error
	StopContainer(ctx context.Context, id string, grace *time.Duration) error
	KillContainer(ctx context.Context, id, signal string) error
	PauseContainer(ctx context.Context, id string) error
	UnpauseContainer(ctx context.Context, id string) error
	RemoveContainer(ctx context.Context, id string) error
	RemoveImagesLabelled(ctx context.Context, label string) (int, error)
	StreamLogs(ctx context.Context, id string, opts engine.LogOptions, stdout, stderr io.Writer) error
	InspectContainer(ctx context.Context, id string) (engine.ContainerState, error)
	WaitContainer(ctx context.Context, id string) (int64, error)
	Logs(ctx context.Context, id string, tail int) (string, error)
	ExecExitCode(ctx context.Context, id string, cmd []string) (int, string, error)
	ExecWith(ctx context.Context, id string, spec engine.ExecSpec) (engine.ExecResult, error)
	RestartContainer(ctx context.Context, id string, grace *time.Duration) error
	CopyToContainer(ctx context.Context, id string, files []engine.CopyFile) error
	FileDigests(ctx context.Context, id, target string) (map[string]string, error)
	ExecAttached(ctx context.Context, id string, s engine.ExecSession) (int, error)
	ListLabelled(ctx context.Context, label string) (engine.Labelled, error)
	ContainerEvents(ctx context.Context, project string) (<-chan engine.ContainerEvent, <-chan error)
	RemoveNetwork(ctx context.Context, id string) error
	RemoveVolume(ctx context.Context, name string) error
}

// Orchestrator runs projects against one engine.
type Orchestrator struct {
	engine Engine
	events events.Sink
	clock  health.Clock
	ports  PortMemory
	seeder Seeder
	// probeInterval is how often readiness is checked while a service starts: short, because a
	// ready dependency should be seen within ~100 ms, not at the engine's next healthcheck.
	probeInterval time.Duration
	supervisor    *supervisorState // nil: reloads restart containers
}

// New builds an orchestrator. ports remembers host ports chosen in place of taken defaults.
func New(e Engine, sink events.Sink, ports PortMemory) *Orchestrator {
	if sink == nil {
		sink = events.Discard
	}
	return &Orchestrator{engine: e, events: sink, clock: health.RealClock{}, ports: ports, seeder: SeederFunc(applyFixtures), probeInterval: 25 * time.Millisecond}
}

func (o *Orchestrator) emit(e events.Event) {
	if e.Time.IsZero() {
		e.Time = o.clock.Now()
	}
	o.events.Emit(e)
}
