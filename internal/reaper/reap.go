// Package reaper removes everything a `devenv test` job created, even when devenv itself does
// not get to: a small container (devenv's own binary, `devenv reaper`) holds a TCP connection
// from the job's devenv and, once that connection drops and nobody reconnects within a grace
// period, removes every container, network, volume and built image labelled with the job's
// project, then exits. Testcontainers' Ryuk is the model. On a clean run devenv tears the
// project down itself (the same orchestrator.Teardown) and releases the reaper, which then
// exits without touching anything.
package reaper

import (
	"context"
	"time"

	"github.com/devenv/devenv/internal/events"
	"github.com/devenv/devenv/internal/orchestrator"
)

// Engine is what reaping a project needs: a teardown's.
type Engine = orchestrator.TeardownEngine

// reapOptions is a reaper's teardown: everything the job created goes, data and built images
// included, and containers are killed at once (the job is over; nothing of it is kept). Its
// own container stays until the teardown is done.
func reapOptions() orchestrator.DownOptions {
	kill := time.Duration(0)
	return orchestrator.DownOptions{Volumes: true, Images: true, Grace: &kill, KeepReapers: true}
}

// Reap removes project as a reaper does (see reapOptions), reporting nothing.
func Reap(ctx context.Context, e Engine, project string) error {
	return orchestrator.Teardown(ctx, e, project, reapOptions(), events.Discard)
}
