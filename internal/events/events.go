// Package events carries every progress report devenv makes. The orchestrator emits Events and
// never prints; a renderer the CLI picks (plain lines, JSON lines, the dashboard) presents them.
package events

import (
	"sync"
	"time"
)

// Kind says what happened.
type Kind string

// The kinds of event, in the order a service usually sees them.
const (
	Network   Kind = "network"   // project network created
	Volume    Kind = "volume"    // named volume created
	Pulling   Kind = "pulling"   // image pull started
	Pulled    Kind = "pulled"    // image pull finished
	Building  Kind = "building"  // image build started
	Built     Kind = "built"     // image build finished
	Creating  Kind = "creating"  // container being created (or recreated)
	Started   Kind = "started"   // container started
	Waiting   Kind = "waiting"   // waiting for readiness
	Healthy   Kind = "healthy"   // ready: a client can use it
	Completed Kind = "completed" // a one-shot job exited 0
	Seeding   Kind = "seeding"   // applying a fixture file to a dependency
	Seeded    Kind = "seeded"    // a dependency's fixtures are applied (Message says how many files)
	Unchanged Kind = "unchanged" // already running with the desired configuration
	Stopping  Kind = "stopping"
	Stopped   Kind = "stopped"
	Restarted Kind = "restarted" // Message says what was restarted: the process or the container
	Killed    Kind = "killed"    // a signal was sent (Message names it)
	Paused    Kind = "paused"
	Unpaused  Kind = "unpaused"
	Removed   Kind = "removed"
	Port      Kind = "port" // a published port differs from the configured one
	Failed    Kind = "failed"
	Info      Kind = "info"
)

// The kinds of hot reload's events.
const (
	Watching  Kind = "watching"  // hot reload watches the source (Message says what)
	Reloading Kind = "reloading" // a change is being applied: Message is the action and the files
	Reloaded  Kind = "reloaded"  // the change is applied and served (Duration: how long it took)
)

// Event is one progress report.
type Event struct {
	Time     time.Time
	Service  string // empty for project-wide events
	Kind     Kind
	Message  string        // what a person reads, e.g. "127.0.0.1:3307 (3306 is taken)"
	Duration time.Duration // how long the step took, for finished steps
	Err      error         // for Failed
}

// Sink receives events. Implementations must be safe for concurrent use: services progress in
// parallel.
type Sink interface {
	Emit(Event)
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(Event)

// Emit calls f.
func (f SinkFunc) Emit(e Event) { f(e) }

// Discard drops every event.
var Discard Sink = SinkFunc(func(Event) {})

// Recorder keeps every event; tests assert on what the orchestrator reported.
type Recorder struct {
	mu     sync.Mutex
	events []Event
}

// Emit records e.
func (r *Recorder) Emit(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// Events returns a copy of what was recorded.
func (r *Recorder) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}
