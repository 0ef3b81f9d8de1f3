//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/devenv/devenv/internal/engine"
)

// Intent: the harness's own promise — everything a test creates carries its label and is gone
// after cleanup, while an object of another project survives it.
func TestCleanupRemovesOnlyOwnResources(t *testing.T) {
	mine := NewEnv(t)
	other := NewEnv(t)
	image := mine.MirrorImage("redis:7")
	net := mine.Network("net")
	mine.Run("cache", engine.ContainerSpec{Image: image, Network: net,
		Mounts: []engine.MountSpec{{Volume: mine.Project + "_data", Target: "/data"}}})
	other.Run("cache", engine.ContainerSpec{Image: image})

	ctx := mine.Context(time.Minute)
	before, err := mine.Engine.ListLabelled(ctx, mine.Label())
	if err != nil {
		t.Fatal(err)
	}
	if len(before.Containers) != 1 || len(before.Networks) != 1 || len(before.Volumes) != 1 {
		t.Fatalf("labelled before cleanup = %+v, want one container, network and volume", before)
	}
	if _, err := mine.Engine.RemoveLabelled(ctx, mine.Label()); err != nil {
		t.Fatal(err)
	}
	after, err := mine.Engine.ListLabelled(ctx, mine.Label())
	if err != nil {
		t.Fatal(err)
	}
	if !after.Empty() {
		t.Fatalf("left behind after cleanup: %+v", after)
	}
	survivor, err := other.Engine.ListLabelled(ctx, other.Label())
	if err != nil {
		t.Fatal(err)
	}
	if len(survivor.Containers) != 1 {
		t.Fatalf("cleanup of %s touched %s: %+v", mine.Project, other.Project, survivor)
	}
}

func contains(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
