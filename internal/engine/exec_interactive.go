package engine

import (
	"context"
	"fmt"
	"io"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// ExecSession is a command to run in a container with the user's terminal attached.
type ExecSession struct {
	Cmd        []string
	Env        []string
	WorkingDir string
	User       string
	TTY        bool // allocate a terminal: the caller has put its own into raw mode
	Stdin      io.Reader
	Stdout     io.Writer
	Stderr     io.Writer // unused with TTY: a terminal has one output stream
	// Resize, if set, receives the terminal's size now and on every change, until ctx ends.
	Resize <-chan [2]uint // height, width
}

// ExecAttached runs s in container id, streaming its input and output, and returns the command's
// exit code once it ends.
func (c *Client) ExecAttached(ctx context.Context, id string, s ExecSession) (int, error) {
	created, err := c.api.ExecCreate(ctx, id, client.ExecCreateOptions{
		Cmd: s.Cmd, Env: s.Env, WorkingDir: s.WorkingDir, User: s.User, TTY: s.TTY,
		AttachStdin: s.Stdin != nil, AttachStdout: true, AttachStderr: true,
	})
	if err != nil {
		return -1, fmt.Errorf("exec in %.12s: %w", id, classify(c.Host(), err))
	}
	att, err := c.api.ExecAttach(ctx, created.ID, client.ExecAttachOptions{TTY: s.TTY})
	if err != nil {
		return -1, fmt.Errorf("exec in %.12s: %w", id, classify(c.Host(), err))
	}
	defer att.Close()

	if s.Resize != nil {
		go func() { // ends with ctx or when the caller closes Resize
			for {
				select {
				case <-ctx.Done():
					return
				case size, ok := <-s.Resize:
					if !ok {
						return
					}
					_, _ = c.api.ExecResize(ctx, created.ID, client.ExecResizeOptions{Height: size[0], Width: size[1]})
				}
			}
		}()
	}
	if s.Stdin != nil {
		go func() { // ends when stdin ends (then the command sees EOF) or the connection closes
			_, _ = io.Copy(att.Conn, s.Stdin)
			_ = att.CloseWrite()
		}()
	}
	outDone := make(chan error, 1)
	go func() {
		var err error
		if s.TTY {
			_, err = io.Copy(s.Stdout, att.Reader)
		} else {
			_, err = stdcopy.StdCopy(s.Stdout, s.Stderr, att.Reader)
		}
		outDone <- err
	}()
	select {
	case <-ctx.Done():
		return -1, ctx.Err()
	case err := <-outDone:
		if err != nil && ctx.Err() == nil {
			return -1, fmt.Errorf("exec in %.12s: %w", id, err)
		}
	}
	ins, err := c.api.ExecInspect(ctx, created.ID, client.ExecInspectOptions{})
	if err != nil {
		return -1, fmt.Errorf("exec in %.12s: %w", id, classify(c.Host(), err))
	}
	return ins.ExitCode, nil
}
