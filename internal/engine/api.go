package engine

import (
	"context"
	"io"
	"time"
)

// API is every engine call the product makes, as *Client implements it. Consumers declare the
// narrow part they use (orchestrator.Engine, logs.Engine, ...); enginetest.Fake implements all of
// it, so every package's unit tests run against the same fake, and a method added here must be
// added there too.
type API interface {
	Host() string
	Version(ctx context.Context) (Version, error)

	ProjectContainers(ctx context.Context, project string) ([]Container, error)
	DevenvContainers(ctx context.Context) ([]Container, error)
	ListLabelled(ctx context.Context, label string) (Labelled, error)
	ContainerEvents(ctx context.Context, project string) (<-chan ContainerEvent, <-chan error)

	EnsureNetwork(ctx context.Context, name string, labels map[string]string) (bool, error)
	EnsureVolume(ctx context.Context, name string, labels map[string]string) (bool, error)
	RemoveNetwork(ctx context.Context, id string) error
	RemoveVolume(ctx context.Context, name string) error

	InspectImage(ctx context.Context, ref string) (LocalImage, error)
	PullImage(ctx context.Context, ref string, report func(PullProgress)) error
	BuildImage(ctx context.Context, spec BuildSpec, report func(BuildLine)) (string, error)
	RemoveImagesLabelled(ctx context.Context, label string) (int, error)
	RemoveUnusedImagesLabelled(ctx context.Context, label, keep string) (int, error)

	CreateServiceContainer(ctx context.Context, sc ServiceContainer) (string, error)
	RunContainer(ctx context.Context, spec ContainerSpec) (string, error)
	StartContainer(ctx context.Context, id string) error
	StopContainer(ctx context.Context, id string, grace *time.Duration) error
	RestartContainer(ctx context.Context, id string, grace *time.Duration) error
	KillContainer(ctx context.Context, id, signal string) error
	PauseContainer(ctx context.Context, id string) error
	UnpauseContainer(ctx context.Context, id string) error
	RemoveContainer(ctx context.Context, id string) error
	InspectContainer(ctx context.Context, id string) (ContainerState, error)
	WaitContainer(ctx context.Context, id string) (int64, error)

	Logs(ctx context.Context, id string, tail int) (string, error)
	StreamLogs(ctx context.Context, id string, opts LogOptions, stdout, stderr io.Writer) error
	StreamStats(ctx context.Context, id string, report func(Stats)) error

	Exec(ctx context.Context, id string, cmd []string) (ExecResult, error)
	ExecWith(ctx context.Context, id string, spec ExecSpec) (ExecResult, error)
	ExecExitCode(ctx context.Context, id string, cmd []string) (int, string, error)
	ExecAttached(ctx context.Context, id string, s ExecSession) (int, error)
	CopyToContainer(ctx context.Context, id string, files []CopyFile) error
	FileDigests(ctx context.Context, id, target string) (map[string]string, error)
}

var _ API = (*Client)(nil)
