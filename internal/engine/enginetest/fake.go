// Package enginetest is an in-memory Docker Engine for unit tests: every package that talks to
// the engine tests against this one fake instead of writing its own. It keeps containers,
// networks, volumes and images, emits the container events the real engine emits for each
// change (create, start, kill, die, stop, restart, pause, unpause, destroy, health_status), and
// serves logs, stats and waits that block the way the real ones do, so event-driven code
// (readiness, the dashboard, log following, hot reload) is tested through the paths the real
// engine drives.
//
// Tests script it with its methods (ExitOnStart, HealthyAfter, SetHealth, Log, Exit, ...) and
// read back what was done with Calls.
package enginetest

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/containerd/errdefs"
	"github.com/devenv/devenv/internal/engine"
)

var _ engine.API = (*Fake)(nil)

// Fake is the in-memory engine. Its zero value is not usable: call New.
type Fake struct {
	mu         sync.Mutex
	now        func() time.Time
	calls      []string
	nextID     int
	nextPort   uint16
	containers map[string]*container // by ID
	networks   map[string]map[string]string
	volumes    map[string]map[string]string
	images     map[string]engine.LocalImage // by reference
	subs       map[*subscription]bool

	exitOnStart  map[string]int64 // service → exit code its containers end with right after starting
	logOnStart   map[string][]string
	oneOffExit   map[string]int64 // service → exit code its one-off runs end with right after starting
	healthyAfter map[string]int   // service → healthcheck execs that fail before one passes
	healthyStart map[string]bool  // service → the engine's own healthcheck passes at start
	failCreate   map[string]error
	published    map[string]map[uint16]uint16 // service → container port → host port
	execFails    map[string]bool              // a command's first word → it exits 1
	execHandler  ExecHandler
	failNext     map[string][]error // method name → errors its next calls return
	files        map[string]map[string]string
	arch         string
	created      map[string]engine.ServiceContainer // service → its last container's creation
	// recorded is closed and replaced whenever a call is recorded: what WaitCall waits on.
	recorded chan struct{}
}

// ExecHandler answers an exec the test cares about: its exit code and output, and whether it
// handled the command at all (false: the fake's default applies).
type ExecHandler func(c engine.ContainerState, cmd []string) (code int, output string, handled bool)

type container struct {
	engine.ContainerState
	image, imageID      string
	entrypoint, command []string
	healthcheck         []string // the command an exec healthcheck of it runs, as health.Command runs it
	stopTimeout         *time.Duration
	checks              int
	runs                int // starts so far: a followed log ends with its run, as the engine's does
	logs                []logLine
	stats               *engine.Stats
	// changed is closed and replaced on every change of state, log or stats: what blocking
	// calls (WaitContainer, a followed log) wait on.
	changed chan struct{}
}

type logLine struct {
	at     time.Time
	text   string
	stderr bool
}

// New returns an empty engine whose clock is time.Now.
func New() *Fake {
	return &Fake{
		now: time.Now, nextPort: 49153,
		containers: map[string]*container{}, networks: map[string]map[string]string{}, volumes: map[string]map[string]string{},
		images: map[string]engine.LocalImage{}, subs: map[*subscription]bool{},
		exitOnStart: map[string]int64{}, logOnStart: map[string][]string{}, oneOffExit: map[string]int64{}, healthyAfter: map[string]int{}, healthyStart: map[string]bool{},
		failCreate: map[string]error{}, published: map[string]map[uint16]uint16{}, execFails: map[string]bool{},
		failNext: map[string][]error{}, files: map[string]map[string]string{}, created: map[string]engine.ServiceContainer{},
		recorded: make(chan struct{}),
	}
}

// notFound is the engine's answer for an object it does not have; engine.IsNotFound knows it.
func notFound(what, id string) error {
	return fmt.Errorf("no such %s: %s: %w", what, id, errdefs.ErrNotFound)
}

// conflict is the engine's answer for an action the object's state does not allow.
func conflict(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, errdefs.ErrConflict)...)
}

func (f *Fake) record(format string, args ...any) {
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
	close(f.recorded)
	f.recorded = make(chan struct{})
}

// Record adds call to the call log: a test's own fake (a seeder, say) orders its calls among
// the engine's this way.
func (f *Fake) Record(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("%s", call)
}

