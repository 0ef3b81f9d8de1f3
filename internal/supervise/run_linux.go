package supervise

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Options are a supervisor's command and how to stop it.
type Options struct {
	Argv       []string
	Socket     string         // abstract socket name, without the leading @
	StopSignal syscall.Signal // sent to the command on a restart; default SIGTERM
	Log        io.Writer      // the supervisor's own messages: the container's log
}

type restartRequest struct {
	grace time.Duration
	reply chan string
}

// supervisor is PID 1's state; only Run's loop touches it.
type supervisor struct {
	opts     Options
	pid      int // the command's process (and process group) ID, 0 while none runs
	stopping bool
	// restarting holds the requests waiting for the new process; non-empty means the current
	// one was asked to stop and is respawned when it exits.
	restarting []restartRequest
	kill       *time.Timer
}

// Run supervises opts.Argv until it ends by itself or a signal other than a restart ends it,
// and returns the exit status the container should have.
func Run(ctx context.Context, opts Options) int {
	if opts.StopSignal == 0 {
		opts.StopSignal = syscall.SIGTERM
	}
	// Subscribed before the first child starts, so neither its signals nor its exit are missed.
	sigs := make(chan os.Signal, 64)
	signal.Notify(sigs)
	defer signal.Stop(sigs)
	s := &supervisor{opts: opts}
	requests := make(chan restartRequest)
	if opts.Socket != "" {
		ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: "@" + opts.Socket, Net: "unix"})
		if err != nil {
			// Still run the service: reloads then restart the container instead.
			fmt.Fprintf(opts.Log, "devenv supervise: no restart socket (%v); hot reload restarts the container\n", err)
		} else {
			defer ln.Close()
			go serve(ln, requests)
		}
	}
	if err := s.spawn(); err != nil {
		fmt.Fprintf(opts.Log, "devenv supervise: %v\n", err)
		return 127
	}
	var killed <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			s.signal(syscall.SIGKILL)
			s.stopping = true
		case sig := <-sigs:
			switch sig {
			case syscall.SIGCHLD:
				if status, done := s.reap(); done {
					return status
				}
			case syscall.SIGURG, syscall.SIGPIPE:
				// The Go runtime's own preemption signal, and a write to a closed pipe: neither
				// is meant for the service.
			default:
				if sig == syscall.SIGTERM || sig == syscall.SIGINT || sig == syscall.SIGQUIT {
					// Being stopped: whatever a restart was doing, the command is not respawned.
					s.stopping = true
				}
				s.signal(sig.(syscall.Signal))
			}
		case r := <-requests:
			if s.stopping {
				r.reply <- errAnswer + " the container is stopping"
				continue
			}
			s.restarting = append(s.restarting, r)
			if len(s.restarting) == 1 {
				s.signal(s.opts.StopSignal)
				s.kill = time.NewTimer(r.grace)
				killed = s.kill.C
			}
		case <-killed:
			killed = nil
			s.signal(syscall.SIGKILL)
		}
	}
}

// spawn starts the command in a process group of its own, so a restart stops all of it (a
// shell and what it started, `go run` and the program it built), not just its first process.
func (s *supervisor) spawn() error {
	path, err := exec.LookPath(s.opts.Argv[0])
	if err != nil {
		return fmt.Errorf("start %s: %w", s.opts.Argv[0], err)
	}
	p, err := os.StartProcess(path, s.opts.Argv, &os.ProcAttr{
		Files: []*os.File{os.Stdin, os.Stdout, os.Stderr},
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	})
	if err != nil {
		return fmt.Errorf("start %s: %w", s.opts.Argv[0], err)
	}
	s.pid = p.Pid
	// Reaped by reap with wait4, which os.Process must not also do.
	_ = p.Release()
	return nil
}

// signal sends sig to the command's process group.
func (s *supervisor) signal(sig syscall.Signal) {
	if s.pid > 0 {
		_ = syscall.Kill(-s.pid, sig)
	}
}

// reap collects every exited child, orphans included (as PID 1 they are all ours). When the
// command exited it either respawns it, for a restart, or says the supervisor is done.
func (s *supervisor) reap() (status int, done bool) {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return 0, false
		}
		if pid != s.pid {
			continue
		}
		// What the command left running in its group goes with it: a respawned server must
		// not find its port still held.
		_ = syscall.Kill(-s.pid, syscall.SIGKILL)
		s.pid = 0
		if s.kill != nil {
			s.kill.Stop()
		}
		waiting := s.restarting
		s.restarting = nil
		if len(waiting) == 0 || s.stopping {
			for _, r := range waiting {
				r.reply <- errAnswer + " the container is stopping"
			}
			return exitStatus(ws), true
		}
		answer := okAnswer
		if err := s.spawn(); err != nil {
			answer = errAnswer + " " + err.Error()
		} else {
			answer += fmt.Sprintf(" %d", s.pid)
		}
		for _, r := range waiting {
			r.reply <- answer
		}
		if s.pid == 0 {
			fmt.Fprintf(s.opts.Log, "devenv supervise: %s\n", strings.TrimPrefix(answer, errAnswer+" "))
			return 127, true
		}
	}
}

// exitStatus is a shell's rendering of how a process ended: its code, or 128 + the signal.
func exitStatus(ws syscall.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// serve answers restart requests from processes of the container's own user (or root).
func serve(ln *net.UnixListener, requests chan<- restartRequest) {
	for {
		c, err := ln.AcceptUnix()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			if err := allowed(c); err != nil {
				fmt.Fprintf(c, "%s %v\n", errAnswer, err)
				return
			}
			line, err := bufio.NewReader(c).ReadString('\n')
			if err != nil {
				return
			}
			verb, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
			grace, err := time.ParseDuration(arg)
			if verb != restartVerb || err != nil {
				fmt.Fprintf(c, "%s unknown request %q\n", errAnswer, strings.TrimSpace(line))
				return
			}
			r := restartRequest{grace: grace, reply: make(chan string, 1)}
			requests <- r
			fmt.Fprintln(c, <-r.reply)
		}()
	}
}

// allowed refuses peers of another user: an abstract socket has no file permissions, and with
// network_mode: host every process of the host can reach it.
func allowed(c *net.UnixConn) error {
	raw, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var cred *syscall.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return err
	}
	if credErr != nil {
		return credErr
	}
	if cred.Uid != 0 && int(cred.Uid) != os.Getuid() {
		return fmt.Errorf("uid %d may not restart this service", cred.Uid)
	}
	return nil
}

// ParseSignal reads a signal name the way compose's stop_signal is written (SIGTERM, TERM, 15).
func ParseSignal(name string) (syscall.Signal, error) {
	if name == "" {
		return syscall.SIGTERM, nil
	}
	if n, err := strconv.Atoi(name); err == nil && n > 0 && n < 65 {
		return syscall.Signal(n), nil
	}
	name = strings.ToUpper(name)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("stop signal %q is not a signal name (SIGTERM, SIGINT, ...)", name)
}
