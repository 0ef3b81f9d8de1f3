package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/events"
	"github.com/devenv/devenv/internal/health"
	"github.com/devenv/devenv/internal/watch"
	"golang.org/x/sync/errgroup"
)

// WatchOptions are hot reload's choices.
type WatchOptions struct {
	Services []string      // only these services' rules; empty = every service with rules
	Quiet    time.Duration // how long the files must be quiet before a reload (default watch.DefaultQuiet)
	MaxWait  time.Duration // the longest a reload waits for quiet (default watch.DefaultMaxWait)
	Ignore   []string      // extra ignore globs, .dockerignore syntax, relative to the project folder
	// RestartGrace is how long a restarted container gets to stop, unless the service sets
	// stop_grace_period: short, because a dev server losing an in-flight request is fine and a
	// reload that waits 10 s for a process that ignores SIGTERM is not.
	RestartGrace time.Duration
	// Timeout bounds a reload's wait for the service to serve again; 0 = 2 minutes.
	Timeout time.Duration
}

// NothingToWatchError says no selected service has develop.watch rules.
type NothingToWatchError struct{ Services []string }

func (e *NothingToWatchError) Error() string {
	if len(e.Services) > 0 {
		return fmt.Sprintf("services %s have no develop.watch rules", strings.Join(e.Services, ", "))
	}
	return "no service has develop.watch rules"
}

// Hint says how to get some.
func (e *NothingToWatchError) Hint() string {
	return "build services from a template (template: backend), or add develop.watch rules in a compose file (docs/watch.md)"
}

// NotUpError is a project with no containers to reload into.
type NotUpError struct{ Project string }

func (e *NotUpError) Error() string { return "project " + e.Project + " is not running" }

// Hint says how to start it.
func (e *NotUpError) Hint() string {
	return "start it with devenv up (which watches too) or devenv up -d, then devenv watch"
}

// ReloadError is a reload that failed; watching goes on.
type ReloadError struct {
	Service string
	Action  string
	Err     error
	Logs    string
}

func (e *ReloadError) Error() string {
	msg := fmt.Sprintf("%s of %s: %v", e.Action, e.Service, e.Err)
	if e.Logs != "" {
		msg += "\n" + indent(e.Logs)
	}
	return msg
}

func (e *ReloadError) Unwrap() error { return e.Err }

// Watch watches the project's source and applies the develop.watch rules of its services to
// the running stack until ctx ends (then it returns nil): one watcher for the whole project,
// bursts of changes coalesced, at most one reload per service at a time (changes arriving
// during a reload are applied right after it, together). A failed reload is reported and
// watching goes on; Watch returns an error only when it cannot watch (a kernel limit).
func (o *Orchestrator) Watch(ctx context.Context, p *types.Project, opts WatchOptions) error {
	rules, err := watch.Rules(p, opts.Services)
	if err != nil {
		return err
	}
	if len(rules) == 0 {
		return &NothingToWatchError{Services: opts.Services}
	}
	if _, running, err := o.serviceContainers(ctx, p, nil); err != nil {
		return err
	} else if len(running) == 0 {
		return &NotUpError{Project: p.Name}
	}
	ignore, err := watch.NewIgnorer(p.WorkingDir, opts.Ignore)
	if err != nil {
		return fmt.Errorf("watch.ignore: %w", err)
	}
	var services []string
	for _, r := range rules {
		if slices.Contains(services, r.Service) {
			continue
		}
		services = append(services, r.Service)
		if b := p.Services[r.Service].Build; b != nil {
			if err := ignore.AddDockerignore(b.Context); err != nil {
				return err
			}
		}
	}
	roots := watch.Roots(rules)
	for _, root := range roots {
		// The .gitignore files of the folders above a root apply inside it too.
		for d := filepath.Dir(root); ; d = filepath.Dir(d) {
			if rel, err := filepath.Rel(p.WorkingDir, d); err != nil || strings.HasPrefix(rel, "..") {
				break
			}
			if err := ignore.LoadGitignore(d); err != nil {
				return err
			}
			if d == filepath.Dir(d) {
				break
			}
		}
	}
	w, err := watch.NewWatcher(roots, ignore)
	if err != nil {
		return err
	}
	quiet := opts.Quiet
	if quiet <= 0 {
		quiet = watch.DefaultQuiet
	}
	maxWait := opts.MaxWait
	if maxWait <= 0 {
		maxWait = watch.DefaultMaxWait
	}
	o.emit(events.Event{Kind: events.Watching, Message: fmt.Sprintf("%s: %d folders, %d rules, %s debounce",
		strings.Join(services, ", "), w.Dirs(), len(rules), quiet)})

	g, gctx := errgroup.WithContext(ctx)
	paths := make(chan watch.Event, 4096)
	batches := make(chan []watch.Event)
	g.Go(func() error {
		defer close(paths)
		return w.Run(gctx, func(ev watch.Event) {
			select {
			case paths <- ev:
			case <-gctx.Done():
			}
		})
	})
	g.Go(func() error {
		watch.Debounce(gctx, o.clock, quiet, maxWait, paths, batches)
		return nil
	})
	r := &reloader{o: o, p: p, opts: opts, queues: map[string]*reloadQueue{}, shells: newShells()}
	defer r.shells.close()
	g.Go(func() error {
		// Open the sync shells before the first save needs them.
		for _, svc := range services {
			if !slices.ContainsFunc(rules, func(r watch.Rule) bool { return r.Service == svc && r.Target != "" && !r.Mounted }) {
				continue
			}
			if c, err := o.serviceContainer(gctx, p, svc); err == nil {
				r.shells.get(gctx, o.engine, c.ID)
			}
		}
		o.initialSync(gctx, p, rules, ignore, func(a watch.Action) { r.submit(gctx, a) })
		return nil
	})
	g.Go(func() error {
		for batch := range batches {
			for _, a := range watch.Plan(rules, watch.Stat(batch)) {
				r.submit(gctx, a)
			}
		}
		return nil
	})
	err = g.Wait()
	r.wg.Wait()
	if err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}

