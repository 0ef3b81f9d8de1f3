package orchestrator

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/dependency"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/events"
	"github.com/devenv/devenv/internal/health"
	"github.com/devenv/devenv/internal/plan"
	"github.com/devenv/devenv/internal/project"
	"github.com/devenv/devenv/internal/seed"
	"golang.org/x/sync/errgroup"
)

// Seeder applies the fixtures in dir to a running dependency of kind at at; applyFixtures is
// the real one, tests use a fake.
type Seeder interface {
	Apply(ctx context.Context, kind dependency.Kind, at dependency.Endpoint, dir string, opts seed.Options) (seed.Result, error)
}

// SeederFunc adapts a function to Seeder.
type SeederFunc func(ctx context.Context, kind dependency.Kind, at dependency.Endpoint, dir string, opts seed.Options) (seed.Result, error)

// Apply calls f.
func (f SeederFunc) Apply(ctx context.Context, kind dependency.Kind, at dependency.Endpoint, dir string, opts seed.Options) (seed.Result, error) {
	return f(ctx, kind, at, dir, opts)
}

// applyFixtures is the Seeder of a real dependency: its kind logs in and applies.
func applyFixtures(ctx context.Context, kind dependency.Kind, at dependency.Endpoint, dir string, opts seed.Options) (seed.Result, error) {
	return kind.Seed(ctx, at, dir, opts)
}

// SeedOptions are `devenv seed`'s choices.
type SeedOptions struct {
	Dependencies []string // only these dependency services (mysql, redis, ...); empty = all with fixtures
	Reset        bool     // wipe the dependency's data and apply every fixture again
	// ReadyTimeout bounds the wait for a dependency that is still starting; 0 = 2 minutes.
	ReadyTimeout time.Duration
}

// seed is the plan's seed op: the dependency is healthy, its dependents have not started.
func (x *execution) seed(ctx context.Context, op *plan.Op) error {
	id := x.id(op.Service)
	st, err := x.o.engine.InspectContainer(ctx, id)
	if err != nil {
		return &ServiceError{Service: op.Service, Step: "seed", Err: err}
	}
	return x.o.seedService(ctx, x.p, x.p.Services[op.Service], st.Ports, false)
}

// Seed applies the pending fixtures of p's running dependencies (or, with Reset, wipes them and
// applies everything).
func (o *Orchestrator) Seed(ctx context.Context, p *types.Project, opts SeedOptions) error {
	targets, err := seedTargets(p, opts.Dependencies)
	if err != nil {
		return err
	}
	observed, err := o.engine.ProjectContainers(ctx, p.Name)
	if err != nil {
		return err
	}
	ids := map[string]string{}
	for _, c := range observed {
		if c.State == engine.StateRunning {
			ids[c.Service] = c.ID
		}
	}
	timeout := opts.ReadyTimeout
	if timeout == 0 {
		timeout = 2 * time.Minute
	}
	g, ctx := errgroup.WithContext(ctx)
	for _, name := range targets {
		g.Go(func() error {
			id, ok := ids[name]
			if !ok {
				return &ServiceError{Service: name, Step: "seed", Err: fmt.Errorf("%s is not running", name),
					Fix: "start it first: devenv up " + name}
			}
			st, err := o.engine.InspectContainer(ctx, id)
			if err != nil {
				return err
			}
			if st.Health != engine.HealthHealthy {
				// A dependency that is still starting (a `seed` right after `up -d`) is waited
				// for, as `up` would, rather than failing on a refused connection.
				x := &execution{o: o, p: p}
				probe, err := x.probe(name, id, st.Ports)
				if err != nil {
					return &ServiceError{Service: name, Step: "seed", Err: err}
				}
				wctx, cancel := context.WithTimeout(ctx, timeout)
				defer cancel()
				if _, err := health.Wait(wctx, o.clock, probe, o.probeInterval, attemptTimeout, nil); err != nil {
					return &ServiceError{Service: name, Step: "seed", Err: fmt.Errorf("not ready: %w", err), Fix: "see why with devenv logs " + name}
				}
			}
			return o.seedService(ctx, p, p.Services[name], st.Ports, opts.Reset)
		})
	}
	return g.Wait()
}