// WaitCall blocks until call has been made (it may have been already) or ctx ends.
func (f *Fake) WaitCall(ctx context.Context, call string) error {
	for {
		f.mu.Lock()
		made, recorded := slices.Contains(f.calls, call), f.recorded
		f.mu.Unlock()
		if made {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s was not made: %w", call, ctx.Err())
		case <-recorded:
		}
	}
}

// takeFailure returns the next error queued for method, if any. Called with f.mu held.
func (f *Fake) takeFailure(method string) error {
	q := f.failNext[method]
	if len(q) == 0 {
		return nil
	}
	f.failNext[method] = q[1:]
	return q[0]
}

// who names c in the call log: its service, or its name when it has none (a reaper).
func (c *container) who() string {
	if c.Service != "" {
		return c.Service
	}
	return c.Name
}

// changedLocked wakes everything waiting on c. Called with f.mu held.
func (c *container) changedLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

func (f *Fake) container(id string) (*container, error) {
	c, ok := f.containers[id]
	if !ok {
		// Like the engine, a unique prefix of an ID or a name finds the container too.
		for _, cand := range f.containers {
			if cand.Name == id || strings.HasPrefix(cand.ID, id) {
				return cand, nil
			}
		}
		return nil, notFound("container", id)
	}
	return c, nil
}

// --- scripting ---

// SetClock replaces the fake's clock (log and state times).
func (f *Fake) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

// SetArch sets the architecture Version reports (default: this process's).
func (f *Fake) SetArch(arch string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.arch = arch
}

// AddImage makes ref present locally, with img's configuration (its ID defaults to
// "sha256:"+ref).
func (f *Fake) AddImage(ref string, img engine.LocalImage) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if img.ID == "" {
		img.ID = "sha256:" + ref
	}
	f.images[ref] = img
}

// ExitOnStart makes service's containers exit with code right after they start: a job.
func (f *Fake) ExitOnStart(service string, code int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.exitOnStart[service] = code
}

// OneOffExits makes one-off runs of service exit with code right after they start, while its
// own containers run on.
func (f *Fake) OneOffExits(service string, code int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.oneOffExit[service] = code
}

// LogOnStart makes service's containers write text each time they start (before a job's exit).
func (f *Fake) LogOnStart(service, text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logOnStart[service] = append(f.logOnStart[service], text)
}

// HealthyAfter makes n exec healthchecks of service fail before one passes.
func (f *Fake) HealthyAfter(service string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.healthyAfter[service] = n
}

// HealthyOnStart makes the engine report service's containers healthy as soon as they start.
func (f *Fake) HealthyOnStart(service string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.healthyStart[service] = true
}

// FailCreate makes creating a container of service fail with err.
func (f *Fake) FailCreate(service string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failCreate[service] = err
}

// FailNext makes the next call of method (e.g. "StopContainer") return err; queued errors are
// returned in order, one per call.
func (f *Fake) FailNext(method string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failNext[method] = append(f.failNext[method], err)
}

// Publish makes service's containers publish containerPort on hostPort.
func (f *Fake) Publish(service string, containerPort, hostPort uint16) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.published[service] == nil {
		f.published[service] = map[uint16]uint16{}
	}
	f.published[service][containerPort] = hostPort
}

// ExecFails makes every exec of a command whose first word is name exit 1.
func (f *Fake) ExecFails(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.execFails[name] = true
}

// HandleExec answers execs (all of Exec, ExecWith, ExecExitCode and ExecAttached) with h first.
func (f *Fake) HandleExec(h ExecHandler) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.execHandler = h
}

// SetFile says that service's containers hold path with content digest (engine.HostDigest's).
func (f *Fake) SetFile(service, path, digest string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.files[service] == nil {
		f.files[service] = map[string]string{}
	}
	f.files[service][path] = digest
}

// Files returns what service's containers hold: path → digest.
func (f *Fake) Files(service string) map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.files[service])
}

// SetHealth makes the engine report container id's health as h, with its health_status event.
func (f *Fake) SetHealth(id string, h engine.Health) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.container(id)
	if err != nil {
		return err
	}
	f.setHealthLocked(c, h)
	return nil
}

