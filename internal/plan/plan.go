// Package plan is the pure heart of `devenv up`: from the desired project and what the engine
// has now, it computes the operations to run and what each must wait for. It performs no I/O, so
// every decision (what is recreated, what waits on what) is tested through Plan.String().
package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/project"
)

// Action is what happens to one service's container.
type Action string

const (
	Create   Action = "create"   // no container yet
	Recreate Action = "recreate" // configuration changed: replace the container
	Start    Action = "start"    // container exists with the right configuration but is stopped
	Keep     Action = "keep"     // running with the right configuration: nothing to do
	Restart  Action = "restart"  // unchanged, but a dependency it asked to follow was replaced
)

// Readiness is what "ready" means for a service that something waits on.
type Readiness string

const (
	ReadyStarted   Readiness = "started"   // container running
	ReadyHealthy   Readiness = "healthy"   // healthcheck (or devenv's client probe) passes
	ReadyCompleted Readiness = "completed" // one-shot job exited 0
)

// Observed is what the engine has for the project.
type Observed struct {
	Containers map[string]ObservedContainer // by service
	Networks   map[string]bool              // by engine network name
	Volumes    map[string]bool              // by engine volume name
	Images     map[string]bool              // image references present locally
	// Stale lists built services whose image was built from other source than the build
	// context holds now: they are rebuilt, as with --build, without being asked.
	Stale map[string]bool
}

// ObservedContainer is one service's existing container.
type ObservedContainer struct {
	ID         string
	ConfigHash string
	Running    bool
	ExitCode   int // of the last run, for a stopped container
}

// Options change how a plan is made.
type Options struct {
	Services []string // only these and what they depend on; empty = all
	Build    bool     // build images even when present
	Wait     bool     // wait for every selected service to be ready
	// ForceRecreate replaces containers even when unchanged.
	ForceRecreate bool
	// RemoveOrphans removes containers of services no longer in the project (only when all
	// services are selected: a partial `up web` must not remove the rest).
	RemoveOrphans bool
}

// Op is one node of the plan.
type Op struct {
	ID      string // e.g. "run:mysql"; unique
	Kind    string // network, volume, pull, build, create, run, ready, seed, remove
	Service string
	Target  string    // network/volume/image name, or container ID for remove
	Action  Action    // for run
	Ready   Readiness // for ready
	After   []string  // IDs of ops that must finish first
	Hash    string    // for run: the configuration hash the new container gets
}

// Plan is a DAG of operations.
type Plan struct {
	Ops map[string]*Op
}

