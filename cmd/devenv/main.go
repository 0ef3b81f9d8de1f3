// Command devenv takes a repository from clone to a running development stack.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/devenv/devenv/internal/cli"
)

// Set by the Makefile's -ldflags -X; empty in a plain `go build`.
var (
	version string
	commit  string
	date    string
)

func main() {
	// The first Ctrl-C (or the CI runner's SIGTERM) cancels ctx so commands stop gracefully;
	// once stop() restores the default handlers, a second one kills the process.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Streams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr},
		cli.BuildInfo{Version: version, Commit: commit, Date: date})
	stop()
	os.Exit(code)
}
