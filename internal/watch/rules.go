package watch

import (
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/patternmatcher"
)

// Rule is one compose develop.watch trigger of one service, with its paths made absolute.
type Rule struct {
	Service string
	Path    string // absolute host path the rule covers (a directory or a file)
	Action  types.WatchAction
	Target  string            // container path Path syncs to
	Exec    types.ServiceHook // for sync+exec
	// Mounted is set when a bind mount already shows Path at Target: syncing is a no-op.
	Mounted bool
	// InitialSync (compose's initial_sync, sync actions only) brings the container's copy of
	// Path up to date when watching starts, for what changed while nothing watched.
	InitialSync bool
	ignore      *patternmatcher.PatternMatcher // relative to Path
	include     *patternmatcher.PatternMatcher // relative to Path; nil = everything
}

// Rules reads the develop.watch triggers of the named services of p (all when names is
// empty). A rule whose path is relative is relative to the project's folder.
func Rules(p *types.Project, names []string) ([]Rule, error) {
	var rules []Rule
	for _, name := range slices.Sorted(maps.Keys(p.Services)) {
		if len(names) > 0 && !slices.Contains(names, name) {
			continue
		}
		s := p.Services[name]
		if s.Develop == nil {
			continue
		}
		for i, t := range s.Develop.Watch {
			r := Rule{Service: name, Path: t.Path, Action: t.Action, Target: t.Target, Exec: t.Exec}
			if !filepath.IsAbs(r.Path) {
				r.Path = filepath.Join(p.WorkingDir, r.Path)
			}
			r.Path = filepath.Clean(r.Path)
			where := fmt.Sprintf("service %s: develop.watch[%d]", name, i)
			switch t.Action {
			case types.WatchActionSync, types.WatchActionSyncRestart, types.WatchActionSyncExec:
				if t.Target == "" || !path.IsAbs(t.Target) {
					return nil, fmt.Errorf("%s: action %s needs target, the absolute path in the container to sync %s to", where, t.Action, t.Path)
				}
				if t.Action == types.WatchActionSyncExec && len(t.Exec.Command) == 0 {
					return nil, fmt.Errorf("%s: action sync+exec needs exec.command, the command to run after syncing", where)
				}
			case types.WatchActionRestart, types.WatchActionRebuild:
				if t.Action == types.WatchActionRebuild && s.Build == nil {
					return nil, fmt.Errorf("%s: action rebuild needs a build section (service %s runs image %s)", where, name, s.Image)
				}
			default:
				return nil, fmt.Errorf("%s: unknown action %q: use sync, rebuild, restart, sync+restart or sync+exec", where, t.Action)
			}
			var err error
			if len(t.Ignore) > 0 {
				if r.ignore, err = patternmatcher.New(t.Ignore); err != nil {
					return nil, fmt.Errorf("%s.ignore: %w", where, err)
				}
			}
			if len(t.Include) > 0 {
				if r.include, err = patternmatcher.New(t.Include); err != nil {
					return nil, fmt.Errorf("%s.include: %w", where, err)
				}
			}
			r.Mounted = mounted(s, r.Path, r.Target)
			// Compose ignores initial_sync on restart and rebuild rules; so does devenv, for
			// the compose files that work with both.
			r.InitialSync = t.InitialSync && r.syncs() && !r.Mounted
			rules = append(rules, r)
		}
	}
	return rules, nil
}

// syncs reports whether the rule's action copies files.
func (r Rule) syncs() bool {
	switch r.Action {
	case types.WatchActionSync, types.WatchActionSyncRestart, types.WatchActionSyncExec:
		return true
	}
	return false
}

// covers returns p relative to the rule's path when the rule applies to it: p is the rule's
// path or inside it, and the rule's ignore and include patterns let it through.
func (r Rule) covers(p string) (string, bool) {
	rel, ok := under(r.Path, p)
	if !ok || rel == "." {
		return rel, ok
	}
	if r.ignore != nil {
		if m, err := r.ignore.MatchesOrParentMatches(rel); err == nil && m {
			return "", false
		}
	}
	if r.include != nil {
		if m, err := r.include.MatchesOrParentMatches(rel); err != nil || !m {
			return "", false
		}
	}
	return rel, true
}

// mounted reports whether a bind mount of s already shows host path at container path target.
func mounted(s types.ServiceConfig, host, target string) bool {
	if target == "" {
		return false
	}
	for _, v := range s.Volumes {
		if v.Type != types.VolumeTypeBind || v.Source == "" {
			continue
		}
		rel, ok := under(filepath.Clean(v.Source), host)
		if ok && path.Join(v.Target, filepath.ToSlash(rel)) == path.Clean(target) {
			return true
		}
	}
	return false
}

// Roots are the directories to watch for rules: each rule's directory (a file rule's folder),
// without those inside another root.
func Roots(rules []Rule) []string {
	var dirs []string
	for _, r := range rules {
		d := r.Path
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			d = filepath.Dir(d)
		}
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	var roots []string
	for _, d := range dirs {
		if len(roots) > 0 {
			if _, ok := under(roots[len(roots)-1], d); ok {
				continue
			}
		}
		roots = append(roots, d)
	}
	return roots
}

