package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/devenv/devenv/internal/engine"
	"golang.org/x/sync/errgroup"
)

// followAcrossRestarts follows the logs of the project's services like followLogs, but keeps
// following a service through restarts and replacements (hot reload restarts and rebuilds
// them): when a container's stream ends, the service's next running container is followed
// from the last line shown, so nothing is printed twice and nothing is lost.
func followAcrossRestarts(ctx context.Context, e *engine.Client, project string, services []string, w io.Writer, color bool) error {
	all, err := e.ProjectContainers(ctx, project)
	if err != nil {
		return err
	}
	containers, err := selectServices(project, all, services)
	if err != nil {
		return err
	}
	p := newPrefixer(serviceNames(containers), color, false)
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	for _, c := range containers {
		g.Go(func() error {
			id, since, tail := c.ID, "", 20
			for {
				var last time.Time
				lw := &lineWriter{flush: func(line string) {
					ts, text, _ := strings.Cut(line, " ")
					at, err := time.Parse(time.RFC3339Nano, ts)
					if err != nil {
						text = line
					} else {
						last = at
					}
					mu.Lock()
					defer mu.Unlock()
					p.write(w, c.Service, at, text)
				}}
				err := e.StreamLogs(gctx, id, engine.LogOptions{Follow: true, Since: since, Tail: tail, Timestamps: true}, lw, lw)
				lw.Close()
				if gctx.Err() != nil {
					return nil
				}
				if err != nil && !engine.IsNotFound(err) {
					return err
				}
				if !last.IsZero() {
					next := last.Add(time.Nanosecond)
					since = fmt.Sprintf("%d.%09d", next.Unix(), next.Nanosecond())
				}
				tail = 0
				if id, err = nextRunning(gctx, e, project, c.Service); err != nil || id == "" {
					return err
				}
			}
		})
	}
	return g.Wait()
}

// nextRunning waits for a running container of service; "" when ctx ends first.
func nextRunning(ctx context.Context, e *engine.Client, project, service string) (string, error) {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		cs, err := e.ProjectContainers(ctx, project)
		if err != nil {
			if ctx.Err() != nil {
				return "", nil
			}
			return "", err
		}
		for _, c := range cs {
			if c.Service == service && c.State == "running" {
				return c.ID, nil
			}
		}
		select {
		case <-ctx.Done():
			return "", nil
		case <-tick.C:
		}
	}
}
