// Command devenv takes a repository from clone to a running development stack.
package main

import (
	"context"
	"fmt"
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
	// The first Ctrl-C (or the CI runner's SIGTERM) cancels ctx so commands stop gracefully; a
	// second one ends devenv at once (devenv test's reaper removes what its job leaves).
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() { // ends with the process
		<-sigs
		cancel()
		<-sigs
		fmt.Fprintln(os.Stderr, "devenv: interrupted again: exiting now")
		os.Exit(130)
	}()
	code := cli.Main(ctx, os.Args[1:], cli.Streams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr},
		cli.BuildInfo{Version: version, Commit: commit, Date: date})
	os.Exit(code)
}
