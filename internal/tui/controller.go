package tui

import (
	"context"
	"io"
	"time"

	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/events"
)

// Controller is what the dashboard needs from the rest of devenv: the actions behind its keys and
// the streams it shows. The CLI implements it over the orchestrator and the engine; tests use a
// fake. Actions block until done; the dashboard runs them off its event loop.
type Controller interface {
	// Services describes the stack's services: kind, template, what each waits on.
	Services() []ServiceInfo
	// Watch delivers container state, resource samples and log lines to feed until ctx ends.
	Watch(ctx context.Context, feed Feed) error

	Restart(ctx context.Context, service string) error
	Rebuild(ctx context.Context, service string) error
	Stop(ctx context.Context, service string) error
	Start(ctx context.Context, service string) error
	// Seed applies the fixtures of the named dependency services.
	Seed(ctx context.Context, dependencies []string) error
	// Shell is an interactive shell in service's container, run with the dashboard suspended;
	// it ends when ctx (the dashboard's) does.
	Shell(ctx context.Context, service string) ShellCommand
	// Down stops and removes the stack (volumes are kept).
	Down(ctx context.Context) error
}

// ShellCommand runs with the user's terminal; its method set is tea.ExecCommand's, so the CLI
// can implement it without importing charm.
type ShellCommand interface {
	Run() error
	SetStdin(io.Reader)
	SetStdout(io.Writer)
	SetStderr(io.Writer)
}

// Feed receives what a Controller observes. Its methods are safe for concurrent use.
type Feed interface {
	// Event is a progress or activity report: orchestrator steps, seeding, hot reloads.
	Event(events.Event)
	// Container reports a service's container as it is now.
	Container(ContainerState)
	// Stats reports a resource sample of a service's container.
	Stats(service string, s Stats)
	// Log adds one line of a service's output.
	Log(service string, at time.Time, text string)
}

// ServiceInfo is what the configuration says about a service.
type ServiceInfo struct {
	Name       string
	Kind       string // "app", "dependency" or "" (a plain compose service)
	Template   string // for apps: the template it was built from
	Dependency string // for dependencies: mysql, redis, rabbitmq
	Job        bool   // a one-shot service: exiting 0 is success
	Built      bool   // has a build section, so `b` can rebuild it
	DependsOn  []Dependency
}

// Dependency is one edge of the dependency graph: Service must reach Condition first.
type Dependency struct {
	Service   string
	Condition string // service_started, service_healthy, service_completed_successfully
}

// ContainerState is a service's container as the engine reports it.
type ContainerState struct {
	Service      string
	ID           string
	State        engine.State // "" once removed
	Health       engine.Health
	ExitCode     int
	StartedAt    time.Time
	RestartCount int
	Ports        []Port
	// Action is the engine event that caused this report (start, die, health_status, ...), ""
	// for the initial listing.
	Action string
}

// Port is one published port.
type Port struct {
	HostIP        string
	HostPort      uint16
	ContainerPort uint16
}

// Stats is one resource sample.
type Stats struct {
	CPUPercent float64
	MemBytes   uint64
}