func (f *Fake) setHealthLocked(c *container, h engine.Health) {
	c.Health = h
	f.emitLocked(c, engine.ContainerEvent{Action: engine.ActionHealthStatus, Health: h})
	c.changedLocked()
}

// Log appends a line to container id's output (stderr when stderr is true), stamped with the
// fake's clock; followers see it at once.
func (f *Fake) Log(id, text string, stderr bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.container(id)
	if err != nil {
		return err
	}
	c.logs = append(c.logs, logLine{at: f.now(), text: text, stderr: stderr})
	c.changedLocked()
	return nil
}

// Exit ends container id's process by itself (a crash, a finished job) with code.
func (f *Fake) Exit(id string, code int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.container(id)
	if err != nil {
		return err
	}
	if !c.State.HasProcess() {
		return conflict("container %s is not running", id)
	}
	f.dieLocked(c, code)
	return nil
}

// SetStats makes container id's stats stream report s.
func (f *Fake) SetStats(id string, s engine.Stats) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.container(id)
	if err != nil {
		return err
	}
	c.stats = &s
	c.changedLocked()
	return nil
}

// --- reading back ---

// Calls returns what was done, in order: "create api", "start api", "stop api 10s", ...
func (f *Fake) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// CallsFor returns the calls mentioning s, in order.
func (f *Fake) CallsFor(s string) []string {
	var out []string
	for _, c := range f.Calls() {
		if strings.Contains(c, s) {
			out = append(out, c)
		}
	}
	return out
}

// IndexOf is the position of call among Calls, -1 if it was not made.
func (f *Fake) IndexOf(call string) int {
	return slices.Index(f.Calls(), call)
}

// Container returns container id as an inspect would.
func (f *Fake) Container(id string) (engine.ContainerState, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.container(id)
	if err != nil {
		return engine.ContainerState{}, false
	}
	return f.stateLocked(c), true
}

// ServiceContainer returns the service's own container (not a one-off run), as an inspect would.
func (f *Fake) ServiceContainer(service string) (engine.ContainerState, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.sortedLocked() {
		if c.Service == service && c.Labels[engine.LabelComposeOneoff] != "True" {
			return f.stateLocked(c), true
		}
	}
	return engine.ContainerState{}, false
}

// Created returns what the last container of service was created from (its service
// configuration as devenv handed it to the engine, entrypoint and command included).
func (f *Fake) Created(service string) (engine.ServiceContainer, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	sc, ok := f.created[service]
	return sc, ok
}

// Networks lists the networks that exist, sorted.
func (f *Fake) Networks() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Sorted(maps.Keys(f.networks))
}

// Volumes lists the volumes that exist, sorted.
func (f *Fake) Volumes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Sorted(maps.Keys(f.volumes))
}

// HasImage reports whether ref is present locally.
func (f *Fake) HasImage(ref string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.images[ref]
	return ok
}

func (f *Fake) stateLocked(c *container) engine.ContainerState {
	st := c.ContainerState
	st.Labels = maps.Clone(c.Labels)
	st.Ports = maps.Clone(c.Ports)
	st.Published = slices.Clone(c.Published)
	return st
}

func (f *Fake) sortedLocked() []*container {
	cs := slices.Collect(maps.Values(f.containers))
	slices.SortFunc(cs, func(a, b *container) int {
		if a.Service != b.Service {
			return strings.Compare(a.Service, b.Service)
		}
		return strings.Compare(a.Name, b.Name)
	})
	return cs
}

// --- engine.API ---

// Host names the fake.
func (f *Fake) Host() string { return "fake://engine" }

// Version reports a Linux engine of the configured architecture.
func (f *Fake) Version(context.Context) (engine.Version, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	arch := f.arch
	if arch == "" {
		arch = runtime.GOARCH
	}
	return engine.Version{OS: "linux", Arch: arch}, f.takeFailure("Version")
}

// ProjectContainers lists project's containers sorted by service and name, as the engine's
// listing (through Container) shows them.
func (f *Fake) ProjectContainers(_ context.Context, project string) ([]engine.Container, error) {
	return f.list("ProjectContainers", func(c *container) bool { return c.Labels[engine.LabelProject] == project })
}