// seedTargets checks the names `devenv seed` was given against p's dependencies; none given
// means every dependency with fixtures.
func seedTargets(p *types.Project, names []string) ([]string, error) {
	var deps, withFixtures []string
	for _, name := range slices.Sorted(maps.Keys(p.Services)) {
		ext := project.ExtensionOf(p.Services[name])
		if ext.Kind != "dependency" {
			continue
		}
		deps = append(deps, name)
		if ext.Fixtures != "" {
			withFixtures = append(withFixtures, name)
		}
	}
	if len(names) == 0 {
		if len(withFixtures) == 0 {
			kinds := deps
			if len(kinds) == 0 {
				kinds = dependency.Names()
			}
			var folders []string
			for _, k := range kinds {
				folders = append(folders, "fixtures/"+k)
			}
			return nil, &FixturesError{Message: "nothing to seed: no dependency has a fixtures folder",
				Fix: "create " + strings.Join(folders, " or ") + " next to devenv.yaml, or set dependencies.<kind>.fixtures (docs/fixtures.md)"}
		}
		return withFixtures, nil
	}
	for _, n := range names {
		if !slices.Contains(deps, n) {
			return nil, &FixturesError{Message: fmt.Sprintf("%s is not a dependency of project %s (dependencies: %s)", n, p.Name, orNone(deps)),
				Fix: "name one of the dependencies in devenv.yaml's dependencies section"}
		}
		if !slices.Contains(withFixtures, n) {
			return nil, &FixturesError{Message: fmt.Sprintf("%s has no fixtures folder", n),
				Fix: fmt.Sprintf("create fixtures/%s next to devenv.yaml, or set dependencies.%s.fixtures (docs/fixtures.md)", n, n)}
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(names))), nil
}

// ResetScope says what Seed with Reset would delete, for a confirmation: one line per
// dependency, as "mysql: every database except ...". The names are checked as Seed checks them.
func ResetScope(p *types.Project, names []string) ([]string, error) {
	targets, err := seedTargets(p, names)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, name := range targets {
		if kind, _, ok := dependencyOf(p.Services[name]); ok {
			out = append(out, name+": "+kind.Reset)
		}
	}
	return out, nil
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}

// FixturesError is a `devenv seed` that has nothing it can do.
type FixturesError struct{ Message, Fix string }

func (e *FixturesError) Error() string { return e.Message }

// Hint is the fix the CLI prints.
func (e *FixturesError) Hint() string { return e.Fix }

// seedService applies s's fixtures over the ports its container publishes on the host.
func (o *Orchestrator) seedService(ctx context.Context, p *types.Project, s types.ServiceConfig, ports map[uint16]uint16, reset bool) error {
	ext := project.ExtensionOf(s)
	kind, settings, ok := dependencyOf(s)
	if !ok {
		return &ServiceError{Service: s.Name, Step: "seed", Err: fmt.Errorf("devenv does not know how to seed %q (it seeds %s)", ext.Dependency, dependency.List())}
	}
	at := dependency.Endpoint{Host: "127.0.0.1", Ports: ports, Settings: settings}
	if at.Addr(kind.Port) == "" {
		return &ServiceError{Service: s.Name, Step: "seed", Err: fmt.Errorf("its container publishes no host port for %d, which seeding connects to", kind.Port)}
	}
	start := o.clock.Now()
	if reset {
		o.emit(events.Event{Service: s.Name, Kind: events.Seeding, Message: "reset: deleting " + kind.Reset})
	}
	res, err := o.seeder.Apply(ctx, kind, at, ext.Fixtures, seed.Options{Reset: reset, BaseDir: p.WorkingDir, Report: func(pr seed.Progress) {
		if pr.Done {
			return
		}
		o.emit(events.Event{Service: s.Name, Kind: events.Seeding, Message: pr.File})
	}})
	for _, f := range res.Ignored {
		o.emit(events.Event{Service: s.Name, Kind: events.Info,
			Message: fmt.Sprintf("fixtures: %s is not applied (%s applies %s)", f, kind.Name, strings.Join(kind.Fixtures, ", "))})
	}
	if err != nil {
		return &ServiceError{Service: s.Name, Step: "seed", Err: err}
	}
	msg := fmt.Sprintf("fixtures up to date (%s)", plural(res.UpToDate, "file"))
	if len(res.Applied) > 0 {
		msg = "applied " + plural(len(res.Applied), "fixture file")
		if res.UpToDate > 0 {
			msg += fmt.Sprintf(", %d up to date", res.UpToDate)
		}
	}
	o.emit(events.Event{Service: s.Name, Kind: events.Seeded, Message: msg, Duration: o.clock.Now().Sub(start)})
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
