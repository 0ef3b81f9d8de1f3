package engine

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// LogOptions select which log lines to stream.
type LogOptions struct {
	Follow     bool
	Since      string // RFC 3339 time or Go duration ("10m"), as the engine accepts
	Tail       int    // last N lines; 0 = all
	Timestamps bool   // prefix each line with its RFC 3339 nano timestamp
}

// StreamLogs copies a container's stdout and stderr to w until the logs end (or, with Follow,
// until ctx is cancelled or the container stops).
func (c *Client) StreamLogs(ctx context.Context, id string, opts LogOptions, stdout, stderr io.Writer) error {
	o := client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: opts.Follow, Since: opts.Since, Timestamps: opts.Timestamps}
	if opts.Tail > 0 {
		o.Tail = strconv.Itoa(opts.Tail)
	}
	rc, err := c.api.ContainerLogs(ctx, id, o)
	if err != nil {
		return fmt.Errorf("logs of %.12s: %w", id, classify(c.Host(), err))
	}
	defer rc.Close()
	if _, err := stdcopy.StdCopy(stdout, stderr, rc); err != nil && ctx.Err() == nil {
		return fmt.Errorf("logs of %.12s: %w", id, err)
	}
	return nil
}
