//go:build e2e

package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/devenv/devenv/internal/engine"
)

// Intent: the engine adapter's stats stream pushes samples of a running container (memory in
// use, CPU once there is a previous sample) and ends when the container stops; its runtime
// inspect reports the state, start time and restart count the dashboard shows.
func TestEngineStatsStreamAndRuntime(t *testing.T) {
	e := NewEnv(t)
	id := e.Run("busy", engine.ContainerSpec{Image: e.MirrorImage("redis:7"), Cmd: []string{"sh", "-c", "while :; do :; done"}})
	rt, err := e.Engine.InspectContainer(e.Context(time.Minute), id)
	if err != nil {
		t.Fatal(err)
	}
	if rt.State != "running" || rt.StartedAt.IsZero() || time.Since(rt.StartedAt) > time.Minute || rt.RestartCount != 0 {
		t.Fatalf("runtime of a fresh container: %+v", rt)
	}
	ctx, cancel := context.WithTimeout(e.Context(2*time.Minute), time.Minute)
	defer cancel()
	samples := make(chan engine.Stats, 16)
	done := make(chan error, 1)
	go func() { done <- e.Engine.StreamStats(ctx, id, func(s engine.Stats) { samples <- s }) }()
	var busy engine.Stats
	for busy.CPUPercent < 20 { // a busy loop uses most of a core
		select {
		case busy = <-samples:
			if busy.MemBytes == 0 {
				t.Fatalf("a sample without memory use: %+v", busy)
			}
		case <-ctx.Done():
			t.Fatalf("no sample showing the busy loop's CPU use; last %+v", busy)
		}
	}
	if err := e.Engine.StopContainer(e.Context(time.Minute), id, grace(time.Second)); err != nil {
		t.Fatal(err)
	}
	go func() { // drain what arrives until the stream ends
		for range samples {
		}
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("stats stream of a stopped container: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("the stats stream did not end when the container stopped")
	}
	rt, err = e.Engine.InspectContainer(e.Context(time.Minute), id)
	if err != nil || rt.State != "exited" || rt.FinishedAt.Before(rt.StartedAt) {
		t.Fatalf("runtime of a stopped container: %+v %v", rt, err)
	}
}