// DevenvContainers lists every devenv project's containers.
func (f *Fake) DevenvContainers(context.Context) ([]engine.Container, error) {
	return f.list("DevenvContainers", func(c *container) bool { return c.Labels[engine.LabelProject] != "" })
}

func (f *Fake) list(method string, match func(*container) bool) ([]engine.Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.takeFailure(method); err != nil {
		return nil, err
	}
	var out []engine.Container
	for _, c := range f.sortedLocked() {
		if match(c) {
			ct := f.stateLocked(c).Container()
			ct.Image, ct.ImageID = c.image, c.imageID
			ct.Status = string(c.State)
			out = append(out, ct)
		}
	}
	return out, nil
}

// matchesLabel reports whether labels carry label, given as "key" or "key=value".
func matchesLabel(labels map[string]string, label string) bool {
	k, v, hasValue := strings.Cut(label, "=")
	got, ok := labels[k]
	return ok && (!hasValue || got == v)
}

// ListLabelled finds the containers, networks and volumes carrying label.
func (f *Fake) ListLabelled(_ context.Context, label string) (engine.Labelled, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.takeFailure("ListLabelled"); err != nil {
		return engine.Labelled{}, err
	}
	var l engine.Labelled
	for _, c := range f.sortedLocked() {
		if matchesLabel(c.Labels, label) {
			l.Containers = append(l.Containers, c.ID)
		}
	}
	for _, n := range slices.Sorted(maps.Keys(f.networks)) {
		if matchesLabel(f.networks[n], label) {
			l.Networks = append(l.Networks, n)
		}
	}
	for _, v := range slices.Sorted(maps.Keys(f.volumes)) {
		if matchesLabel(f.volumes[v], label) {
			l.Volumes = append(l.Volumes, v)
		}
	}
	return l, nil
}

// EnsureNetwork creates network name unless it exists.
func (f *Fake) EnsureNetwork(_ context.Context, name string, labels map[string]string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("network %s", name)
	if err := f.takeFailure("EnsureNetwork"); err != nil {
		return false, err
	}
	if _, ok := f.networks[name]; ok {
		return false, nil
	}
	f.networks[name] = maps.Clone(labels)
	return true, nil
}

// EnsureVolume creates volume name unless it exists.
func (f *Fake) EnsureVolume(_ context.Context, name string, labels map[string]string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("volume %s", name)
	if err := f.takeFailure("EnsureVolume"); err != nil {
		return false, err
	}
	if _, ok := f.volumes[name]; ok {
		return false, nil
	}
	f.volumes[name] = maps.Clone(labels)
	return true, nil
}

// RemoveNetwork removes network name.
func (f *Fake) RemoveNetwork(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("rm-network %s", name)
	if err := f.takeFailure("RemoveNetwork"); err != nil {
		return err
	}
	if _, ok := f.networks[name]; !ok {
		return notFound("network", name)
	}
	delete(f.networks, name)
	return nil
}

// RemoveVolume removes volume name.
func (f *Fake) RemoveVolume(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("rm-volume %s", name)
	if err := f.takeFailure("RemoveVolume"); err != nil {
		return err
	}
	if _, ok := f.volumes[name]; !ok {
		return notFound("volume", name)
	}
	delete(f.volumes, name)
	return nil
}

// InspectImage returns ref's image, or an empty one when it is not present.
func (f *Fake) InspectImage(_ context.Context, ref string) (engine.LocalImage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.takeFailure("InspectImage"); err != nil {
		return engine.LocalImage{}, err
	}
	img, ok := f.images[ref]
	if !ok {
		return engine.LocalImage{}, nil
	}
	img.Labels = maps.Clone(img.Labels)
	if img.Labels == nil {
		img.Labels = map[string]string{}
	}
	return img, nil
}

// PullImage makes ref present.
func (f *Fake) PullImage(_ context.Context, ref string, _ func(engine.PullProgress)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("pull %s", ref)
	if err := f.takeFailure("PullImage"); err != nil {
		return err
	}
	if _, ok := f.images[ref]; !ok {
		f.images[ref] = engine.LocalImage{ID: "sha256:" + ref}
	}
	return nil
}

