// Package logs reads the services' output: the one place that fetches containers' logs, merges
// them in time order, and follows them across restarts and replacements. `devenv logs`, `up` in
// the foreground, the dashboard and `devenv test` all read logs through it; how the lines look
// is the renderer's business (render.LogPrinter, the dashboard's log pane).
package logs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/devenv/devenv/internal/engine"
	"golang.org/x/sync/errgroup"
)

// Engine is what reading logs needs.
type Engine interface {
	ProjectContainers(ctx context.Context, project string) ([]engine.Container, error)
	StreamLogs(ctx context.Context, id string, opts engine.LogOptions, stdout, stderr io.Writer) error
	ContainerEvents(ctx context.Context, project string) (<-chan engine.ContainerEvent, <-chan error)
}

// Line is one line of a service's output.
type Line struct {
	Service   string
	Container string    // ID of the container that wrote it
	Time      time.Time // zero when the engine gave none
	Text      string
	Stderr    bool
}

// Options select the lines.
type Options struct {
	Services []string // empty: every service
	Since    string   // only lines from then on: what the engine takes (RFC 3339, a duration, Unix seconds)
	Tail     int      // only the last Tail lines of each container's backlog; 0: all
	// OneOffs includes one-off runs of the services (devenv test --one-off); reapers never are.
	OneOffs bool
}

// NoContainerError is a service named in Options.Services that has no container to read.
type NoContainerError struct{ Project, Service string }

func (e *NoContainerError) Error() string {
	return fmt.Sprintf("project %s has no container for service %q", e.Project, e.Service)
}

// Hint says where the names come from.
func (e *NoContainerError) Hint() string { return "devenv ps lists the services that have containers" }

// Parse splits a line the engine timestamped ("2026-11-24T10:00:00.123456789Z text"); a line
// without a timestamp is all text.
func Parse(raw string) (time.Time, string) {
	ts, text, ok := strings.Cut(raw, " ")
	if !ok {
		ts, text = raw, ""
	}
	at, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return time.Time{}, raw
	}
	return at, text
}

// wanted reports whether opts select c's output.
func (o Options) wanted(service string, oneOff, reaper bool) bool {
	if reaper || service == "" || oneOff && !o.OneOffs {
		return false
	}
	return len(o.Services) == 0 || slices.Contains(o.Services, service)
}

func (o Options) selectContainers(project string, all []engine.Container) ([]engine.Container, error) {
	var out []engine.Container
	for _, c := range all {
		if o.wanted(c.Service, c.OneOff(), c.Reaper()) {
			out = append(out, c)
		}
	}
	for _, s := range o.Services {
		if !slices.ContainsFunc(out, func(c engine.Container) bool { return c.Service == s }) {
			return nil, &NoContainerError{Project: project, Service: s}
		}
	}
	return out, nil
}

// Read returns the selected services' lines so far, merged in time order (lines of one
// container keep their order).
func Read(ctx context.Context, e Engine, project string, opts Options) ([]Line, error) {
	all, err := e.ProjectContainers(ctx, project)
	if err != nil {
		return nil, err
	}
	cs, err := opts.selectContainers(project, all)
	if err != nil {
		return nil, err
	}
	return backlog(ctx, e, cs, opts.Since, opts.Tail)
}

// backlog reads every container's lines so far and merges them in time order.
func backlog(ctx context.Context, e Engine, cs []engine.Container, since string, tail int) ([]Line, error) {
	perContainer := make([][]Line, len(cs))
	g, gctx := errgroup.WithContext(ctx)
	for i, c := range cs {
		g.Go(func() error {
			var out, errOut bytes.Buffer
			if err := e.StreamLogs(gctx, c.ID, engine.LogOptions{Since: since, Tail: tail, Timestamps: true}, &out, &errOut); err != nil && !engine.IsNotFound(err) {
				return fmt.Errorf("logs of %s: %w", c.Service, err)
			}
			perContainer[i] = append(split(c, out.String(), false), split(c, errOut.String(), true)...)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var lines []Line
	for _, ls := range perContainer {
		lines = append(lines, ls...)
	}
	// Stable: lines without a time, and a container's stdout and stderr lines of the same
	// instant, keep the order they were read in.
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].Time.Before(lines[j].Time) })
	return lines, nil
}

func split(c engine.Container, out string, stderr bool) []Line {
	var lines []Line
	for _, raw := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if raw == "" {
			continue
		}
		at, text := Parse(raw)
		lines = append(lines, Line{Service: c.Service, Container: c.ID, Time: at, Text: text, Stderr: stderr})
	}
	return lines
}

