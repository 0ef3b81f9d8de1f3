package enginetest

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/devenv/devenv/internal/engine"
)

// subscription is one ContainerEvents stream. Events queue without bound and a goroutine of its
// own delivers them, so emitting never blocks the fake (a consumer that calls back into the
// fake from its event loop cannot deadlock it) and each stream sees events in the order they
// happened.
type subscription struct {
	project string
	queue   []engine.ContainerEvent
	wake    chan struct{} // capacity 1: "the queue grew"
}

// emitLocked queues ev, about c, for every stream of c's project. Called with f.mu held.
func (f *Fake) emitLocked(c *container, ev engine.ContainerEvent) {
	ev.ID, ev.Service, ev.Time = c.ID, c.Service, f.now()
	ev.Attributes = map[string]string{"name": c.Name, "image": c.image}
	maps.Copy(ev.Attributes, c.Labels)
	project := c.Labels[engine.LabelProject]
	for s := range f.subs {
		if s.project != project {
			continue
		}
		s.queue = append(s.queue, ev)
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// ContainerEvents streams the container events of project from now until ctx ends, when the
// events channel is closed. The fake's stream never fails; FailNext("ContainerEvents") makes
// it fail at once.
func (f *Fake) ContainerEvents(ctx context.Context, project string) (<-chan engine.ContainerEvent, <-chan error) {
	out := make(chan engine.ContainerEvent)
	errc := make(chan error, 1)
	f.mu.Lock()
	if err := f.takeFailure("ContainerEvents"); err != nil {
		f.mu.Unlock()
		errc <- err
		close(out)
		return out, errc
	}
	s := &subscription{project: project, wake: make(chan struct{}, 1)}
	f.subs[s] = true
	f.mu.Unlock()
	go func() { // ends with ctx
		defer close(out)
		defer func() {
			f.mu.Lock()
			delete(f.subs, s)
			f.mu.Unlock()
		}()
		for {
			f.mu.Lock()
			batch := s.queue
			s.queue = nil
			f.mu.Unlock()
			for _, ev := range batch {
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			}
			select {
			case <-s.wake:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, errc
}

// Logs returns the container's last tail lines (all with 0), stdout and stderr together.
func (f *Fake) Logs(_ context.Context, id string, tail int) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.container(id)
	if err != nil {
		return "", err
	}
	lines := c.logs
	if tail > 0 && len(lines) > tail {
		lines = lines[len(lines)-tail:]
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.text + "\n")
	}
	return b.String(), nil
}

// StreamLogs writes the container's lines selected by opts; with Follow it goes on writing new
// lines until the container's process ends (a restart ends it too) or ctx does, as the engine
// does.
func (f *Fake) StreamLogs(ctx context.Context, id string, opts engine.LogOptions, stdout, stderr io.Writer) error {
	f.mu.Lock()
	c, err := f.container(id)
	if err != nil {
		f.mu.Unlock()
		return err
	}
	if err := f.takeFailure("StreamLogs"); err != nil {
		f.mu.Unlock()
		return err
	}
	since, err := parseSince(opts.Since, f.now())
	if err != nil {
		f.mu.Unlock()
		return err
	}
	first := 0
	for first < len(c.logs) && c.logs[first].at.Before(since) {
		first++
	}
	if opts.Tail > 0 && len(c.logs)-first > opts.Tail {
		first = len(c.logs) - opts.Tail
	}
	run := c.runs
	f.mu.Unlock()
	next := first
	for {
		f.mu.Lock()
		batch := slices.Clone(c.logs[next:])
		next = len(c.logs)
		ended := !c.State.HasProcess() || c.runs != run
		changed := c.changed
		f.mu.Unlock()
		for _, l := range batch {
			text := l.text + "\n"
			if opts.Timestamps {
				text = l.at.UTC().Format(time.RFC3339Nano) + " " + text
			}
			w := stdout
			if l.stderr {
				w = stderr
			}
			if _, err := io.WriteString(w, text); err != nil {
				return err
			}
		}
		if !opts.Follow || ended {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		}
	}
}

// parseSince reads the forms the engine takes: Unix seconds with optional nanoseconds
// ("1700000000.000000001"), RFC 3339, or a duration back from now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if secs, nanos, ok := strings.Cut(s, "."); ok || !strings.ContainsAny(s, "-:hms") {
		sec, err1 := strconv.ParseInt(secs, 10, 64)
		var nsec int64
		var err2 error
		if ok {
			nsec, err2 = strconv.ParseInt((nanos + "000000000")[:9], 10, 64)
		}
		if err1 == nil && err2 == nil {
			return time.Unix(sec, nsec), nil
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("invalid since %q", s)
}

// StreamStats reports the container's stats (SetStats) when set and on each change, until its
// process ends or ctx does.
func (f *Fake) StreamStats(ctx context.Context, id string, report func(engine.Stats)) error {
	var last *engine.Stats
	for {
		f.mu.Lock()
		c, err := f.container(id)
		if err != nil {
			f.mu.Unlock()
			return err
		}
		cur, ended, changed := c.stats, !c.State.HasProcess(), c.changed
		f.mu.Unlock()
		if ended {
			return nil
		}
		if cur != nil && cur != last {
			report(*cur)
			last = cur
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		}
	}
}

// exec runs cmd in container id: the handler's answer first, then the healthcheck script
// (HealthyAfter), then ExecFails, else success.
func (f *Fake) exec(method, id string, cmd []string) (int, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.container(id)
	if err != nil {
		return -1, "", err
	}
	f.record("exec %s %s", c.who(), strings.Join(cmd, " "))
	if err := f.takeFailure(method); err != nil {
		return -1, "", err
	}
	if c.State != engine.StateRunning {
		return -1, "", conflict("container %s is not running", id)
	}
	if f.execHandler != nil {
		if code, out, ok := f.execHandler(f.stateLocked(c), cmd); ok {
			return code, out, nil
		}
	}
	if c.healthcheck != nil && slices.Equal(cmd, c.healthcheck) {
		c.checks++
		if c.checks <= f.healthyAfter[c.Service] {
			return 1, "not yet", nil
		}
		f.record("healthy %s", c.who())
		return 0, "", nil
	}
	if len(cmd) > 0 && f.execFails[cmd[0]] {
		return 1, "failed", nil
	}
	return 0, "", nil
}

// Exec runs cmd and returns its exit code and output.
func (f *Fake) Exec(_ context.Context, id string, cmd []string) (engine.ExecResult, error) {
	code, out, err := f.exec("Exec", id, cmd)
	return engine.ExecResult{ExitCode: code, Output: out}, err
}

// ExecWith runs spec's command.
func (f *Fake) ExecWith(_ context.Context, id string, spec engine.ExecSpec) (engine.ExecResult, error) {
	code, out, err := f.exec("ExecWith", id, spec.Cmd)
	return engine.ExecResult{ExitCode: code, Output: out}, err
}

// ExecExitCode runs cmd: a readiness probe's healthcheck goes through here.
func (f *Fake) ExecExitCode(_ context.Context, id string, cmd []string) (int, string, error) {
	return f.exec("ExecExitCode", id, cmd)
}

// ExecAttached runs s's command with its streams when the handler answers it; otherwise, as in
// an image without that program, the exec cannot start. An attached exec that the handler
// leaves to the default (handled false) reads its stdin until ctx ends, as an interactive
// shell does.
func (f *Fake) ExecAttached(ctx context.Context, id string, s engine.ExecSession) (int, error) {
	f.mu.Lock()
	handler := f.execHandler
	f.mu.Unlock()
	if handler == nil {
		return -1, fmt.Errorf("exec: %q: executable file not found in $PATH", s.Cmd[0])
	}
	f.mu.Lock()
	c, err := f.container(id)
	var handled bool
	var code int
	var out string
	if err == nil {
		code, out, handled = handler(f.stateLocked(c), s.Cmd)
		f.record("exec %s %s", c.who(), strings.Join(s.Cmd, " "))
	}
	f.mu.Unlock()
	if err != nil {
		return -1, err
	}
	if !handled {
		<-ctx.Done()
		return -1, ctx.Err()
	}
	if s.Stdout != nil {
		_, _ = io.WriteString(s.Stdout, out)
	}
	return code, nil
}

// CopyToContainer records the files' digests as what the service's containers hold.
func (f *Fake) CopyToContainer(_ context.Context, id string, files []engine.CopyFile) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.container(id)
	if err != nil {
		return err
	}
	if err := f.takeFailure("CopyToContainer"); err != nil {
		return err
	}
	var paths []string
	for _, cf := range files {
		paths = append(paths, cf.Container)
		if d, err := engine.HostDigest(cf.Host); err == nil && d != "" {
			if f.files[c.Service] == nil {
				f.files[c.Service] = map[string]string{}
			}
			f.files[c.Service][cf.Container] = d
		}
	}
	f.record("copy %s %s", c.who(), strings.Join(paths, " "))
	return nil
}

// FileDigests returns the digests of the files under target the service's containers hold.
func (f *Fake) FileDigests(_ context.Context, id, target string) (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.container(id)
	if err != nil {
		return nil, err
	}
	f.record("read %s %s", c.who(), target)
	out := map[string]string{}
	for p, d := range f.files[c.Service] {
		if p == target || strings.HasPrefix(p, target+"/") {
			out[p] = d
		}
	}
	return out, nil
}
