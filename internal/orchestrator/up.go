package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/events"
	"github.com/devenv/devenv/internal/plan"
	"github.com/devenv/devenv/internal/project"
	"golang.org/x/sync/errgroup"
)

// UpOptions are `devenv up`'s choices.
type UpOptions struct {
	Services      []string      // only these (and what they depend on)
	Build         bool          // rebuild images of services with a build section
	Wait          bool          // return only when every selected service is ready
	Timeout       time.Duration // bound on waiting for readiness; 0 = no bound but ctx
	ForceRecreate bool
	// StopGrace is how long a replaced container gets to stop before it is killed; nil: the
	// service's stop_grace_period, else the engine's 10 s.
	StopGrace *time.Duration
	// ImageTags are extra tags for built images, e.g. the git describe of the source.
	ImageTags func(service string) []string
}

// maxParallelTransfers bounds simultaneous pulls and builds: more would only fight over the
// network and the CPU, and slow every one of them down.
const maxParallelTransfers = 4

// Up brings p to the desired state and, with Wait, until every service is ready.
func (o *Orchestrator) Up(ctx context.Context, p *types.Project, opts UpOptions) error {
	observed, err := o.engine.ProjectContainers(ctx, p.Name)
	if err != nil {
		return err
	}
	byService := map[string]engine.Container{}
	for _, c := range observed {
		if c.Labels[engine.LabelComposeOneoff] == "True" {
			continue
		}
		byService[c.Service] = c
	}
	hostPorts, err := o.hostPorts(p, byService)
	if err != nil {
		return err
	}
	pinned, err := o.pinnedPorts(p, byService)
	if err != nil {
		return err
	}
	hashes := map[string]string{}
	for name, s := range p.Services {
		hashes[name] = plan.ConfigHash(o.supervisedLabels(ctx, s, containerName(p, name)), hostPorts[name])
	}
	obs := plan.Observed{Containers: map[string]plan.ObservedContainer{}, Images: map[string]bool{}, Stale: map[string]bool{}}
	for svc, c := range byService {
		obs.Containers[svc] = plan.ObservedContainer{ID: c.ID, ConfigHash: c.ConfigHash, Running: c.State == "running" || c.State == "restarting", ExitCode: c.ExitCode}
	}
	contextHashes := map[string]string{}
	for name, s := range p.Services {
		if s.Image == "" {
			continue
		}
		img, err := o.engine.InspectImage(ctx, s.Image)
		if err != nil {
			return err
		}
		obs.Images[s.Image] = img.ID != ""
		if s.Build == nil || img.ID == "" {
			continue
		}
		// A built image is stale when the source it was built from is not what the build
		// context holds now: rebuilt without being asked (compose would need --build).
		// A context that cannot be read is left to the build, which says why.
		hash, err := engine.ContextHash(s.Build.Context, relDockerfile(s.Build))
		if err != nil {
			continue
		}
		contextHashes[name] = hash
		obs.Stale[name] = img.Labels[engine.LabelContextHash] != hash
	}
	pl, err := plan.Up(p, obs, hashes, plan.Options{
		Services: opts.Services, Build: opts.Build, Wait: opts.Wait, ForceRecreate: opts.ForceRecreate,
		RemoveOrphans: true,
	})
	if err != nil {
		return err
	}
	x := &execution{o: o, p: p, opts: opts, hostPorts: hostPorts, pinnedPorts: pinned, observed: byService, contextHashes: contextHashes, created: map[string]createdContainer{}, ids: map[string]string{}, started: map[string]time.Time{}}
	for svc, c := range byService {
		x.ids[svc] = c.ID
	}
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	// Subscribed before anything starts, so no death or health change is missed.
	watch, stopWatch := o.watchProject(ctx, p.Name)
	defer stopWatch()
	x.watch = watch
	return run(ctx, pl, x.do)
}

