package supervise

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the supervisor: started with DEVENV_SUPERVISE_TEST_SOCKET set, it
// runs Run on what follows "--" instead of the tests, as PID 1 of a container would.
func TestMain(m *testing.M) {
	if socket := os.Getenv("DEVENV_SUPERVISE_TEST_SOCKET"); socket != "" {
		i := slices.Index(os.Args, "--")
		os.Exit(Run(context.Background(), Options{Argv: os.Args[i+1:], Socket: socket, Log: os.Stderr}))
	}
	os.Exit(m.Run())
}

// startSupervisor runs script under a supervisor; log is a file the script may append to.
func startSupervisor(t *testing.T, script string) (cmd *exec.Cmd, socket, log string) {
	t.Helper()
	log = filepath.Join(t.TempDir(), "log")
	socket = fmt.Sprintf("devenv-supervise-test-%d-%s", os.Getpid(), t.Name())
	cmd = exec.Command(os.Args[0], "--", "sh", "-c", script)
	cmd.Env = append(os.Environ(), "DEVENV_SUPERVISE_TEST_SOCKET="+socket, "LOG="+log)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd, socket, log
}

// waitLog waits (bounded, not timed) until log holds want lines.
func waitLog(t *testing.T, log string, want ...string) {
	t.Helper()
	var got []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		b, _ := os.ReadFile(log)
		if got = strings.Fields(string(b)); slices.Equal(got, want) {
			return
		}
	}
	t.Fatalf("log holds %q, want %q", got, want)
}

func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(10 * time.Second):
		t.Fatal("the supervisor did not exit")
		return -1
	}
}

func TestRestartRespawnsTheCommandAndStopEndsIt(t *testing.T) {
	// The trap is set before "start" is logged: a SIGTERM sent once the log says start must find
	// it, or the shell dies of the signal without logging stop (exit 143).
	cmd, socket, log := startSupervisor(t, `trap 'echo stop >> "$LOG"; exit 0' TERM; echo start >> "$LOG"; while :; do sleep 0.02; done`)
	waitLog(t, log, "start")
	first, err := Restart(socket, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	waitLog(t, log, "start", "stop", "start")
	second, err := Restart(socket, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if first == second || first == cmd.Process.Pid {
		t.Errorf("restarts answered pids %d and %d (supervisor %d): not new processes", first, second, cmd.Process.Pid)
	}
	waitLog(t, log, "start", "stop", "start", "stop", "start")
	// docker stop: SIGTERM to PID 1 reaches the command, whose exit ends the supervisor.
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if code := exitCode(t, cmd); code != 0 {
		t.Errorf("stopped supervisor exited %d, want the command's 0", code)
	}
	waitLog(t, log, "start", "stop", "start", "stop", "start", "stop")
	if _, err := Restart(socket, time.Second); err == nil {
		t.Error("a stopped supervisor still answered")
	}
}

func TestRestartKillsACommandThatIgnoresTheStopSignal(t *testing.T) {
	_, socket, log := startSupervisor(t, `trap '' TERM; echo start >> "$LOG"; while :; do sleep 0.02; done`)
	waitLog(t, log, "start")
	pid, err := Restart(socket, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	// Killing the supervisor leaves this command running: in a container it dies with PID 1.
	t.Cleanup(func() { _ = syscall.Kill(-pid, syscall.SIGKILL) })
	waitLog(t, log, "start", "start")
}

func TestSupervisorExitsAsTheCommandDid(t *testing.T) {
	for script, want := range map[string]int{"exit 3": 3, "kill -KILL $$": 137, "true": 0} {
		cmd, _, _ := startSupervisor(t, script)
		if code := exitCode(t, cmd); code != want {
			t.Errorf("%s: supervisor exited %d, want %d", script, code, want)
		}
	}
}

func TestRunReportsACommandThatCannotStart(t *testing.T) {
	code := Run(context.Background(), Options{Argv: []string{"/nonexistent/devenv-test-command"}, Log: &strings.Builder{}})
	if code != 127 {
		t.Errorf("exit status %d, want 127 as a shell gives", code)
	}
}
