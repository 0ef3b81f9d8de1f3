// Package health decides when a service is ready. A dependency is ready when a real client can
// log in (not when its process is up), and devenv checks that itself at a short interval while the
// service starts instead of waiting for the engine's next healthcheck run: engines before API 1.44
// have no start_interval, so the engine's first check comes a whole interval after start.
package health

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Probe checks readiness once: nil means ready now.
type Probe interface {
	Probe(ctx context.Context) error
}

// ProbeFunc adapts a function to Probe.
type ProbeFunc func(ctx context.Context) error

// Probe calls f.
func (f ProbeFunc) Probe(ctx context.Context) error { return f(ctx) }

// Clock is the part of time the waiting loop needs, injectable so tests need no sleeps.
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

// ErrGaveUp is wrapped by Wait's error when the service did not become ready in time.
var ErrGaveUp = errors.New("not ready")

// Wait runs probe every interval until it passes or ctx ends. verdicts lets the engine decide
// sooner: a nil received means ready (the engine's own healthcheck passed), an error means the
// service can no longer become ready (its container exited). Each attempt gets at most
// attemptTimeout. On failure the error carries the last probe error, the most useful thing to
// show a user.
func Wait(ctx context.Context, clock Clock, probe Probe, interval, attemptTimeout time.Duration, verdicts <-chan error) (time.Duration, error) {
	start := clock.Now()
	var last error
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		last = probe.Probe(actx)
		cancel()
		if last == nil {
			return clock.Now().Sub(start), nil
		}
		if ctx.Err() != nil {
			return clock.Now().Sub(start), fmt.Errorf("%w after %d attempts: %w (last check: %v)", ErrGaveUp, attempt, ctx.Err(), last)
		}
		select {
		case <-ctx.Done():
			return clock.Now().Sub(start), fmt.Errorf("%w after %d attempts: %w (last check: %v)", ErrGaveUp, attempt, ctx.Err(), last)
		case verdict := <-verdicts:
			if verdict == nil {
				return clock.Now().Sub(start), nil
			}
			return clock.Now().Sub(start), fmt.Errorf("%w (last check: %v)", verdict, last)
		case <-clock.After(interval):
		}
	}
}
