package tui

import (
	"sync"
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

	// Resource samples replace each other: only each service's latest is kept, so samples never
	// fill the queue while the dashboard is suspended for a shell.
	mu           sync.Mutex
	stats        map[string]Stats
	statsChanged chan struct{}
}

// NewInbox keeps logCapacity lines of each service.
func NewInbox(logCapacity int) *Inbox {
	return &Inbox{logs: NewLogStore(logCapacity), updates: make(chan any, 1024), done: make(chan struct{}),
		stats: map[string]Stats{}, statsChanged: make(chan struct{}, 1)}
}

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

// Stats records a service's latest resource sample.
func (in *Inbox) Stats(service string, s Stats) {
	in.mu.Lock()
	in.stats[service] = s
	in.mu.Unlock()
	select {
	case in.statsChanged <- struct{}{}:
	default:
	}
}

// takeStats returns the samples recorded since the last call.
func (in *Inbox) takeStats() updatesMsg {
	in.mu.Lock()
	defer in.mu.Unlock()
	var out updatesMsg
	for svc, s := range in.stats {
		out = append(out, statsMsg{service: svc, stats: s})
	}
	clear(in.stats)
	return out
}

// Log stores a line.
func (in *Inbox) Log(service string, at time.Time, text string) { in.logs.Add(service, at, text) }

// close ends queueing: called once when the dashboard ends.
func (in *Inbox) close() { close(in.done) }

type statsMsg struct {
	service string
	stats   Stats
}
