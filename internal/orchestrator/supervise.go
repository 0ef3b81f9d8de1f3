package orchestrator

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/linuxbin"
	"github.com/devenv/devenv/internal/supervise"
)

// supervisorState is whether devenv can put its supervisor in this engine's containers: decided
// once, on first need, since it takes an engine round trip.
type supervisorState struct {
	binary string // devenv's own executable; "" = never supervise
	static func(path string) error
	once   sync.Once
	usable bool
}

// Supervise makes services whose hot reload restarts them run under devenv's process
// supervisor, from binary (devenv's own executable), so a reload restarts the process and not
// the container (see internal/supervise). Without it, or where the binary cannot run in the
// engine's containers, reloads restart containers.
func (o *Orchestrator) Supervise(binary string) {
	o.supervisor = &supervisorState{binary: binary, static: linuxbin.CheckStatic}
}

// canSupervise reports whether the binary runs in the engine's containers: the same OS and
// architecture, and no C library needed.
func (o *Orchestrator) canSupervise(ctx context.Context) bool {
	st := o.supervisor
	if st == nil || st.binary == "" {
		return false
	}
	st.once.Do(func() {
		v, err := o.engine.Version(ctx)
		st.usable = err == nil && runtime.GOOS == "linux" && v.OS == "linux" && v.Arch == runtime.GOARCH &&
			st.static(st.binary) == nil
	})
	return st.usable
}

// restartsProcess reports whether a develop.watch rule of s restarts it. A service with a
// terminal is left alone: its process must stay in the terminal's foreground process group,
// which a supervisor's child is not. So is one with a read-only root file system, which the
// engine copies nothing into.
func restartsProcess(s types.ServiceConfig) bool {
	if s.Develop == nil || s.Tty || s.ReadOnly {
		return false
	}
	for _, t := range s.Develop.Watch {
		if t.Action == types.WatchActionRestart || t.Action == types.WatchActionSyncRestart {
			return true
		}
	}
	return false
}

// supervisedLabels marks s as supervised, with its supervisor's socket, when devenv will run it
// so. The label is part of the configuration hash: a container created before (or without)
// supervision is replaced by one with it, and the other way round.
func (o *Orchestrator) supervisedLabels(ctx context.Context, s types.ServiceConfig, container string) types.ServiceConfig {
	if !restartsProcess(s) || !o.canSupervise(ctx) {
		return s
	}
	s.Labels = maps.Clone(s.Labels)
	if s.Labels == nil {
		s.Labels = types.Labels{}
	}
	s.Labels[engine.LabelSupervisor] = supervise.SocketName(container)
	return s
}

// superviseCommand makes the supervisor the entrypoint of a service supervisedLabels marked,
// with what the container would have run as its command.
func (o *Orchestrator) superviseCommand(ctx context.Context, s types.ServiceConfig, container string) (types.ServiceConfig, error) {
	if s.Labels[engine.LabelSupervisor] == "" {
		return s, nil
	}
	img, err := o.engine.InspectImage(ctx, s.Image)
	if err != nil {
		return s, err
	}
	argv := supervise.Command(s.Entrypoint, s.Command, img.Entrypoint, img.Cmd)
	if len(argv) == 0 {
		return s, fmt.Errorf("image %s has no command and the service sets none: set command: in the service", s.Image)
	}
	s.Entrypoint = supervise.Entrypoint(container, s.StopSignal)
	s.Command = argv
	return s, nil
}

// installSupervisor copies devenv into a created container, before it starts.
func (o *Orchestrator) installSupervisor(ctx context.Context, s types.ServiceConfig, id string) error {
	if s.Labels[engine.LabelSupervisor] == "" {
		return nil
	}
	return o.engine.CopyToContainer(ctx, id, []engine.CopyFile{{Host: o.supervisor.binary, Container: supervise.Binary}})
}

// restartProcess restarts a supervised container's process, returning once the new process
// runs; ok is false when the container has no supervisor to ask: none was put in it, or it is
// not running (its command exited, say with a compile error), and only starting it again helps.
func (o *Orchestrator) restartProcess(ctx context.Context, c engine.Container, grace time.Duration) (ok bool, err error) {
	socket := c.Labels[engine.LabelSupervisor]
	if socket == "" || c.State != engine.StateRunning {
		return false, nil
	}
	res, err := o.engine.ExecWith(ctx, c.ID, engine.ExecSpec{Cmd: supervise.RestartCommand(socket, grace)})
	if err != nil {
		return true, err
	}
	if res.ExitCode != 0 {
		return true, fmt.Errorf("the supervisor did not restart the process: %s", strings.TrimSpace(res.Output))
	}
	return true, nil
}
