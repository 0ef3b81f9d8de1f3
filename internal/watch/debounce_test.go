package watch

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// fakeClock moves only when the test advances it; After channels fire when their time comes.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
	armed   chan struct{} // one value per After call, so a test knows the debouncer is waiting
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), armed: make(chan struct{}, 10000)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.waiters = append(c.waiters, fakeWaiter{at: c.now.Add(d), ch: ch})
	c.armed <- struct{}{}
	return ch
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	keep := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
			continue
		}
		keep = append(keep, w)
	}
	c.waiters = keep
}

type debounceRig struct {
	t     *testing.T
	clock *fakeClock
	in    chan Event
	out   chan []Event
}

// startDebounce runs a debouncer for the test, which runs in a synctest bubble (see none).
func startDebounce(t *testing.T, quiet, maxWait time.Duration) *debounceRig {
	ctx, cancel := context.WithCancel(context.Background())
	r := &debounceRig{t: t, clock: newFakeClock(), in: make(chan Event), out: make(chan []Event, 10)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Debounce(ctx, r.clock, quiet, maxWait, r.in, r.out)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

// send hands the debouncer a change of a path and waits until it has armed its timer for it.
func (r *debounceRig) send(p string) { r.sendEvent(Event{Path: p}) }

func (r *debounceRig) sendEvent(ev Event) {
	r.t.Helper()
	r.in <- ev
	<-r.clock.armed
}

// none fails if the debouncer has sent a batch. It first waits until the debouncer has done
// all it can with what it was given (synctest.Wait: every other goroutine of the test's bubble
// is blocked), so a batch it was about to send has been sent: without that wait, a batch that
// comes too early could still be on its way and the check would pass.
func (r *debounceRig) none() {
	r.t.Helper()
	synctest.Wait()
	select {
	case b := <-r.out:
		r.t.Fatalf("unexpected batch %v", b)
	default:
	}
}

// batch waits for the next batch and returns its paths.
func (r *debounceRig) batch() []string {
	r.t.Helper()
	return paths(r.events())
}

func (r *debounceRig) events() []Event {
	r.t.Helper()
	select {
	case b := <-r.out:
		return b
	case <-time.After(10 * time.Second):
		r.t.Fatal("no batch")
		return nil
	}
}

func TestDebounceQuietPeriod(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := startDebounce(t, 50*time.Millisecond, time.Second)
		r.send("a")
		r.clock.Advance(30 * time.Millisecond)
		r.send("b")
		r.send("a") // a path twice in a burst is reported once
		r.clock.Advance(30 * time.Millisecond)
		r.none() // 60 ms since a, but only 30 ms of quiet
		r.clock.Advance(20 * time.Millisecond)
		if got := r.batch(); !slices.Equal(got, []string{"a", "b"}) {
			t.Fatalf("batch = %v", got)
		}
		r.send("c")
		r.clock.Advance(50 * time.Millisecond)
		if got := r.batch(); !slices.Equal(got, []string{"c"}) {
			t.Fatalf("second batch = %v", got)
		}
	})
}

// A change that never goes quiet still reloads, after the maximum wait.
func TestDebounceMaxWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := startDebounce(t, 50*time.Millisecond, 200*time.Millisecond)
		for i := range 6 {
			r.send(string(rune('a' + i)))
			r.clock.Advance(40 * time.Millisecond)
		}
		// 6 paths 40 ms apart: never 50 ms of quiet, but the first is 240 ms old.
		if got := r.batch(); len(got) != 5 {
			t.Fatalf("batch at max wait = %v", got)
		}
		r.clock.Advance(50 * time.Millisecond)
		if got := r.batch(); !slices.Equal(got, []string{"f"}) {
			t.Fatalf("rest = %v", got)
		}
	})
}

// A thousand paths in one burst are one batch, even with a pause longer than the quiet period
// in the middle: a bulk operation waits for a longer quiet.
func TestDebounceBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := startDebounce(t, 20*time.Millisecond, time.Second)
		for i := range 1000 {
			r.send(string(rune(0x4e00 + i)))
			if i == 500 {
				r.clock.Advance(60 * time.Millisecond)
			}
		}
		r.clock.Advance(60 * time.Millisecond)
		r.none()
		r.clock.Advance(40 * time.Millisecond)
		if got := r.batch(); len(got) != 1000 {
			t.Fatalf("batch of %d paths", len(got))
		}
		r.none()
	})
}

func paths(evs []Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Path
	}
	return out
}

// A path's entry in a batch is its first change there: created-then-written is a creation,
// written-then-recreated (an atomic save over an existing file) is not; the next batch starts
// afresh.
func TestDebounceKeepsTheFirstChangeOfAPath(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := startDebounce(t, 20*time.Millisecond, time.Second)
		r.sendEvent(Event{Path: "tmp", Created: true})
		r.sendEvent(Event{Path: "tmp"})
		r.sendEvent(Event{Path: "main.go"})
		r.sendEvent(Event{Path: "main.go", Created: true})
		r.clock.Advance(20 * time.Millisecond)
		if got := r.events(); !slices.Equal(got, []Event{{Path: "tmp", Created: true}, {Path: "main.go"}}) {
			t.Fatalf("batch = %v", got)
		}
		r.sendEvent(Event{Path: "tmp"})
		r.clock.Advance(20 * time.Millisecond)
		if got := r.events(); !slices.Equal(got, []Event{{Path: "tmp"}}) {
			t.Fatalf("second batch = %v", got)
		}
	})
}

// Closing the input sends what is held.
func TestDebounceFlushesOnClose(t *testing.T) {
	clock := newFakeClock()
	in, out := make(chan Event), make(chan []Event, 1)
	go Debounce(context.Background(), clock, 50*time.Millisecond, time.Second, in, out)
	in <- Event{Path: "a"}
	<-clock.armed
	close(in)
	if got := paths(<-out); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("batch = %v", got)
	}
	if _, ok := <-out; ok {
		t.Fatal("out not closed")
	}
}
