package watch

import (
	"context"
	"time"
)

// Clock is the part of time the debouncer needs, injectable so tests need no sleeps.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// RealClock is the wall clock.
type RealClock struct{}

// Now returns the current time.
func (RealClock) Now() time.Time { return time.Now() }

// After waits for d.
func (RealClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Default timings. The quiet period is short because a person waits on every save: an editor's
// atomic save (temp file, rename) or a `git checkout` writes its files within a millisecond or
// two of each other, so 20 ms still sees the whole burst as one. The maximum wait bounds how long
// a change that never goes quiet (a build writing into a watched folder) holds a reload back.
const (
	DefaultQuiet   = 20 * time.Millisecond
	DefaultMaxWait = 2 * time.Second
	// Once a batch holds burstPaths paths it is a bulk operation (a checkout, a generator), not
	// a save: it waits for burstQuiet of quiet, so a pause of the disk or the CPU in the middle
	// does not split it into two reloads, and 100 ms more hardly matters after a checkout.
	burstPaths = 16
	burstQuiet = 100 * time.Millisecond
)

// Debounce reads changes from in and sends them to out in batches: a batch is sent once no
// change arrived for quiet (for a batch of a bulk operation, at least 100 ms), or once the
// batch's first change is maxWait old, whichever comes first. Each batch holds a path once,
// as its first change in the batch: Created then says the batch saw the path come into being.
// Debounce returns when in is closed (after sending what it holds) or ctx ends; it closes out.
func Debounce(ctx context.Context, clock Clock, quiet, maxWait time.Duration, in <-chan Event, out chan<- []Event) {
	defer close(out)
	if quiet <= 0 {
		quiet = DefaultQuiet
	}
	if maxWait < quiet {
		maxWait = quiet
	}
	var (
		batch []Event
		seen  = map[string]bool{}
		first time.Time
		timer <-chan time.Time
	)
	flush := func() bool {
		if len(batch) == 0 {
			return true
		}
		select {
		case out <- batch:
		case <-ctx.Done():
			return false
		}
		batch, seen, timer = nil, map[string]bool{}, nil
		return true
	}
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-in:
			if !ok {
				flush()
				return
			}
			now := clock.Now()
			if len(batch) == 0 {
				first = now
			}
			if !seen[ev.Path] {
				seen[ev.Path] = true
				batch = append(batch, ev)
			}
			wait := quiet
			if len(batch) >= burstPaths && wait < burstQuiet {
				wait = burstQuiet
			}
			if left := first.Add(maxWait).Sub(now); left < wait {
				wait = left
			}
			if wait <= 0 {
				if !flush() {
					return
				}
				continue
			}
			timer = clock.After(wait)
		case <-timer:
			if !flush() {
				return
			}
		}
	}
}