// BuildImage makes every tag of spec present, labelled as asked, and returns the image's ID.
func (f *Fake) BuildImage(_ context.Context, spec engine.BuildSpec, _ func(engine.BuildLine)) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("build %s", spec.Tags[0])
	if err := f.takeFailure("BuildImage"); err != nil {
		return "", err
	}
	id := "sha256:" + spec.Tags[0]
	for _, t := range spec.Tags {
		prev := f.images[t]
		f.images[t] = engine.LocalImage{ID: id, Labels: maps.Clone(spec.Labels), Entrypoint: prev.Entrypoint, Cmd: prev.Cmd}
	}
	return id, nil
}

// RemoveImagesLabelled removes every image carrying label.
func (f *Fake) RemoveImagesLabelled(_ context.Context, label string) (int, error) {
	return f.removeImages("RemoveImagesLabelled", label, "")
}

// RemoveUnusedImagesLabelled removes the images carrying label except keep.
func (f *Fake) RemoveUnusedImagesLabelled(_ context.Context, label, keep string) (int, error) {
	return f.removeImages("RemoveUnusedImagesLabelled", label, keep)
}

func (f *Fake) removeImages(method, label, keep string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("rm-images %s", label)
	if err := f.takeFailure(method); err != nil {
		return 0, err
	}
	n := 0
	for ref, img := range f.images {
		if ref != keep && matchesLabel(img.Labels, label) {
			delete(f.images, ref)
			n++
		}
	}
	return n, nil
}

// CreateServiceContainer creates a container of sc's service: its labels are the service's
// own, then sc's, as the engine's are.
func (f *Fake) CreateServiceContainer(_ context.Context, sc engine.ServiceContainer) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := sc.Service
	if err := f.failCreate[s.Name]; err != nil {
		return "", err
	}
	if err := f.takeFailure("CreateServiceContainer"); err != nil {
		return "", err
	}
	labels := maps.Clone(map[string]string(s.Labels))
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, sc.Labels)
	c := f.newContainerLocked(sc.Name, s.Name, s.Image, labels)
	c.entrypoint, c.command = s.Entrypoint, s.Command
	if s.StopGracePeriod != nil {
		d := time.Duration(*s.StopGracePeriod)
		c.stopTimeout = &d
	}
	if hc := s.HealthCheck; hc != nil && !hc.Disable {
		c.healthcheck = healthcheckCommand(hc.Test)
	}
	for _, p := range s.Ports {
		hp := f.published[s.Name][uint16(p.Target)]
		if hp == 0 {
			published := p.Published
			if o, ok := sc.HostPorts[p.Target]; ok {
				published = o
			}
			if _, err := fmt.Sscan(published, &hp); err != nil || hp == 0 {
				hp = f.nextPort
				f.nextPort++
			}
		}
		f.publishLocked(c, p.HostIP, uint16(p.Target), hp)
	}
	for cp, hp := range f.published[s.Name] {
		if _, ok := c.Ports[cp]; !ok {
			f.publishLocked(c, "127.0.0.1", cp, hp)
		}
	}
	f.created[s.Name] = sc
	f.record("create %s", s.Name)
	f.emitLocked(c, engine.ContainerEvent{Action: engine.ActionCreate})
	return c.ID, nil
}

func (f *Fake) publishLocked(c *container, ip string, containerPort, hostPort uint16) {
	c.Ports[containerPort] = hostPort
	c.Published = append(c.Published, engine.PublishedPort{HostIP: ip, HostPort: hostPort, ContainerPort: containerPort, Protocol: "tcp"})
	slices.SortFunc(c.Published, func(a, b engine.PublishedPort) int { return int(a.ContainerPort) - int(b.ContainerPort) })
}

func (f *Fake) newContainerLocked(name, service, image string, labels map[string]string) *container {
	f.nextID++
	id := fmt.Sprintf("c%d-%s", f.nextID, service)
	if name == "" {
		name = id
	}
	c := &container{
		ContainerState: engine.ContainerState{ID: id, Name: name, Service: service, Labels: labels, State: engine.StateCreated, Ports: map[uint16]uint16{}},
		image:          image, imageID: f.images[image].ID, changed: make(chan struct{}),
	}
	f.containers[id] = c
	return c
}

