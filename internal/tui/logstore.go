package tui

import (
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// LogLine is one line of a service's output.
type LogLine struct {
	Seq     uint64 // arrival order across all services: ties in At keep it
	At      time.Time
	Service string
	Text    string
}

// Key orders lines in the interleaved view: by time, then arrival.
type Key struct {
	At  time.Time
	Seq uint64
}

func (l LogLine) key() Key { return Key{At: l.At, Seq: l.Seq} }

func (k Key) less(o Key) bool {
	if !k.At.Equal(o.At) {
		return k.At.Before(o.At)
	}
	return k.Seq < o.Seq
}

// LogStore keeps the last Capacity lines of each service in a ring, so memory stays flat however
// fast a service logs. Writers are the log streams; the dashboard reads windows of it per frame.
type LogStore struct {
	mu       sync.RWMutex
	capacity int
	rings    map[string]*ring
	seq      uint64
	changed  chan struct{}
}

type ring struct {
	lines    []LogLine
	start    int // index of the oldest line once the ring is full
	received uint64
}

func (r *ring) len() int { return len(r.lines) }

// at returns the i-th oldest line.
func (r *ring) at(i int) *LogLine { return &r.lines[(r.start+i)%len(r.lines)] }

func (r *ring) push(l LogLine, capacity int) {
	r.received++
	if len(r.lines) < capacity {
		r.lines = append(r.lines, l)
		return
	}
	r.lines[r.start] = l
	r.start = (r.start + 1) % len(r.lines)
}

// lastAtOrBefore is the index of the newest line with key <= k, or -1.
func (r *ring) lastAtOrBefore(k Key) int {
	n := r.len()
	i := sort.Search(n, func(i int) bool { return k.less(r.at(i).key()) })
	return i - 1
}

// NewLogStore keeps capacity lines per service.
func NewLogStore(capacity int) *LogStore {
	return &LogStore{capacity: max(capacity, 1), rings: map[string]*ring{}, changed: make(chan struct{}, 1)}
}

// Changed receives a value after lines were added; many additions coalesce into one.
func (s *LogStore) Changed() <-chan struct{} { return s.changed }

// Add appends a line of service's output; at is the engine's timestamp (zero: now).
func (s *LogStore) Add(service string, at time.Time, text string) {
	text = cleanLine(text)
	if at.IsZero() {
		at = time.Now()
	}
	s.mu.Lock()
	r := s.rings[service]
	if r == nil {
		r = &ring{}
		s.rings[service] = r
	}
	// A ring is kept in time order so windows can binary-search it; an engine timestamp that
	// goes backwards (a clock step) is clamped to the previous line's.
	if n := r.len(); n > 0 {
		if last := r.at(n - 1).At; at.Before(last) {
			at = last
		}
	}
	s.seq++
	r.push(LogLine{Seq: s.seq, At: at, Service: service, Text: text}, s.capacity)
	s.mu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// cleanLine removes what would break the layout: escape sequences, carriage returns, tabs.
func cleanLine(s string) string {
	if strings.ContainsAny(s, "\x1b\r\t") {
		s = ansi.Strip(s)
		s = strings.ReplaceAll(s, "\r", "")
		s = strings.ReplaceAll(s, "\t", "    ")
	}
	return s
}

// Received is how many lines of service arrived, kept or not.
func (s *LogStore) Received(service string) uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if r := s.rings[service]; r != nil {
		return r.received
	}
	return 0
}

// Lines is a copy of the lines kept for service, oldest first.
func (s *LogStore) Lines(service string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.rings[service]
	if r == nil {
		return nil
	}
	out := make([]string, r.len())
	for i := range out {
		out[i] = r.at(i).Text
	}
	return out
}

// Query selects lines: of which services (nil: all) and matching what (nil: everything).
type Query struct {
	Services map[string]bool
	Match    func(text string) bool
}

func (q Query) wants(l *LogLine) bool {
	return q.Match == nil || q.Match(l.Text)
}

func (s *LogStore) selected(q Query) []*ring {
	var rs []*ring
	for name, r := range s.rings {
		if q.Services == nil || q.Services[name] {
			rs = append(rs, r)
		}
	}
	return rs
}

// Before returns up to n lines of q with a key at or before k (the newest lines when k is nil),
// oldest first: the window that ends at k.
func (s *LogStore) Before(q Query, k *Key, n int) []LogLine {
	s.mu.RLock()
	defer s.mu.RUnlock()
	// The n newest wanted lines overall are among each service's n newest: find those service by
	// service (a filter looks at each line once), then merge them in time order.
	var lists [][]*LogLine
	for _, r := range s.selected(q) {
		i := r.len() - 1
		if k != nil {
			i = r.lastAtOrBefore(*k)
		}
		var list []*LogLine // newest first
		for ; i >= 0 && len(list) < n; i-- {
			if l := r.at(i); q.wants(l) {
				list = append(list, l)
			}
		}
		lists = append(lists, list)
	}
	out := mergeLines(lists, n, func(a, b *LogLine) bool { return b.key().less(a.key()) })
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// After returns up to n lines of q with a key after k (the oldest lines when k is nil), oldest
// first.
func (s *LogStore) After(q Query, k *Key, n int) []LogLine {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var lists [][]*LogLine
	for _, r := range s.selected(q) {
		i := 0
		if k != nil {
			i = r.lastAtOrBefore(*k) + 1
		}
		var list []*LogLine // oldest first
		for ; i < r.len() && len(list) < n; i++ {
			if l := r.at(i); q.wants(l) {
				list = append(list, l)
			}
		}
		lists = append(lists, list)
	}
	return mergeLines(lists, n, func(a, b *LogLine) bool { return a.key().less(b.key()) })
}

// mergeLines takes up to n lines from lists, each already in the order first says, always the
// first of their heads: the merge of the services' lines into one stream.
func mergeLines(lists [][]*LogLine, n int, first func(a, b *LogLine) bool) []LogLine {
	out := make([]LogLine, 0, n)
	for len(out) < n {
		best := -1
		for i, list := range lists {
			if len(list) > 0 && (best < 0 || first(list[0], lists[best][0])) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		out = append(out, *lists[best][0])
		lists[best] = lists[best][1:]
	}
	return out
}
