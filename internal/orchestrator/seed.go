package orchestrator

import (
	"context"
	"errors"

	"github.com/compose-spec/compose-go/v2/types"
)

// SeedOptions are `devenv seed`'s choices.
type SeedOptions struct {
	Dependencies []string // only these dependency services (mysql, redis, rabbitmq); empty = all
	Reset        bool     // wipe the dependency's data and apply every fixture again
}

// Seed applies the fixtures of p's dependencies that are not applied yet (issue 5; the lead is
// writing the body — this signature is what the dashboard and `devenv test` call).
func (o *Orchestrator) Seed(ctx context.Context, p *types.Project, opts SeedOptions) error {
	return errors.New("fixture seeding is being built")
}