// String prints the plan one op per line in a stable topological order, for tests and `--dry-run`.
func (p *Plan) String() string {
	var b strings.Builder
	for _, op := range p.Ordered() {
		fmt.Fprintf(&b, "%s", op.ID)
		if op.Action != "" {
			fmt.Fprintf(&b, " (%s)", op.Action)
		}
		if op.Ready != "" {
			fmt.Fprintf(&b, " (%s)", op.Ready)
		}
		if len(op.After) > 0 {
			fmt.Fprintf(&b, " after %s", strings.Join(op.After, ", "))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// Ordered returns the ops in a topological order, ties broken by ID.
func (p *Plan) Ordered() []*Op {
	indeg := map[string]int{}
	next := map[string][]string{}
	for id, op := range p.Ops {
		indeg[id] += 0
		for _, a := range op.After {
			indeg[id]++
			next[a] = append(next[a], id)
		}
	}
	var ready []string
	for id, d := range indeg {
		if d == 0 {
			ready = append(ready, id)
		}
	}
	var out []*Op
	for len(ready) > 0 {
		sort.Strings(ready)
		id := ready[0]
		ready = ready[1:]
		out = append(out, p.Ops[id])
		for _, n := range next[id] {
			indeg[n]--
			if indeg[n] == 0 {
				ready = append(ready, n)
			}
		}
	}
	return out
}

// ConfigHash identifies the container configuration of s. Anything that changes the container
// changes the hash; map order does not (encoding/json sorts map keys).
func ConfigHash(s types.ServiceConfig, hostPorts map[uint32]string) string {
	s.Name = ""
	ext := s.Extensions
	if m, ok := ext[project.ExtensionKey].(map[string]any); ok && (m["fixtures"] != nil || m["fixtures_after"] != nil) {
		// Seeding is not the container's configuration: adding a fixtures folder must not
		// replace a running database.
		m = maps.Clone(m)
		delete(m, "fixtures")
		delete(m, "fixtures_after")
		ext = maps.Clone(ext)
		ext[project.ExtensionKey] = m
		s.Extensions = ext
	}
	data, _ := json.Marshal(struct {
		Service   types.ServiceConfig
		Ext       map[string]any
		HostPorts map[uint32]string
	}{s, ext, hostPorts})
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

// Up plans `devenv up` of p given what is observed. hashes holds each service's desired
// configuration hash (see ConfigHash).
func Up(p *types.Project, obs Observed, hashes map[string]string, opts Options) (*Plan, error) {
	selected, err := selection(p, opts.Services)
	if err != nil {
		return nil, err
	}
	pl := &Plan{Ops: map[string]*Op{}}
	add := func(op *Op) *Op {
		if existing, ok := pl.Ops[op.ID]; ok {
			return existing
		}
		pl.Ops[op.ID] = op
		return op
	}
	readyID := func(svc string) string { return "ready:" + svc }
	// A dependency with fixtures is seeded once it is healthy, and whatever depends on it
	// starts only after that, so an app never sees an empty database.
	seedOp := func(svc string) *Op {
		r := add(&Op{ID: readyID(svc), Kind: "ready", Service: svc, Ready: ReadyHealthy})
		r.Ready = stricter(r.Ready, ReadyHealthy)
		op := add(&Op{ID: "seed:" + svc, Kind: "seed", Service: svc, After: []string{r.ID}})
		for _, after := range project.ExtensionOf(p.Services[svc]).FixturesAfter {
			a := add(&Op{ID: readyID(after), Kind: "ready", Service: after, Ready: defaultReadiness(p.Services[after])})
			a.Ready = stricter(a.Ready, defaultReadiness(p.Services[after]))
			op.After = append(op.After, a.ID)
		}
		return op
	}

	for _, name := range selected {
		s := p.Services[name]
		run := &Op{ID: "run:" + name, Kind: "run", Service: name, Hash: hashes[name]}
		cur, exists := obs.Containers[name]
		switch {
		case !exists:
			run.Action = Create
		case opts.ForceRecreate || cur.ConfigHash != hashes[name]:
			run.Action = Recreate
			run.Target = cur.ID
		case !cur.Running && isJob(s) && cur.ExitCode == 0:
			// A finished job that is unchanged has done its work; it runs again only when
			// something about it changes (or with --force-recreate).
			run.Action = Keep
		case !cur.Running:
			run.Action = Start
			run.Target = cur.ID
		default:
			run.Action = Keep
		}
		// The container is created as soon as its image, network and volumes exist, and only
		// started once what it depends on is ready: creating takes a few hundred milliseconds
		// that would otherwise come after the slowest dependency's start.
		create := &Op{ID: "create:" + name, Kind: "create", Service: name, Hash: hashes[name]}
		if run.Action == Create || run.Action == Recreate {
			for _, key := range s.NetworksByPriority() {
				n := p.Networks[key]
				if bool(n.External) || obs.Networks[n.Name] {
					continue
				}
				create.After = append(create.After, add(&Op{ID: "network:" + key, Kind: "network", Target: n.Name}).ID)
			}
			for _, v := range s.Volumes {
				if v.Type != types.VolumeTypeVolume || v.Source == "" {
					continue
				}
				vc, ok := p.Volumes[v.Source]
				if !ok || bool(vc.External) || obs.Volumes[vc.Name] {
					continue
				}
				create.After = append(create.After, add(&Op{ID: "volume:" + v.Source, Kind: "volume", Target: vc.Name}).ID)
			}
			if s.Build != nil {
				if opts.Build || obs.Stale[name] || !obs.Images[s.Image] {
					create.After = append(create.After, add(&Op{ID: "build:" + name, Kind: "build", Service: name, Target: s.Image}).ID)
				}
			} else if !obs.Images[s.Image] || s.PullPolicy == types.PullPolicyAlways {
				create.After = append(create.After, add(&Op{ID: "pull:" + name, Kind: "pull", Service: name, Target: s.Image}).ID)
			}
		} else if (opts.Build || obs.Stale[name]) && s.Build != nil {
			// An explicit --build rebuilds; the container is replaced only if the image changed,
			// which only the executor can tell.
			create.After = append(create.After, add(&Op{ID: "build:" + name, Kind: "build", Service: name, Target: s.Image}).ID)
			run.Action = Recreate
			run.Target = cur.ID
		}
		if run.Action == Create || run.Action == Recreate {
			create.Action, create.Target = run.Action, run.Target
			run.After = append(run.After, add(create).ID)
		}
		for _, dep := range slices.Sorted(maps.Keys(s.DependsOn)) {
			d := s.DependsOn[dep]
			if _, ok := p.Services[dep]; !ok {
				if d.Required {
					return nil, fmt.Errorf("service %s depends on %s, which is not in the project", name, dep)
				}
				continue
			}
			r := add(&Op{ID: readyID(dep), Kind: "ready", Service: dep, Ready: readiness(d.Condition)})
			r.Ready = stricter(r.Ready, readiness(d.Condition))
			run.After = append(run.After, r.ID)
			// What the fixtures wait for (a migration) must not wait for them in turn.
			if hasFixtures(p.Services[dep]) && !slices.Contains(project.ExtensionOf(p.Services[dep]).FixturesAfter, name) {
				run.After = append(run.After, seedOp(dep).ID)
			}
		}
		if hasFixtures(s) {
			seedOp(name)
		}
		add(run)
		if opts.Wait {
			r := add(&Op{ID: readyID(name), Kind: "ready", Service: name, Ready: defaultReadiness(s)})
			r.Ready = stricter(r.Ready, defaultReadiness(s))
		}
	}
	// depends_on with `restart: true` asks for a running service to be restarted when that
	// dependency is replaced (a cache client reconnecting, say); others keep running. A restart
	// can itself require restarts further up, hence the loop until nothing changes.
	for changed := true; changed; {
		changed = false
		for _, name := range selected {
			run := pl.Ops["run:"+name]
			if run == nil || run.Action != Keep || !obs.Containers[name].Running {
				continue
			}
			for dep, d := range p.Services[name].DependsOn {
				if depRun := pl.Ops["run:"+dep]; d.Restart && depRun != nil &&
					(depRun.Action == Create || depRun.Action == Recreate || depRun.Action == Restart) {
					run.Action, run.Target = Restart, obs.Containers[name].ID
					changed = true
					break
				}
			}
		}
	}
	for id, op := range pl.Ops {
		if op.Kind == "ready" {
			pl.Ops[id].After = []string{"run:" + op.Service}
		}
	}
	for _, op := range pl.Ops {
		sort.Strings(op.After)
		op.After = slices.Compact(op.After)
	}
	if ordered := pl.Ordered(); len(ordered) < len(pl.Ops) {
		return nil, cycleError(pl, ordered)
	}
	if opts.RemoveOrphans && len(opts.Services) == 0 {
		for svc, c := range obs.Containers {
			if _, ok := p.Services[svc]; !ok {
				add(&Op{ID: "remove:" + svc, Kind: "remove", Service: svc, Target: c.ID})
			}
		}
	}
	return pl, nil
}

// cycleError names the ops that wait on each other. depends_on cycles are refused when the
// configuration is read; what is left is a service that fixtures_after names but that itself
// waits (through depends_on) for a service that needs those fixtures.
func cycleError(pl *Plan, ordered []*Op) error {
	done := map[string]bool{}
	for _, op := range ordered {
		done[op.ID] = true
	}
	var stuck []string
	for id, op := range pl.Ops {
		if !done[id] && (op.Kind == "run" || op.Kind == "seed") {
			stuck = append(stuck, id)
		}
	}
	sort.Strings(stuck)
	return fmt.Errorf("these steps wait on each other and could never start: %s; a service in fixtures_after must not depend on a service that needs those fixtures",
		strings.Join(stuck, ", "))
}

// selection is the requested services plus everything they depend on, sorted.
func selection(p *types.Project, names []string) ([]string, error) {
	if len(names) == 0 {
		return slices.Sorted(maps.Keys(p.Services)), nil
	}
	seen := map[string]bool{}
	var visit func(string) error
	visit = func(n string) error {
		if seen[n] {
			return nil
		}
		s, ok := p.Services[n]
		if !ok {
			return fmt.Errorf("no service %q in project %s (services: %s)", n, p.Name, strings.Join(p.ServiceNames(), ", "))
		}
		seen[n] = true
		// Seeding a dependency needs what its fixtures wait for.
		if hasFixtures(s) {
			for _, after := range project.ExtensionOf(s).FixturesAfter {
				if err := visit(after); err != nil {
					return err
				}
			}
		}
		for dep := range s.DependsOn {
			if _, ok := p.Services[dep]; ok {
				if err := visit(dep); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, n := range names {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return slices.Sorted(maps.Keys(seen)), nil
}

func readiness(condition string) Readiness {
	switch condition {
	case types.ServiceConditionHealthy:
		return ReadyHealthy
	case types.ServiceConditionCompletedSuccessfully:
		return ReadyCompleted
	}
	return ReadyStarted
}

// defaultReadiness is what `up --wait` waits for: a job's success, a health check's pass, or a
// running container.
func defaultReadiness(s types.ServiceConfig) Readiness {
	switch {
	case isJob(s):
		return ReadyCompleted
	case s.HealthCheck != nil && !s.HealthCheck.Disable:
		return ReadyHealthy
	}
	return ReadyStarted
}

func stricter(a, b Readiness) Readiness {
	rank := map[Readiness]int{ReadyStarted: 0, ReadyHealthy: 1, ReadyCompleted: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// hasFixtures reports whether s is a dependency with fixtures to seed.
func hasFixtures(s types.ServiceConfig) bool { return project.ExtensionOf(s).Fixtures != "" }

// isJob reports whether s is a one-shot service.
func isJob(s types.ServiceConfig) bool { return project.ExtensionOf(s).Job }