// healthcheckCommand is what an exec of a compose healthcheck test runs (as health.Command
// runs it), so the fake can tell a readiness probe from another exec.
func healthcheckCommand(test []string) []string {
	if len(test) == 0 {
		return nil
	}
	switch test[0] {
	case "CMD":
		return test[1:]
	case "CMD-SHELL":
		return []string{"/bin/sh", "-c", strings.Join(test[1:], " ")}
	case "NONE":
		return nil
	}
	return []string{"/bin/sh", "-c", strings.Join(test, " ")}
}

// RunContainer creates and starts a container from spec.
func (f *Fake) RunContainer(_ context.Context, spec engine.ContainerSpec) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.takeFailure("RunContainer"); err != nil {
		return "", err
	}
	c := f.newContainerLocked(spec.Name, spec.Labels[engine.LabelService], spec.Image, maps.Clone(spec.Labels))
	c.command = spec.Cmd
	for _, p := range spec.Ports {
		hp := p.HostPort
		if hp == 0 {
			hp = f.nextPort
			f.nextPort++
		}
		ip := p.HostIP
		if ip == "" {
			ip = "127.0.0.1"
		}
		f.publishLocked(c, ip, p.ContainerPort, hp)
	}
	f.record("run %s", c.Name)
	f.emitLocked(c, engine.ContainerEvent{Action: engine.ActionCreate})
	f.startLocked(c)
	return c.ID, nil
}

// StartContainer starts a created or stopped container; a running one is left as it is.
func (f *Fake) StartContainer(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.container(id)
	if err != nil {
		return err
	}
	if err := f.takeFailure("StartContainer"); err != nil {
		return err
	}
	f.record("start %s", c.who())
	if c.State == engine.StatePaused {
		return conflict("cannot start a paused container %s, try unpause instead", id)
	}
	if c.State != engine.StateRunning {
		f.startLocked(c)
	}
	return nil
}

func (f *Fake) startLocked(c *container) {
	c.State, c.ExitCode, c.StartedAt, c.FinishedAt = engine.StateRunning, 0, f.now(), time.Time{}
	c.checks = 0
	c.runs++
	c.Health = engine.HealthNone
	if c.healthcheck != nil {
		c.Health = engine.HealthStarting
	}
	f.emitLocked(c, engine.ContainerEvent{Action: engine.ActionStart})
	for _, text := range f.logOnStart[c.Service] {
		c.logs = append(c.logs, logLine{at: f.now(), text: text})
	}
	c.changedLocked()
	code, ok := f.exitOnStart[c.Service]
	if c.Labels[engine.LabelComposeOneoff] == "True" {
		code, ok = f.oneOffExit[c.Service]
	}
	if ok {
		f.record("exited %s %d", c.who(), code)
		f.dieLocked(c, int(code))
		return
	}
	if f.healthyStart[c.Service] {
		f.setHealthLocked(c, engine.HealthHealthy)
	}
}

// dieLocked ends c's process with code, as the engine reports it.
func (f *Fake) dieLocked(c *container, code int) {
	c.State, c.ExitCode, c.FinishedAt = engine.StateExited, code, f.now()
	if c.Health != engine.HealthNone {
		c.Health = engine.HealthUnhealthy
	}
	f.emitLocked(c, engine.ContainerEvent{Action: engine.ActionDie, ExitCode: code})
	c.changedLocked()
}

// graceText is the grace a stop of c gets, as the engine decides it: the one asked for, else
// the container's own (its stop_grace_period), else 10 s.
func graceText(c *container, grace *time.Duration) string {
	switch {
	case grace != nil:
		return grace.String()
	case c.stopTimeout != nil:
		return c.stopTimeout.String()
	}
	return "10s"
}

// StopContainer stops a running (or paused) container: kill, die and stop events, exit code 0
// (the process ended on its stop signal). A stopped one is left as it is.
func (f *Fake) StopContainer(_ context.Context, id string, grace *time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.container(id)
	if err != nil {
		return err
	}
	f.record("stop %s %s", c.who(), graceText(c, grace))
	if err := f.takeFailure("StopContainer"); err != nil {
		return err
	}
	if c.State.HasProcess() {
		f.stopLocked(c)
	}
	return nil
}

