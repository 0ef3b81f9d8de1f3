package tui

import (
	"time"

	"github.com/devenv/devenv/internal/events"
)

// Inbox is the dashboard's Feed: log lines go straight into its LogStore (a flood must not
// queue messages), everything else is queued for the event loop. Once the dashboard has ended,
// queued reports are dropped instead of blocking their senders.
type Inbox struct {
	logs    *LogStore
	updates chan any
	done    chan struct{}
}

// NewInbox keeps logCapacity lines of each service.
func NewInbox(logCapacity int) *Inbox {
	return &Inbox{logs: NewLogStore(logCapacity), updates: make(chan any, 1024), done: make(chan struct{})}
}

// Logs is the store the log lines go to.
func (in *Inbox) Logs() *LogStore { return in.logs }

func (in *Inbox) send(v any) {
	select {
	case in.updates <- v:
	case <-in.done:
	}
}

// Event queues a progress or activity report.
func (in *Inbox) Event(e events.Event) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	in.send(e)
}

// Container queues a container's new state.
func (in *Inbox) Container(c ContainerState) { in.send(c) }

// Stats queues a resource sample.
func (in *Inbox) Stats(service string, s Stats) { in.send(statsMsg{service: service, stats: s}) }

// Log stores a line.
func (in *Inbox) Log(service string, at time.Time, text string) { in.logs.Add(service, at, text) }

// close ends queueing: called once when the dashboard ends.
func (in *Inbox) close() { close(in.done) }

type statsMsg struct {
	service string
	stats   Stats
}
