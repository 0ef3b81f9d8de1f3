package reaper

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/devenv/devenv/internal/orchestrator"
)

// The line protocol between devenv and its reaper. On connect the reaper sends its banner,
// which names the project it guards, so a client can tell it reached the right reaper; a client
// that sends "release" gets "ok" and the reaper exits without reaping (the job cleaned up after
// itself, or --keep asked to keep the stack). Anything else a client sends is ignored: a client
// cannot change what is reaped, so a stranger on the loopback port cannot aim it elsewhere.
const (
	bannerPrefix = "devenv-reaper 1 project="
	releaseLine  = "release"
	okLine       = "ok"
)

// Defaults for how long the reaper waits.
const (
	// DefaultGrace is how long the reaper waits, once its last client has gone, for one to come
	// back before it reaps: long enough to ride out a brief network hiccup, short enough that a
	// killed job's containers are gone before the next job on the host starts.
	DefaultGrace = 5 * time.Second
	// DefaultFirstContact bounds the wait for the first client: devenv killed between starting
	// the reaper and connecting to it still gets its project reaped.
	DefaultFirstContact = 30 * time.Second
)

// Server is the reaper's side: it guards one project.
type Server struct {
	Engine       Engine
	Project      string
	Grace        time.Duration // see DefaultGrace
	FirstContact time.Duration // see DefaultFirstContact
	Log          io.Writer     // one line per thing the reaper does; nil discards
	// Self is the reaper's own container, removed once the project is: the last thing it does.
	Self string
}

// Outcome is how Serve ended.
type Outcome int

const (
	// Released: a client released the reaper; nothing was removed.
	Released Outcome = iota
	// Reaped: every client left (or none came) and the project was removed.
	Reaped
	// Stopped: ctx ended (the reaper's container was stopped); nothing was removed.
	Stopped
)

// Serve accepts clients on ln until a client releases the reaper, or until no client has been
// connected for the grace period (the first contact period at the start), and then reaps the
// project. It closes ln and every connection before it returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener) (Outcome, error) {
	logw := s.Log
	if logw == nil {
		logw = io.Discard
	}
	grace, first := s.Grace, s.FirstContact
	if grace <= 0 {
		grace = DefaultGrace
	}
	if first <= 0 {
		first = DefaultFirstContact
	}
	joined, left := make(chan struct{}), make(chan struct{})
	released := make(chan net.Conn, 1)
	done := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	// The accept loop and the connection handlers are owned by Serve: closing ln ends the
	// loop, closing the connections ends the handlers, and wg waits for both before Serve returns.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			select {
			case joined <- struct{}{}:
			case <-done:
				_ = c.Close()
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.handle(c, released, done)
				mu.Lock()
				delete(conns, c)
				mu.Unlock()
				_ = c.Close()
				select {
				case left <- struct{}{}:
				case <-done:
				}
			}()
		}
	}()
	defer func() {
		close(done)
		_ = ln.Close()
		mu.Lock()
		for c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	}()

	fmt.Fprintf(logw, "reaper: guarding project %s on %s\n", s.Project, ln.Addr())
	timer := time.NewTimer(first)
	defer timer.Stop()
	active := 0
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintf(logw, "reaper: stopped; project %s left as it is\n", s.Project)
			return Stopped, nil
		case <-joined:
			active++
			timer.Stop()
		case <-left:
			active--
			if active == 0 {
				fmt.Fprintf(logw, "reaper: no client connected; reaping %s in %s unless one comes back\n", s.Project, grace)
				timer.Reset(grace)
			}
		case c := <-released:
			fmt.Fprintf(logw, "reaper: released; project %s left to its client\n", s.Project)
			_, _ = io.WriteString(c, okLine+"\n")
			return Released, nil
		case <-timer.C:
			fmt.Fprintf(logw, "reaper: reaping project %s\n", s.Project)
			err := s.reap(ctx)
			if err != nil {
				fmt.Fprintf(logw, "reaper: %v\n", err)
				// Kept, with its log, for whoever looks into what is left.
				return Reaped, err
			}
			fmt.Fprintf(logw, "reaper: project %s removed\n", s.Project)
			if s.Self != "" {
				// The engine stops this process as it removes the container.
				if err := s.Engine.RemoveContainer(ctx, s.Self); err != nil {
					return Reaped, err
				}
			}
			return Reaped, nil
		}
	}
}

// handle greets a client and waits for it to release the reaper or leave.
func (s *Server) handle(c net.Conn, released chan<- net.Conn, done <-chan struct{}) {
	if _, err := io.WriteString(c, bannerPrefix+s.Project+"\n"); err != nil {
		return
	}
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) != releaseLine {
			continue
		}
		select {
		case released <- c:
			// Serve answers and closes this connection as it returns; wait for that.
			<-done
		case <-done:
		}
		return
	}
}

// reap removes the project, twice over if need be: a create the job's devenv sent just before
// it died can still land after the first pass.
func (s *Server) reap(ctx context.Context) error {
	var err error
	for pass := 0; pass < 3; pass++ {
		if err = Reap(ctx, s.Engine, s.Project); err != nil && ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(time.Second):
		}
		left, lerr := orchestrator.Leftovers(ctx, s.Engine, s.Project)
		if lerr == nil && left.Empty() {
			return nil
		}
	}
	return err
}