// under returns p relative to dir when p is dir or inside it.
func under(dir, p string) (string, bool) {
	rel, err := filepath.Rel(dir, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return rel, true
}

// Change is one changed path as it is after the burst it was part of.
type Change struct {
	Path   string // absolute
	Exists bool   // false: deleted (or renamed away)
	IsDir  bool
}

// Stat looks at each path of a batch. A path the batch saw created and that is gone again is
// left out: nothing outside the batch ever saw it, so there is nothing to delete, and a
// reload report naming sed's or an editor's temporary file would be noise.
func Stat(batch []Event) []Change {
	out := make([]Change, 0, len(batch))
	for _, ev := range batch {
		st, err := os.Stat(ev.Path)
		if err != nil && ev.Created {
			continue
		}
		out = append(out, Change{Path: ev.Path, Exists: err == nil, IsDir: err == nil && st.IsDir()})
	}
	return out
}

// SyncFile is one path to copy into, or delete from, a container.
type SyncFile struct {
	Host      string
	Container string
	Delete    bool
	IsDir     bool
}

// Action is what one service does about one batch: rebuild, or sync files and then restart
// and/or run commands. Files are the changed paths that asked for it.
type Action struct {
	Service string
	Rebuild bool
	Restart bool
	Sync    []SyncFile
	Exec    []types.ServiceHook
	Files   []string
	// Initial marks the initial sync at the start of watching, not a reaction to a save.
	Initial bool
}

// Merge adds b to a (both of one service), for a batch that arrives while a's reload is still
// waiting to run.
func (a *Action) Merge(b Action) {
	a.Rebuild = a.Rebuild || b.Rebuild
	a.Restart = a.Restart || b.Restart
	a.Initial = a.Initial && b.Initial // a save merged in makes it a reaction to that save
	a.Files = appendNew(a.Files, b.Files...)
	for _, f := range b.Sync {
		a.Sync = slices.DeleteFunc(a.Sync, func(g SyncFile) bool { return g.Container == f.Container })
		a.Sync = append(a.Sync, f)
	}
	for _, h := range b.Exec {
		if !slices.ContainsFunc(a.Exec, func(g types.ServiceHook) bool { return slices.Equal(g.Command, h.Command) }) {
			a.Exec = append(a.Exec, h)
		}
	}
	if a.Rebuild {
		a.Restart, a.Sync, a.Exec = false, nil, nil
	}
}

// Name is how a report names the action, e.g. "sync+restart" or "initial sync".
func (a Action) Name() string {
	if a.Rebuild {
		return "rebuild"
	}
	var parts []string
	if len(a.Sync) > 0 {
		parts = append(parts, "sync")
	}
	if a.Restart {
		parts = append(parts, "restart")
	}
	if len(a.Exec) > 0 {
		parts = append(parts, "exec")
	}
	name := strings.Join(parts, "+")
	if a.Initial {
		return "initial " + name
	}
	return name
}

func appendNew(list []string, items ...string) []string {
	for _, it := range items {
		if !slices.Contains(list, it) {
			list = append(list, it)
		}
	}
	return list
}

// Plan turns a batch of changes into at most one action per service, sorted by service. A
// path matches every rule whose path it is in, minus the rule's ignores; of a service's
// matches, a rebuild wins over everything (the new container has every change). A sync that a
// bind mount covers is no action at all.
func Plan(rules []Rule, changes []Change) []Action {
	by := map[string]*Action{}
	for _, c := range changes {
		for _, r := range rules {
			rel, ok := r.covers(c.Path)
			if !ok {
				continue
			}
			a := by[r.Service]
			if a == nil {
				a = &Action{Service: r.Service}
				by[r.Service] = a
			}
			b := Action{Service: r.Service, Files: []string{c.Path}}
			switch r.Action {
			case types.WatchActionRebuild:
				b.Rebuild = true
			case types.WatchActionRestart:
				b.Restart = true
			case types.WatchActionSync, types.WatchActionSyncRestart, types.WatchActionSyncExec:
				// A deleted rule root is left alone in the container: with target "/" that
				// would be rm -rf / (and a vanished source folder is more often a checkout
				// in progress than a wish to empty the container's).
				if !r.Mounted && (c.Exists || rel != ".") {
					b.Sync = []SyncFile{{Host: c.Path, Container: path.Join(r.Target, filepath.ToSlash(rel)), Delete: !c.Exists, IsDir: c.IsDir}}
				}
				b.Restart = r.Action == types.WatchActionSyncRestart
				if r.Action == types.WatchActionSyncExec {
					b.Exec = []types.ServiceHook{r.Exec}
				}
			}
			a.Merge(b)
		}
	}
	out := make([]Action, 0, len(by))
	for _, name := range slices.Sorted(maps.Keys(by)) {
		a := by[name]
		if !a.Rebuild && !a.Restart && len(a.Sync) == 0 && len(a.Exec) == 0 {
			continue // synced by a bind mount already
		}
		sort.Slice(a.Sync, func(i, j int) bool { return a.Sync[i].Container < a.Sync[j].Container })
		out = append(out, *a)
	}
	return out
}