func (f *Fake) stopLocked(c *container) {
	f.emitLocked(c, engine.ContainerEvent{Action: engine.ActionKill})
	f.dieLocked(c, 0)
	f.emitLocked(c, engine.ContainerEvent{Action: engine.ActionStop})
}

// RestartContainer stops the container if it runs, then starts it: the engine's events for
// both, then restart.
func (f *Fake) RestartContainer(_ context.Context, id string, grace *time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.container(id)
	if err != nil {
		return err
	}
	f.record("restart %s %s", c.who(), graceText(c, grace))
	if err := f.takeFailure("RestartContainer"); err != nil {
		return err
	}
	if c.State.HasProcess() {
		f.stopLocked(c)
	}
	f.startLocked(c)
	f.emitLocked(c, engine.ContainerEvent{Action: engine.ActionRestart})
	return nil
}

// KillContainer sends signal to a running container: KILL, TERM and INT end it (exit code
// 128+signal), other signals only reach it.
func (f *Fake) KillContainer(_ context.Context, id, signal string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.container(id)
	if err != nil {
		return err
	}
	f.record("kill %s %s", c.who(), signal)
	if err := f.takeFailure("KillContainer"); err != nil {
		return err
	}
	if c.State != engine.StateRunning {
		return conflict("container %s is not running", id)
	}
	f.emitLocked(c, engine.ContainerEvent{Action: engine.ActionKill})
	switch strings.TrimPrefix(strings.ToUpper(signal), "SIG") {
	case "", "KILL", "9":
		f.dieLocked(c, 137)
	case "TERM", "15":
		f.dieLocked(c, 143)
	case "INT", "2":
		f.dieLocked(c, 130)
	}
	return nil
}

// PauseContainer freezes a running container.
func (f *Fake) PauseContainer(_ context.Context, id string) error {
	return f.pause(id, "pause", engine.StateRunning, engine.StatePaused, engine.ActionPause)
}

// UnpauseContainer thaws a paused container.
func (f *Fake) UnpauseContainer(_ context.Context, id string) error {
	return f.pause(id, "unpause", engine.StatePaused, engine.StateRunning, engine.ActionUnpause)
}

func (f *Fake) pause(id, verb string, from, to engine.State, action engine.Action) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.container(id)
	if err != nil {
		return err
	}
	f.record("%s %s", verb, c.Service)
	if c.State != from {
		return conflict("container %s is %s, not %s", id, c.State, from)
	}
	c.State = to
	f.emitLocked(c, engine.ContainerEvent{Action: action})
	c.changedLocked()
	return nil
}

// RemoveContainer force-removes a container (killing it if it runs); one that does not exist
// is no error, as with the real client's wrapper.
func (f *Fake) RemoveContainer(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.container(id)
	if err != nil {
		return nil
	}
	f.record("remove %s", c.who())
	if err := f.takeFailure("RemoveContainer"); err != nil {
		return err
	}
	if c.State.HasProcess() {
		f.emitLocked(c, engine.ContainerEvent{Action: engine.ActionKill})
		f.dieLocked(c, 137)
	}
	f.emitLocked(c, engine.ContainerEvent{Action: engine.ActionDestroy})
	delete(f.containers, c.ID)
	c.State = engine.StateRemoving
	c.changedLocked()
	return nil
}

// InspectContainer returns the container's current state.
func (f *Fake) InspectContainer(_ context.Context, id string) (engine.ContainerState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.container(id)
	if err != nil {
		return engine.ContainerState{}, err
	}
	if err := f.takeFailure("InspectContainer"); err != nil {
		return engine.ContainerState{}, err
	}
	return f.stateLocked(c), nil
}

// WaitContainer blocks until the container has no process and returns its exit code.
func (f *Fake) WaitContainer(ctx context.Context, id string) (int64, error) {
	for {
		f.mu.Lock()
		c, err := f.container(id)
		if err != nil {
			f.mu.Unlock()
			return -1, err
		}
		if !c.State.HasProcess() {
			code := c.ExitCode
			f.mu.Unlock()
			return int64(code), nil
		}
		changed := c.changed
		f.mu.Unlock()
		select {
		case <-ctx.Done():
			return -1, ctx.Err()
		case <-changed:
		}
	}
}
