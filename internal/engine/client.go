// Package engine is devenv's only door to the Docker Engine. It wraps github.com/moby/moby/client
// behind small, devenv-shaped calls so the rest of the program never sees the Engine API's types,
// and so an engine that is down produces one clear error instead of a stack of HTTP failures.
package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/moby/moby/client"
)

// Client talks to one Docker Engine. The API version is negotiated on first use, so the same
// binary drives engine 20.10 (API 1.41) and current engines.
type Client struct {
	api *client.Client
}

// Connect builds a client from the standard environment (DOCKER_HOST, DOCKER_TLS_VERIFY,
// DOCKER_CERT_PATH, DOCKER_API_VERSION) and checks that the engine answers. A user who runs
// `devenv up` with the engine stopped gets an *UnreachableError naming the host and the fix.
func Connect(ctx context.Context) (*Client, error) {
	api, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("configure docker client: %w", err)
	}
	c := &Client{api: api}
	if _, err := api.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		_ = api.Close()
		return nil, classify(api.DaemonHost(), err)
	}
	return c, nil
}

// Close releases the client's idle connections.
func (c *Client) Close() error { return c.api.Close() }

// Host is the engine address in use, e.g. unix:///var/run/docker.sock.
func (c *Client) Host() string { return c.api.DaemonHost() }

// UnreachableError means no engine answered at Host. It carries the hint a user needs rather than
// the transport error alone, which reads like a devenv bug.
type UnreachableError struct {
	Host string
	Err  error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach the Docker engine at %s: %v", e.Host, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Hint says how to get an engine answering; the CLI prints it under the error.
func (e *UnreachableError) Hint() string {
	return "start the engine (`make engine` in the devenv repo, `sudo systemctl start docker`, or Docker Desktop), " +
		"or point DOCKER_HOST at a running one"
}

// classify turns a transport failure into an *UnreachableError and leaves engine answers alone.
func classify(host string, err error) error {
	if err == nil {
		return nil
	}
	var unreachable *UnreachableError
	if errors.As(err, &unreachable) {
		return err
	}
	if client.IsErrConnectionFailed(err) {
		return &UnreachableError{Host: host, Err: err}
	}
	return err
}
