package orchestrator

import (
	"context"
	"errors"
	"io/fs"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/events"
	"github.com/devenv/devenv/internal/watch"
)

// initialSync brings the containers' copies of initial_sync rules up to date when watching
// starts: files edited while nothing watched reach the container before the first save does.
// Only the files whose content differs from the container's are copied (compose copies them
// all), and a sync+restart or sync+exec rule restarts or runs its command only then, so
// attaching to an up-to-date stack costs a read of the synced folders and nothing else. The
// actions go through the reloader like any save's; a service whose files cannot be compared is
// reported and watching goes on.
func (o *Orchestrator) initialSync(ctx context.Context, p *types.Project, rules []watch.Rule, ig *watch.Ignorer, submit func(watch.Action)) {
	var services []string
	for _, r := range rules {
		if r.InitialSync && !slices.Contains(services, r.Service) {
			services = append(services, r.Service)
		}
	}
	for _, svc := range services {
		differ, err := o.initialDiffer(ctx, p, svc, rules, ig)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			o.emit(events.Event{Service: svc, Kind: events.Failed, Err: &ReloadError{Service: svc, Action: "initial sync", Err: err}})
			continue
		}
		if a, ok := watch.InitialAction(svc, rules, differ); ok {
			submit(a)
		}
	}
}

// initialDiffer lists the files of svc's initial_sync rules that the container lacks or holds
// other content for.
func (o *Orchestrator) initialDiffer(ctx context.Context, p *types.Project, svc string, rules []watch.Rule, ig *watch.Ignorer) ([]watch.SyncFile, error) {
	c, err := o.serviceContainer(ctx, p, svc)
	if err != nil {
		return nil, err
	}
	id := c.ID
	var differ []watch.SyncFile
	for _, r := range rules {
		if r.Service != svc || !r.InitialSync {
			continue
		}
		files, err := watch.InitialFiles(r, ig)
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			continue
		}
		have, err := o.engine.FileDigests(ctx, id, r.Target)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			want, err := engine.HostDigest(f.Host)
			if errors.Is(err, fs.ErrNotExist) {
				continue // deleted since the walk: the watcher reports it
			}
			if err != nil {
				return nil, err
			}
			if want != "" && have[f.Container] != want {
				differ = append(differ, f)
			}
		}
	}
	return differ, nil
}
