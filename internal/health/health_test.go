package health

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock advances only when the waiting loop asks to sleep, so tests run instantly and the
// reported durations are exact.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.now = c.now.Add(d)
	now := c.now
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- now
	return ch
}

func TestWaitReturnsOnFirstSuccess(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	calls := 0
	probe := ProbeFunc(func(context.Context) error {
		calls++
		if calls < 4 {
			return errors.New("connection refused")
		}
		return nil
	})
	took, err := Wait(context.Background(), clock, probe, 100*time.Millisecond, time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 4 || took != 300*time.Millisecond {
		t.Fatalf("calls = %d, took = %s; want 4 calls in 300ms", calls, took)
	}
}

func TestWaitStopsWhenServiceDies(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	probe := ProbeFunc(func(context.Context) error { return errors.New("access denied") })
	died := errors.New("container exited with code 1")
	verdicts := make(chan error, 1)
	verdicts <- died
	_, err := Wait(context.Background(), clock, probe, time.Hour, time.Second, verdicts)
	if !errors.Is(err, died) || !strings.Contains(err.Error(), "access denied") {
		t.Fatalf("err = %v; want the exit and the last check", err)
	}
}

func TestWaitTakesTheEnginesWordForHealthy(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	probe := ProbeFunc(func(context.Context) error { return errors.New("no client probe for this service") })
	verdicts := make(chan error, 1)
	verdicts <- nil
	if _, err := Wait(context.Background(), clock, probe, time.Hour, time.Second, verdicts); err != nil {
		t.Fatalf("a healthy verdict from the engine did not end the wait: %v", err)
	}
}

func TestWaitHonoursCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	clock := &fakeClock{now: time.Unix(0, 0)}
	calls := 0
	probe := ProbeFunc(func(context.Context) error {
		calls++
		if calls == 3 {
			cancel()
		}
		return errors.New("refused")
	})
	_, err := Wait(ctx, clock, probe, 100*time.Millisecond, time.Second, nil)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrGaveUp) {
		t.Fatalf("err = %v; want ErrGaveUp wrapping context.Canceled", err)
	}
}

type fakeExecer struct {
	gotCmd []string
	code   int
	out    string
}

func (f *fakeExecer) ExecExitCode(_ context.Context, _ string, cmd []string) (int, string, error) {
	f.gotCmd = cmd
	return f.code, f.out, nil
}

func TestCommandProbe(t *testing.T) {
	tests := []struct {
		test    []string
		wantCmd string
	}{
		{[]string{"CMD", "redis-cli", "ping"}, "redis-cli ping"},
		{[]string{"CMD-SHELL", "curl -f localhost"}, "/bin/sh -c curl -f localhost"},
	}
	for _, tt := range tests {
		e := &fakeExecer{code: 1, out: "refused"}
		p, err := Command(e, "abc", tt.test)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Probe(context.Background()); err == nil || !strings.Contains(err.Error(), "exited 1: refused") {
			t.Errorf("%v: err = %v", tt.test, err)
		}
		if got := strings.Join(e.gotCmd, " "); got != tt.wantCmd {
			t.Errorf("%v ran %q, want %q", tt.test, got, tt.wantCmd)
		}
		e.code = 0
		if err := p.Probe(context.Background()); err != nil {
			t.Errorf("%v: passing check failed: %v", tt.test, err)
		}
	}
	if _, err := Command(&fakeExecer{}, "abc", []string{"NONE"}); err == nil {
		t.Error("disabled healthcheck accepted")
	}
}

func TestHTTPProbe(t *testing.T) {
	status := http.StatusServiceUnavailable
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
	defer srv.Close()
	p := HTTP(srv.URL + "/ping")
	if err := p.Probe(context.Background()); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("a 503 counted as ready: %v", err)
	}
	status = http.StatusOK
	if err := p.Probe(context.Background()); err != nil {
		t.Errorf("a 200 did not count as ready: %v", err)
	}
}
