package watch

import (
	"errors"
	"io/fs"
	"path"
	"path/filepath"
	"sort"

	"github.com/compose-spec/compose-go/v2/types"
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

// InitialAction is what an initial sync of one service does when files differ: the rules'
// sync, with the restart of a sync+restart rule and the command of a sync+exec one whose files
// are among them, as if they had just been saved.
func InitialAction(service string, rules []Rule, differ []SyncFile) (Action, bool) {
	a := Action{Service: service, Initial: true}
	for _, f := range differ {
		for _, r := range rules {
			if r.Service != service || !r.InitialSync {
				continue
			}
			if _, ok := r.covers(f.Host); !ok {
				continue
			}
			b := Action{Service: service, Initial: true, Files: []string{f.Host}, Sync: []SyncFile{f}, Restart: r.Action == types.WatchActionSyncRestart}
			if r.Action == types.WatchActionSyncExec {
				b.Exec = []types.ServiceHook{r.Exec}
			}
			a.Merge(b)
			break
		}
	}
	sort.Slice(a.Sync, func(i, j int) bool { return a.Sync[i].Container < a.Sync[j].Container })
	sort.Strings(a.Files)
	return a, len(a.Sync) > 0
}
