package orchestrator

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/devenv/devenv/internal/engine"
)

// fakeEngine is an in-memory engine: it records calls in order and lets a test script exits and
// healthcheck results.
type fakeEngine struct {
	mu         sync.Mutex
	calls      []string
	containers map[string]*fakeContainer // by ID
	networks   map[string]bool
	volumes    map[string]bool
	images     map[string]bool
	nextID     int
	// exitCode of a job's container by service; a job without an entry exits 0.
	exitCode map[string]int64
	// healthyAfter is how many failing exec healthchecks a service has before it passes.
	healthyAfter map[string]int
	// failCreate makes creating this service's container fail.
	failCreate map[string]error
	// published is what a service's container publishes on the host: container → host port.
	published map[string]map[uint16]uint16
	// healthy services report the engine's health status "healthy" when inspected.
	healthy map[string]bool
	// files is what a service's container holds, container path → engine.HostDigest's digest;
	// CopyToContainer keeps it up to date.
	files map[string]map[string]string
	// imageCmd is the command of an image: what a container of it runs unless told otherwise.
	imageCmd map[string][]string
	// execFails makes an exec of this command (its first word) in any container exit 1.
	execFails map[string]bool
	// arch is what Version reports the engine runs on; runtime.GOARCH unless set.
	arch string
}

type fakeContainer struct {
	id, name, service   string
	labels              map[string]string
	entrypoint, command []string
	running             bool
	exitCode            int
	checks              int
}

func newFakeEngine() *fakeEngine {
	return &fakeEngine{containers: map[string]*fakeContainer{}, networks: map[string]bool{}, volumes: map[string]bool{},
		images: map[string]bool{}, exitCode: map[string]int64{}, healthyAfter: map[string]int{}, failCreate: map[string]error{},
		published: map[string]map[uint16]uint16{}, healthy: map[string]bool{}, files: map[string]map[string]string{},
		imageCmd: map[string][]string{}, execFails: map[string]bool{}}
}

func (f *fakeEngine) record(format string, args ...any) {
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

// callsFor returns the recorded calls mentioning s, in order.
func (f *fakeEngine) callsFor(s string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		if strings.Contains(c, s) {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeEngine) indexOf(call string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, c := range f.calls {
		if c == call {
			return i
		}
	}
	return -1
}

func (f *fakeEngine) list(match func(*fakeContainer) bool) []engine.Container {
	var out []engine.Container
	for _, c := range f.containers {
		if !match(c) {
			continue
		}
		state := "exited"
		if c.running {
			state = "running"
		}
		out = append(out, engine.Container{ID: c.id, Name: c.name, Service: c.service, ConfigHash: c.labels[engine.LabelConfigHash],
			State: state, ExitCode: c.exitCode, Labels: c.labels})
	}
	return out
}

func (f *fakeEngine) Version(context.Context) (engine.Version, error) {
	arch := f.arch
	if arch == "" {
		arch = runtime.GOARCH
	}
	return engine.Version{OS: "linux", Arch: arch}, nil
}

func (f *fakeEngine) ProjectContainers(_ context.Context, project string) ([]engine.Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.list(func(c *fakeContainer) bool { return c.labels[engine.LabelProject] == project }), nil
}

func (f *fakeEngine) DevenvContainers(context.Context) ([]engine.Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.list(func(*fakeContainer) bool { return true }), nil
}

func (f *fakeEngine) EnsureNetwork(_ context.Context, name string, _ map[string]string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	created := !f.networks[name]
	f.networks[name] = true
	f.record("network %s", name)
	return created, nil
}

func (f *fakeEngine) EnsureVolume(_ context.Context, name string, _ map[string]string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	created := !f.volumes[name]
	f.volumes[name] = true
	f.record("volume %s", name)
	return created, nil
}

func (f *fakeEngine) InspectImage(_ context.Context, ref string) (engine.LocalImage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.images[ref] {
		return engine.LocalImage{ID: "sha256:" + ref, Labels: map[string]string{}, Cmd: f.imageCmd[ref]}, nil
	}
	return engine.LocalImage{}, nil
}

func (f *fakeEngine) PullImage(_ context.Context, ref string, _ func(engine.PullProgress)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.images[ref] = true
	f.record("pull %s", ref)
	return nil
}

func (f *fakeEngine) BuildImage(_ context.Context, spec engine.BuildSpec, _ func(engine.BuildLine)) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, t := range spec.Tags {
		f.images[t] = true
	}
	f.record("build %s", spec.Tags[0])
	return "sha256:" + spec.Tags[0], nil
}

func (f *fakeEngine) CreateServiceContainer(_ context.Context, sc engine.ServiceContainer) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.failCreate[sc.Service.Name]; err != nil {
		return "", err
	}
	f.nextID++
	id := fmt.Sprintf("c%d-%s", f.nextID, sc.Service.Name)
	// As the engine's: the service's own labels, then devenv's.
	labels := maps.Clone(map[string]string(sc.Service.Labels))
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, sc.Labels)
	f.containers[id] = &fakeContainer{id: id, name: sc.Name, service: sc.Service.Name, labels: labels,
		entrypoint: sc.Service.Entrypoint, command: sc.Service.Command}
	f.record("create %s", sc.Service.Name)
	return id, nil
}