// run executes the plan: every op in its own goroutine, started as soon as the ops it waits on
// have finished. The first failure cancels the rest.
func run(ctx context.Context, pl *plan.Plan, do func(context.Context, *plan.Op) error) error {
	g, ctx := errgroup.WithContext(ctx)
	done := make(map[string]chan struct{}, len(pl.Ops))
	for id := range pl.Ops {
		done[id] = make(chan struct{})
	}
	transfers := make(chan struct{}, maxParallelTransfers)
	for _, op := range pl.Ordered() {
		g.Go(func() error {
			for _, dep := range op.After {
				select {
				case <-done[dep]:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			if op.Kind == "pull" || op.Kind == "build" {
				select {
				case transfers <- struct{}{}:
					defer func() { <-transfers }()
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			if err := do(ctx, op); err != nil {
				return err
			}
			close(done[op.ID])
			return nil
		})
	}
	return g.Wait()
}

// execution is the state of one Up while its plan runs.
type execution struct {
	o         *Orchestrator
	p         *types.Project
	opts      UpOptions
	hostPorts map[string]map[uint32]string
	// pinnedPorts are the host ports chosen for ports the configuration leaves to the engine.
	pinnedPorts map[string]map[uint32]string
	observed    map[string]engine.Container
	watch       *containerWatch
	// contextHashes are the build contexts' hashes, by service, labelled on what is built.
	contextHashes map[string]string

	mu      sync.Mutex
	created map[string]createdContainer // service → container made (or kept) by a create op
	ids     map[string]string           // service → container ID, once started or kept
	started map[string]time.Time        // service → when its container was started by this up
	builtID sync.Map                    // service → image ID built by this up
}

func (x *execution) setID(svc, id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.ids[svc] = id
	x.started[svc] = x.o.clock.Now()
}

// createdContainer is what a create op left for its run op.
type createdContainer struct {
	id      string
	running bool // kept as is, already running
}

func (x *execution) setCreated(svc, id string, running bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.created[svc] = createdContainer{id: id, running: running}
}

func (x *execution) createdContainer(svc string) (createdContainer, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	c, ok := x.created[svc]
	return c, ok
}

func (x *execution) id(svc string) string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.ids[svc]
}

func (x *execution) do(ctx context.Context, op *plan.Op) error {
	switch op.Kind {
	case "network":
		created, err := x.o.engine.EnsureNetwork(ctx, op.Target, x.labels("", map[string]string{"com.docker.compose.network": strings.TrimPrefix(op.ID, "network:")}))
		if err == nil && created {
			x.o.emit(events.Event{Kind: events.Network, Message: op.Target})
		}
		return err
	case "volume":
		created, err := x.o.engine.EnsureVolume(ctx, op.Target, x.labels("", map[string]string{"com.docker.compose.volume": strings.TrimPrefix(op.ID, "volume:")}))
		if err == nil && created {
			x.o.emit(events.Event{Kind: events.Volume, Message: op.Target})
		}
		return err
	case "pull":
		return x.pull(ctx, op)
	case "build":
		return x.build(ctx, op)
	case "create":
		return x.create(ctx, op)
	case "run":
		return x.run(ctx, op)
	case "ready":
		return x.ready(ctx, op)
	case "seed":
		return x.seed(ctx, op)
	case "remove":
		if err := x.o.engine.StopContainer(ctx, op.Target, x.opts.StopGrace); err != nil && !engine.IsNotFound(err) {
			return err
		}
		if err := x.o.engine.RemoveContainer(ctx, op.Target); err != nil {
			return err
		}
		x.o.emit(events.Event{Service: op.Service, Kind: events.Removed, Message: "no longer in the project"})
		return nil
	}
	return fmt.Errorf("unknown operation %s", op.ID)
}

// labels are what every object of the project carries, for cleanup by label and for tools that
// group by compose project.
func (x *execution) labels(service string, extra map[string]string) map[string]string {
	l := projectLabels(x.p.Name, service)
	for k, v := range extra {
		l[k] = v
	}
	return l
}

func (x *execution) pull(ctx context.Context, op *plan.Op) error {
	start := x.o.clock.Now()
	x.o.emit(events.Event{Service: op.Service, Kind: events.Pulling, Message: op.Target})
	if err := x.o.engine.PullImage(ctx, op.Target, x.pullProgress(op.Service, op.Target)); err != nil {
		return &ServiceError{Service: op.Service, Step: "pull", Err: err,
			Fix: "check the image name and tag, and that its registry is reachable (images.mirror in devenv.yaml points pulls at a mirror)"}
	}
	x.o.emit(events.Event{Service: op.Service, Kind: events.Pulled, Message: op.Target, Duration: x.o.clock.Now().Sub(start)})
	return nil
}

// pullProgress turns the engine's per-layer reports into at most one event a second with the
// whole image's progress: enough to see a big pull move, few enough for a CI log.
func (x *execution) pullProgress(service, ref string) func(engine.PullProgress) {
	layers := map[string][2]int64{} // layer → current, total bytes
	var last time.Time
	return func(p engine.PullProgress) {
		if p.Layer == "" || p.Total <= 0 {
			return
		}
		layers[p.Layer] = [2]int64{p.Current, p.Total}
		now := x.o.clock.Now()
		if now.Sub(last) < time.Second {
			return
		}
		last = now
		var cur, total int64
		for _, l := range layers {
			cur, total = cur+l[0], total+l[1]
		}
		x.o.emit(events.Event{Service: service, Kind: events.Pulling,
			Message: fmt.Sprintf("%s %d%% of %.1f MB", ref, cur*100/total, float64(total)/1e6)})
	}
}

func (x *execution) build(ctx context.Context, op *plan.Op) error {
	s := x.p.Services[op.Service]
	b := s.Build
	start := x.o.clock.Now()
	x.o.emit(events.Event{Service: op.Service, Kind: events.Building, Message: s.Image})
	tags := []string{s.Image}
	if x.opts.ImageTags != nil {
		tags = append(tags, x.opts.ImageTags(op.Service)...)
	}
	var hosts []string
	for host, ips := range b.ExtraHosts {
		for _, ip := range ips {
			hosts = append(hosts, host+":"+ip)
		}
	}
	sort.Strings(hosts)
	labels := x.labels(op.Service, b.Labels)
	hash, ok := x.contextHashes[op.Service]
	if !ok {
		var err error
		if hash, err = engine.ContextHash(b.Context, relDockerfile(b)); err != nil {
			hash = ""
		}
	}
	if hash != "" {
		labels[engine.LabelContextHash] = hash
	}
	id, err := x.o.engine.BuildImage(ctx, engine.BuildSpec{
		Context: b.Context, Dockerfile: relDockerfile(b), Target: b.Target, Tags: tags, Args: b.Args, ExtraHosts: hosts,
		Labels: labels,
	}, nil)
	if err != nil {
		fix := "fix the Dockerfile step shown above, then run devenv up again"
		if errors.Is(err, fs.ErrNotExist) {
			fix = "create " + filepath.Join(b.Context, "Dockerfile")
			if t := project.ExtensionOf(s).Template; t != "" {
				fix = fmt.Sprintf("scaffold it from its template: devenv add service %s --template %s --force", op.Service, t)
			}
		}
		return &ServiceError{Service: op.Service, Step: "build", Err: err, Fix: fix}
	}
	x.builtID.Store(op.Service, id)
	x.o.emit(events.Event{Service: op.Service, Kind: events.Built, Message: strings.Join(tags, ", "), Duration: x.o.clock.Now().Sub(start)})
	return nil
}

// relDockerfile is the build's Dockerfile relative to its context, as the engine wants it.
func relDockerfile(b *types.BuildConfig) string {
	if b.Dockerfile != "" && filepath.IsAbs(b.Dockerfile) {
		if rel, err := filepath.Rel(b.Context, b.Dockerfile); err == nil {
			return rel
		}
	}
	return b.Dockerfile
}

func (x *execution) containerName(service string) string { return containerName(x.p, service) }

func containerName(p *types.Project, service string) string {
	if n := p.Services[service].ContainerName; n != "" {
		return n
	}
	return p.Name + "-" + service + "-1"
}

// create makes the container a run op will start: after removing the one it replaces, unless
// an explicit --build produced the very image that container already runs.
func (x *execution) create(ctx context.Context, op *plan.Op) error {
	svc := op.Service
	if op.Action == plan.Recreate {
		old := x.observed[svc]
		if built, ok := x.builtID.Load(svc); ok && old.ConfigHash == op.Hash && built.(string) == old.ImageID && !x.opts.ForceRecreate {
			x.setCreated(svc, old.ID, old.State == "running")
			return nil
		}
		x.o.emit(events.Event{Service: svc, Kind: events.Stopping, Message: "configuration changed"})
		if err := x.o.engine.StopContainer(ctx, op.Target, x.opts.StopGrace); err != nil && !engine.IsNotFound(err) {
			return err
		}
		if err := x.o.engine.RemoveContainer(ctx, op.Target); err != nil {
			return err
		}
	}
	x.o.emit(events.Event{Service: svc, Kind: events.Creating})
	s := x.p.Services[svc]
	if err := x.checkPorts(ctx, s); err != nil {
		return err
	}
	s, err := x.o.superviseCommand(ctx, x.o.supervisedLabels(ctx, s, x.containerName(svc)), x.containerName(svc))
	if err != nil {
		return &ServiceError{Service: svc, Step: "create", Err: err}
	}
	id, err := x.o.engine.CreateServiceContainer(ctx, engine.ServiceContainer{
		Project: x.p, Service: s, Name: x.containerName(svc), HostPorts: x.createPorts(svc),
		Labels: x.labels(svc, map[string]string{
			engine.LabelConfigHash: op.Hash, engine.LabelComposeOneoff: "False",
			"com.docker.compose.container-number": "1", dependsOnLabel: dependsOnValue(s),
		}),
	})
	if err != nil {
		return &ServiceError{Service: svc, Step: "create", Err: err}
	}
	if err := x.o.installSupervisor(ctx, s, id); err != nil {
		return &ServiceError{Service: svc, Step: "create", Err: err}
	}
	x.setCreated(svc, id, false)
	return nil
}

func (x *execution) run(ctx context.Context, op *plan.Op) error {
	svc := op.Service
	id := op.Target
	switch op.Action {
	case plan.Keep:
		x.o.emit(events.Event{Service: svc, Kind: events.Unchanged})
		return nil
	case plan.Create, plan.Recreate:
		c, ok := x.createdContainer(svc)
		if !ok {
			return fmt.Errorf("service %s: no container was created to start", svc)
		}
		if c.running {
			x.setID(svc, c.id)
			x.o.emit(events.Event{Service: svc, Kind: events.Unchanged})
			return nil
		}
		id = c.id
	}
	if op.Action == plan.Restart {
		x.o.emit(events.Event{Service: svc, Kind: events.Stopping, Message: "restarting: a dependency it follows was replaced"})
		if err := x.o.engine.StopContainer(ctx, id, x.opts.StopGrace); err != nil {
			return err
		}
	}
	if err := x.o.engine.StartContainer(ctx, id); err != nil {
		x.setID(svc, id)
		return x.startError(ctx, svc, err)
	}
	x.setID(svc, id)
	x.o.emit(events.Event{Service: svc, Kind: events.Started})
	return nil
}

// checkPorts fails early, naming the holder, when a host port the service publishes is taken.
// The engine's own error ("port is already allocated") names neither the service nor the holder.
func (x *execution) checkPorts(ctx context.Context, s types.ServiceConfig) error {
	for _, port := range s.Ports {
		published := port.Published
		if hp, ok := x.hostPorts[s.Name][port.Target]; ok {
			published = hp
		}
		if published == "" || strings.Contains(published, "-") || portFree(port.HostIP, published) {
			continue
		}
		holder := "a process on this host (find it with: ss -ltnp 'sport = :" + published + "')"
		if all, err := x.o.engine.DevenvContainers(ctx); err == nil {
			for _, c := range all {
				for _, pp := range c.Ports {
					if strconv.Itoa(int(pp.HostPort)) == published && c.State == "running" {
						holder = fmt.Sprintf("container %s of devenv project %s", c.Name, c.Labels[engine.LabelProject])
					}
				}
			}
		}
		return &PortTakenError{Service: s.Name, Addr: hostIPOr(port.HostIP) + ":" + published, Holder: holder}
	}
	return nil
}

func (x *execution) startError(ctx context.Context, svc string, err error) error {
	logs := ""
	if id := x.id(svc); id != "" {
		logs, _ = x.o.engine.Logs(ctx, id, 20)
	}
	return &ServiceError{Service: svc, Step: "start", Err: err, Logs: logs}
}

// ServiceError is a failure of one service, with what a user needs to fix it.
type ServiceError struct {
	Service string
	Step    string // pull, build, create, start, health, job, seed
	Err     error
	Logs    string // last log lines of the container, if any
	Fix     string
}

func (e *ServiceError) Error() string {
	msg := fmt.Sprintf("service %s: %s: %v", e.Service, e.Step, e.Err)
	if logs := strings.TrimRight(e.Logs, "\n"); logs != "" {
		msg += "\nlast log lines of " + e.Service + ":\n" + indent(logs)
	}
	return msg
}

func (e *ServiceError) Unwrap() error { return e.Err }

// Hint is the fix the CLI prints.
func (e *ServiceError) Hint() string {
	if e.Fix != "" {
		return e.Fix
	}
	var h interface{ Hint() string }
	if errors.As(e.Err, &h) {
		return h.Hint()
	}
	return ""
}

func indent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = "  | " + l
	}
	return strings.Join(lines, "\n")
}

// createPorts are the host ports a new container of svc publishes in place of the configured
// ones: fallbacks for taken defaults, and the pinned choices for ports left to the engine.
func (x *execution) createPorts(svc string) map[uint32]string {
	if len(x.pinnedPorts[svc]) == 0 {
		return x.hostPorts[svc]
	}
	out := map[uint32]string{}
	for k, v := range x.pinnedPorts[svc] {
		out[k] = v
	}
	for k, v := range x.hostPorts[svc] {
		out[k] = v
	}
	return out
}
