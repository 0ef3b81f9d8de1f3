// Package supervise is the process supervisor devenv puts in front of a service's command so a
// hot reload can restart the service's process instead of its container.
//
// A container restart tears down the container's network endpoint: measured here, the new
// process answers 0.5 s after the restart was asked for, and a client that kept polling
// meanwhile (a browser's reload, a test) only after 1.2 s, once the host resolves the new
// endpoint's address again. The supervisor keeps the container, its network namespace and its
// published ports, and respawns only the command: the new process serves as soon as it listens.
//
// devenv copies its own static binary into the container at /.devenv/devenv and makes
// `devenv supervise run -- COMMAND` the entrypoint. As PID 1 it forwards signals to the
// command's process group, reaps orphans and exits with the command's status when the command
// ends by itself, so `docker stop`, restart policies and exit codes behave as without it. A
// restart is one `devenv supervise restart` exec'd in the container, which asks PID 1 over an
// abstract unix socket (no socket file to create, so no writable directory is needed) and
// returns once the new process is running.
package supervise

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Dir and Binary are where devenv puts its binary in a supervised container.
const (
	Dir    = "/.devenv"
	Binary = Dir + "/devenv"
)

// SocketName is the abstract socket a service's supervisor listens on. Abstract sockets live in
// the network namespace, which containers with network_mode: host share with each other, so the
// name is the container's own; a name too long for a socket address (107 bytes) is hashed.
func SocketName(container string) string {
	name := "devenv-supervise-" + container
	if len(name) > maxSocketName {
		sum := sha256.Sum256([]byte(container))
		name = "devenv-supervise-" + hex.EncodeToString(sum[:16])
	}
	return name
}

// maxSocketName leaves room in sun_path (108 bytes) for the leading NUL of an abstract name.
const maxSocketName = 107

// Entrypoint is the entrypoint of a supervised container; its command stays the service's.
func Entrypoint(container, stopSignal string) []string {
	ep := []string{Binary, "supervise", "run", "--socket", SocketName(container)}
	if stopSignal != "" {
		ep = append(ep, "--stop-signal", stopSignal)
	}
	return append(ep, "--")
}

// RestartCommand is the exec that restarts the process supervised on socket, giving it grace
// to stop.
func RestartCommand(socket string, grace time.Duration) []string {
	return []string{Binary, "supervise", "restart", "--socket", socket, "--grace", grace.String()}
}

// Command is what a container runs given its service's entrypoint and command and its image's,
// with the engine's rules: a service entrypoint replaces the image's and drops the image's
// command; a service command replaces the image's command only.
func Command(entrypoint, command, imageEntrypoint, imageCmd []string) []string {
	var argv []string
	switch {
	case entrypoint != nil:
		argv = append(argv, entrypoint...)
		argv = append(argv, command...)
	case command != nil:
		argv = append(append(argv, imageEntrypoint...), command...)
	default:
		argv = append(append(argv, imageEntrypoint...), imageCmd...)
	}
	return argv
}

// The control protocol: one request line, one answer line.
const (
	restartVerb = "restart"
	okAnswer    = "ok"
	errAnswer   = "error"
)

func parseAnswer(line string) (int, error) {
	verb, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
	switch verb {
	case okAnswer:
		var pid int
		if _, err := fmt.Sscan(rest, &pid); err != nil {
			return 0, fmt.Errorf("the supervisor answered %q", line)
		}
		return pid, nil
	case errAnswer:
		return 0, errors.New(rest)
	}
	return 0, fmt.Errorf("the supervisor answered %q", strings.TrimSpace(line))
}