func (f *fakeEngine) StartContainer(_ context.Context, id string) error { return f.run(id, "start") }

// run marks container id running and records the call as verb.
func (f *fakeEngine) run(id, verb string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.containers[id]
	if !ok {
		return fmt.Errorf("no container %s", id)
	}
	c.running = true
	f.record("%s %s", verb, c.service)
	return nil
}

func (f *fakeEngine) StopContainer(_ context.Context, id string, _ time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.containers[id]; ok {
		c.running = false
		f.record("stop %s", c.service)
	}
	return nil
}

func (f *fakeEngine) RemoveContainer(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.containers[id]; ok {
		f.record("remove %s", c.service)
		delete(f.containers, id)
	}
	return nil
}

func (f *fakeEngine) InspectContainer(_ context.Context, id string) (engine.ContainerState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.containers[id]
	if !ok {
		return engine.ContainerState{}, fmt.Errorf("no container %s", id)
	}
	st := engine.ContainerState{ID: id, Status: "exited", ExitCode: c.exitCode, Ports: map[uint16]uint16{}}
	if c.running {
		st.Status = "running"
		if f.healthy[c.service] {
			st.Health = "healthy"
		}
	}
	for cp, hp := range f.published[c.service] {
		st.Ports[cp] = hp
	}
	return st, nil
}

func (f *fakeEngine) WaitContainer(_ context.Context, id string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.containers[id]
	code := f.exitCode[c.service]
	c.running, c.exitCode = false, int(code)
	f.record("exited %s %d", c.service, code)
	return code, nil
}

func (f *fakeEngine) Logs(_ context.Context, id string, _ int) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return "log of " + f.containers[id].service + "\n", nil
}

func (f *fakeEngine) ExecExitCode(_ context.Context, id string, _ []string) (int, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.containers[id]
	c.checks++
	if c.checks <= f.healthyAfter[c.service] {
		return 1, "not yet", nil
	}
	f.record("healthy %s", c.service)
	return 0, "", nil
}

func (f *fakeEngine) ListLabelled(_ context.Context, label string) (engine.Labelled, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var l engine.Labelled
	for n := range f.networks {
		l.Networks = append(l.Networks, n)
	}
	for v := range f.volumes {
		l.Volumes = append(l.Volumes, v)
	}
	return l, nil
}

// ContainerEvents streams nothing: the fake's readiness comes from its scripted healthchecks.
func (f *fakeEngine) ContainerEvents(ctx context.Context, _ string) (<-chan engine.ContainerEvent, <-chan error) {
	ch := make(chan engine.ContainerEvent)
	go func() {
		<-ctx.Done()
		close(ch)
	}()
	return ch, make(chan error)
}

func (f *fakeEngine) RemoveNetwork(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.networks, id)
	f.record("rm-network %s", id)
	return nil
}

func (f *fakeEngine) RemoveVolume(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.volumes, name)
	f.record("rm-volume %s", name)
	return nil
}

func (f *fakeEngine) ExecWith(_ context.Context, id string, spec engine.ExecSpec) (engine.ExecResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("exec %s %s", f.containers[id].service, strings.Join(spec.Cmd, " "))
	if len(spec.Cmd) > 0 && f.execFails[spec.Cmd[0]] {
		return engine.ExecResult{ExitCode: 1, Output: "failed"}, nil
	}
	return engine.ExecResult{}, nil
}

func (f *fakeEngine) RestartContainer(_ context.Context, id string, _ int) error {
	return f.run(id, "restart")
}

func (f *fakeEngine) CopyToContainer(_ context.Context, id string, files []engine.CopyFile) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	svc := f.containers[id].service
	var paths []string
	for _, cf := range files {
		paths = append(paths, cf.Container)
		if d, err := engine.HostDigest(cf.Host); err == nil && d != "" {
			if f.files[svc] == nil {
				f.files[svc] = map[string]string{}
			}
			f.files[svc][cf.Container] = d
		}
	}
	f.record("copy %s %s", svc, strings.Join(paths, " "))
	return nil
}

func (f *fakeEngine) FileDigests(_ context.Context, id, target string) (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	svc := f.containers[id].service
	f.record("read %s %s", svc, target)
	out := map[string]string{}
	for p, d := range f.files[svc] {
		if p == target || strings.HasPrefix(p, target+"/") {
			out[p] = d
		}
	}
	return out, nil
}

// ExecAttached fails as it does in an image without a shell: syncs then go through the archive.
func (f *fakeEngine) ExecAttached(context.Context, string, engine.ExecSession) (int, error) {
	return -1, fmt.Errorf("exec: sh: executable file not found")
}
