package cli

import (
	"context"

	"github.com/devenv/devenv/internal/engine"
)

// factory builds the dependencies commands share, lazily: `devenv version` or `--help` must
// work with no engine running.
type factory struct {
	streams Streams
	build   BuildInfo
	// connect opens an engine client; tests swap it for one that fails or fakes.
	connect func(ctx context.Context) (*engine.Client, error)
	engine  *engine.Client
}

func newFactory(streams Streams, build BuildInfo) *factory {
	return &factory{streams: streams, build: build, connect: engine.Connect}
}

// Engine returns the shared engine client, connecting on first use.
func (f *factory) Engine(ctx context.Context) (*engine.Client, error) {
	if f.engine != nil {
		return f.engine, nil
	}
	c, err := f.connect(ctx)
	if err != nil {
		return nil, err
	}
	f.engine = c
	return c, nil
}

func (f *factory) close() {
	if f.engine != nil {
		_ = f.engine.Close()
	}
}