// reloader runs each service's reloads one at a time, merging what arrives meanwhile.
type reloader struct {
	o    *Orchestrator
	p    *types.Project
	opts WatchOptions

	wg     sync.WaitGroup // one goroutine per service with a reload running
	shells *shells
	mu     sync.Mutex
	queues map[string]*reloadQueue
}

type reloadQueue struct {
	running bool
	pending *watch.Action
}

func (r *reloader) submit(ctx context.Context, a watch.Action) {
	r.mu.Lock()
	defer r.mu.Unlock()
	q := r.queues[a.Service]
	if q == nil {
		q = &reloadQueue{}
		r.queues[a.Service] = q
	}
	if q.running {
		if q.pending == nil {
			q.pending = &a
		} else {
			q.pending.Merge(a)
		}
		return
	}
	q.running = true
	r.wg.Add(1)
	go func() { // ends when the service's queue is empty
		defer r.wg.Done()
		for {
			r.o.reload(ctx, r.p, r.opts, r.shells, a)
			r.mu.Lock()
			if q.pending == nil || ctx.Err() != nil {
				q.running, q.pending = false, nil
				r.mu.Unlock()
				return
			}
			a, q.pending = *q.pending, nil
			r.mu.Unlock()
		}
	}()
}

// reload applies one action and reports it: which files, which action, how long it took.
func (o *Orchestrator) reload(ctx context.Context, p *types.Project, opts WatchOptions, sh *shells, a watch.Action) {
	start := o.clock.Now()
	what := a.Name() + " for " + describeFiles(p.WorkingDir, a.Files)
	o.emit(events.Event{Service: a.Service, Kind: events.Reloading, Message: what})
	err := o.apply(ctx, p, opts, sh, a)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		re := &ReloadError{Service: a.Service, Action: a.Name(), Err: err}
		var se *ServiceError
		if errors.As(err, &se) {
			re.Err, re.Logs = se.Err, se.Logs
		}
		o.emit(events.Event{Service: a.Service, Kind: events.Failed, Err: re})
		return
	}
	o.emit(events.Event{Service: a.Service, Kind: events.Reloaded, Message: what, Duration: o.clock.Now().Sub(start)})
}