// Follow calls emit with the selected services' lines: first the backlog, merged in time
// order, then each new line as it is written, until ctx ends (then it returns nil). It follows
// each service through restarts (from its last line, so nothing is shown twice) and
// replacements (a hot-reload rebuild, an `up` that recreates it), driven by the engine's
// events. emit is never called concurrently.
func Follow(ctx context.Context, e Engine, project string, opts Options, emit func(Line)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Subscribed before the listing, so a container started meanwhile is not missed.
	evs, errc := e.ContainerEvents(ctx, project)
	all, err := e.ProjectContainers(ctx, project)
	if err != nil {
		return err
	}
	cs, err := opts.selectContainers(project, all)
	if err != nil {
		return err
	}
	lines, err := backlog(ctx, e, cs, opts.Since, opts.Tail)
	if err != nil {
		return err
	}
	f := &follower{e: e, ctx: ctx, emit: emit, since: opts.Since, streams: map[string]*stream{}}
	for _, l := range lines {
		emit(l)
		if !l.Time.IsZero() {
			f.stream(l.Container).last = l.Time
		}
	}
	for _, c := range cs {
		if c.State.HasProcess() {
			f.start(c.ID, c.Service)
		}
	}
	defer f.wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			if ctx.Err() != nil {
				return nil
			}
			return err
		case ev, ok := <-evs:
			if !ok {
				return nil
			}
			if ev.Action == engine.ActionStart && opts.wanted(ev.Service, ev.OneOff(), ev.Reaper()) {
				f.start(ev.ID, ev.Service)
			}
		}
	}
}

// follower runs one stream per container; a container started again while its stream is still
// draining its last run gets a new stream right after, from its last line.
type follower struct {
	e     Engine
	ctx   context.Context // Follow's: the followers' goroutines are Follow's own
	since string
	wg    sync.WaitGroup

	mu      sync.Mutex // guards streams and serialises emit
	emit    func(Line)
	streams map[string]*stream // by container ID
}

type stream struct {
	active, again bool
	last          time.Time // of the last line shown
}

func (f *follower) stream(id string) *stream {
	s := f.streams[id]
	if s == nil {
		s = &stream{}
		f.streams[id] = s
	}
	return s
}

func (f *follower) start(id, service string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.stream(id)
	if s.active {
		s.again = true
		return
	}
	s.active = true
	f.wg.Add(1)
	go func() { // ends when the container's process has ended and it was not started again
		defer f.wg.Done()
		for {
			f.follow(id, service, s)
			f.mu.Lock()
			if !s.again || f.ctx.Err() != nil {
				s.active = false
				f.mu.Unlock()
				return
			}
			s.again = false
			f.mu.Unlock()
		}
	}()
}

// follow streams one run of a container, from just after the last line shown.
func (f *follower) follow(id, service string, s *stream) {
	f.mu.Lock()
	since := f.since
	if !s.last.IsZero() {
		next := s.last.Add(time.Nanosecond)
		since = fmt.Sprintf("%d.%09d", next.Unix(), next.Nanosecond())
	}
	f.mu.Unlock()
	c := engine.Container{ID: id, Service: service}
	out := &lineWriter{flush: func(raw string) { f.deliver(c, raw, false, s) }}
	errOut := &lineWriter{flush: func(raw string) { f.deliver(c, raw, true, s) }}
	// An error ends this run's stream; the next start event opens another.
	_ = f.e.StreamLogs(f.ctx, id, engine.LogOptions{Follow: true, Since: since, Timestamps: true}, out, errOut)
	out.Close()
	errOut.Close()
}

func (f *follower) deliver(c engine.Container, raw string, stderr bool, s *stream) {
	at, text := Parse(raw)
	f.mu.Lock()
	defer f.mu.Unlock()
	if !at.IsZero() {
		s.last = at
	}
	f.emit(Line{Service: c.Service, Container: c.ID, Time: at, Text: text, Stderr: stderr})
}

// lineWriter cuts a byte stream into lines; a line split across writes is delivered whole.
type lineWriter struct {
	buf   []byte
	flush func(line string)
}

func (l *lineWriter) Write(b []byte) (int, error) {
	l.buf = append(l.buf, b...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		l.flush(string(l.buf[:i]))
		l.buf = l.buf[i+1:]
	}
}

// Close delivers a last line that had no newline.
func (l *lineWriter) Close() {
	if len(l.buf) > 0 {
		l.flush(string(l.buf))
		l.buf = nil
	}
}
