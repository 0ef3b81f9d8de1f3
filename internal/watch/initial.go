package watch

import (
	"errors"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
)

// InitialFiles lists what an initial sync of r compares with the container: every file and
// symlink under the rule's path that neither ig nor the rule ignores, with its container path.
// A rule without initial_sync, or a path that does not exist, has none.
func InitialFiles(r Rule, ig *Ignorer) ([]SyncFile, error) {
	if !r.InitialSync {
		return nil, nil
	}
	var out []SyncFile
	err := filepath.WalkDir(r.Path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		rel, ok := r.covers(p)
		if p != r.Path && (!ok || ig.Ignored(p)) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		target := r.Target
		if rel != "." {
			target = path.Join(r.Target, filepath.ToSlash(rel))
		}
		out = append(out, SyncFile{Host: p, Container: target})
		return nil
	})
	return out, err
}

// InitialAction is what an initial sync of one service does when files differ: what Plan
// makes of them saved just now under the service's initial_sync rules (the sync, plus the
// restart of a sync+restart rule or the command of a sync+exec one), marked Initial.
func InitialAction(service string, rules []Rule, differ []SyncFile) (Action, bool) {
	var initial []Rule
	for _, r := range rules {
		if r.Service == service && r.InitialSync {
			initial = append(initial, r)
		}
	}
	changes := make([]Change, len(differ))
	for i, f := range differ {
		changes[i] = Change{Path: f.Host, Exists: true}
	}
	for _, a := range Plan(initial, changes) {
		a.Initial = true
		sort.Strings(a.Files)
		return a, true
	}
	return Action{}, false
}