func (o *Orchestrator) apply(ctx context.Context, p *types.Project, opts WatchOptions, sh *shells, a watch.Action) error {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	if a.Rebuild {
		// Build and replace this one container; what it depends on is kept as it runs.
		return o.Up(ctx, p, UpOptions{Services: []string{a.Service}, Build: true, Wait: true, Timeout: timeout})
	}
	c, err := o.serviceContainer(ctx, p, a.Service)
	if err != nil {
		return err
	}
	id := c.ID
	if err := o.sync(ctx, id, a.Sync, sh); err != nil {
		return err
	}
	if a.Restart {
		def := opts.RestartGrace
		if def <= 0 {
			def = 3 * time.Second
		}
		if _, err := o.restartService(ctx, c, graceFor(p.Services[a.Service], nil, def)); err != nil {
			return err
		}
		wctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		if err := o.waitServing(wctx, p, a.Service, id); err != nil {
			return err
		}
	}
	for _, h := range a.Exec {
		var env []string
		for k, v := range h.Environment {
			if v != nil {
				env = append(env, k+"="+*v)
			}
		}
		slices.Sort(env)
		res, err := o.engine.ExecWith(ctx, id, engine.ExecSpec{Cmd: h.Command, User: h.User, WorkingDir: h.WorkingDir, Env: env, Privileged: h.Privileged})
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("%s exited with code %d: %s", strings.Join(h.Command, " "), res.ExitCode, strings.TrimSpace(res.Output))
		}
	}
	return nil
}

// serviceContainer finds the service's own container.
func (o *Orchestrator) serviceContainer(ctx context.Context, p *types.Project, service string) (engine.Container, error) {
	_, cs, err := o.serviceContainers(ctx, p, []string{service})
	if err != nil {
		return engine.Container{}, err
	}
	return cs[0], nil
}

// sync deletes what was deleted, then copies what was written: a rename is a delete of the
// old name and a copy of the new one.
func (o *Orchestrator) sync(ctx context.Context, id string, files []watch.SyncFile, sh *shells) error {
	if len(files) == 0 {
		return nil
	}
	if script, ok := shellScript(files); ok {
		if shell := sh.get(ctx, o.engine, id); shell != nil {
			if err := shell.run(ctx, script); err != nil {
				return fmt.Errorf("sync: %w", err)
			}
			return nil
		}
	}
	var copies []engine.CopyFile
	var deletes []string
	for _, f := range files {
		if f.Delete {
			if f.Container != "/" {
				deletes = append(deletes, f.Container)
			}
			continue
		}
		copies = append(copies, engine.CopyFile{Host: f.Host, Container: f.Container})
	}
	if len(deletes) > 0 {
		// The Engine API has no delete; compose's watch does the same.
		code, out, err := o.engine.ExecExitCode(ctx, id, append([]string{"rm", "-rf", "--"}, deletes...))
		if err != nil {
			return fmt.Errorf("delete synced files: %w", err)
		}
		if code != 0 {
			return fmt.Errorf("delete synced files: rm exited with code %d (the image needs rm to sync deletions): %s", code, strings.TrimSpace(out))
		}
	}
	if len(copies) > 0 {
		return o.engine.CopyToContainer(ctx, id, copies)
	}
	return nil
}

// waitServing waits until a restarted service is ready again the way up decides readiness;
// its container exiting (a compile error) ends the wait at once, with its logs.
func (o *Orchestrator) waitServing(ctx context.Context, p *types.Project, svc, id string) error {
	st, err := o.engine.InspectContainer(ctx, id)
	if err != nil {
		return err
	}
	x := &execution{o: o, p: p}
	probe, err := x.probe(svc, id, st.Ports)
	if err != nil {
		return nil // nothing tells when it is ready: started is all there is to know
	}
	verdicts := make(chan error, 1)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { // ends with the container or with the wait
		code, err := o.engine.WaitContainer(wctx, id)
		if err == nil {
			verdicts <- fmt.Errorf("container exited with code %d", code)
		}
	}()
	if _, err := health.Wait(wctx, o.clock, probe, o.probeInterval, attemptTimeout, verdicts); err != nil {
		logs, _ := o.engine.Logs(context.WithoutCancel(ctx), id, 20)
		return &ServiceError{Service: svc, Step: "restart", Err: err, Logs: logs}
	}
	return nil
}

// describeFiles names up to three changed files relative to the project, then how many more.
func describeFiles(dir string, files []string) string {
	names := make([]string, 0, 3)
	for _, f := range files {
		if len(names) == 3 {
			break
		}
		if rel, err := filepath.Rel(dir, f); err == nil {
			f = rel
		}
		names = append(names, f)
	}
	s := strings.Join(names, ", ")
	if more := len(files) - len(names); more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}
