package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/fsnotify/fsnotify"
)

// LimitError is the kernel refusing another watch: the per-user inotify limits are low on many
// distributions, and a watcher that stopped silently would be worse than none.
type LimitError struct {
	Path  string
	Err   error
	Watch bool // the per-user watch count (else the instance count) ran out
}

func (e *LimitError) Error() string {
	what := "inotify instances"
	if e.Watch {
		what = "inotify watches"
	}
	return fmt.Sprintf("watch %s: out of %s: %v", e.Path, what, e.Err)
}

func (e *LimitError) Unwrap() error { return e.Err }

// Hint says how to raise the limit that ran out.
func (e *LimitError) Hint() string {
	key, value := "fs.inotify.max_user_instances", "512"
	if e.Watch {
		key, value = "fs.inotify.max_user_watches", "524288"
	}
	return fmt.Sprintf("raise the limit: sudo sysctl -w %s=%s (keep it across reboots: echo %s=%s | sudo tee /etc/sysctl.d/90-devenv.conf), "+
		"or ignore big generated folders with watch.ignore in devenv.yaml", key, value, key, value)
}

func limitError(path string, err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return &LimitError{Path: path, Err: err, Watch: true}
	case errors.Is(err, syscall.EMFILE):
		return &LimitError{Path: path, Err: err}
	}
	return fmt.Errorf("watch %s: %w", path, err)
}

// Event is one changed path. Created is set when the change brought the path into being (a
// file or folder created, or renamed to this name): such a path that is gone again by the
// time its batch is applied never existed as far as a reload is concerned, like the temporary
// file an editor or sed -i writes and renames over the original.
type Event struct {
	Path    string
	Created bool
}

// Watcher watches directory trees recursively with one fsnotify watcher: directories created
// later are watched as they appear (and their files reported, since they may have been written
// before the watch was in place), deleted or moved-away ones are dropped, ignored ones never
// watched.
type Watcher struct {
	fs      *fsnotify.Watcher
	ignore  *Ignorer
	watched map[string]bool // directories with a watch; only Run's goroutine touches it after New
	// dirs is len(watched), for Dirs, which other goroutines call while Run changes the map.
	dirs atomic.Int64
}

// NewWatcher watches every root (a directory, recursively) except what ignore excludes.
func NewWatcher(roots []string, ignore *Ignorer) (*Watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, limitError("files", err)
	}
	w := &Watcher{fs: fw, ignore: ignore, watched: map[string]bool{}}
	for _, r := range roots {
		if err := w.addTree(r, nil); err != nil {
			_ = fw.Close()
			return nil, err
		}
	}
	return w, nil
}

// Dirs is how many directories are watched.
func (w *Watcher) Dirs() int { return int(w.dirs.Load()) }

// addTree watches dir and every directory below it; found, if not nil, receives each path
// found in it (files that appeared before the watch did).
func (w *Watcher) addTree(dir string, found func(Event)) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // gone again already
			}
			return err
		}
		if path != dir && w.ignore.Ignored(path) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			if found != nil {
				found(Event{Path: path, Created: true})
			}
			return nil
		}
		if w.watched[path] {
			return nil
		}
		if err := w.ignore.LoadGitignore(path); err != nil {
			return err
		}
		if err := w.fs.Add(path); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return filepath.SkipDir
			}
			return limitError(path, err)
		}
		w.watched[path] = true
		w.dirs.Store(int64(len(w.watched)))
		if found != nil && path != dir {
			found(Event{Path: path, Created: true})
		}
		return nil
	})
}

// drop forgets dir and every watched directory below it.
func (w *Watcher) drop(dir string) {
	prefix := dir + string(filepath.Separator)
	for p := range w.watched {
		if p == dir || strings.HasPrefix(p, prefix) {
			_ = w.fs.Remove(p) // the kernel removed a deleted directory's watch already
			delete(w.watched, p)
			w.dirs.Store(int64(len(w.watched)))
		}
	}
}

// Run reports every changed path that is not ignored to changed until ctx ends or watching
// fails (a kernel limit, the watcher's queue overflowing). Run closes the watcher.
func (w *Watcher) Run(ctx context.Context, changed func(Event)) error {
	defer w.fs.Close()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err, ok := <-w.fs.Errors:
			if !ok {
				return nil
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Events were lost: the safe answer is "everything may have changed".
				for p := range w.watched {
					changed(Event{Path: p})
				}
				continue
			}
			return fmt.Errorf("watch: %w", err)
		case ev, ok := <-w.fs.Events:
			if !ok {
				return nil
			}
			if err := w.handle(ev, changed); err != nil {
				return err
			}
		}
	}
}

func (w *Watcher) handle(ev fsnotify.Event, changed func(Event)) error {
	path := filepath.Clean(ev.Name)
	if ev.Op == fsnotify.Chmod {
		return nil // touch and editors' attribute changes; the content is what reloads
	}
	if filepath.Base(path) == ".gitignore" {
		if err := w.ignore.LoadGitignore(filepath.Dir(path)); err != nil {
			return err
		}
	}
	if w.ignore.Ignored(path) {
		return nil
	}
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		if w.watched[path] {
			w.drop(path)
		}
		changed(Event{Path: path})
		return nil
	}
	created := ev.Has(fsnotify.Create)
	if created {
		if st, err := os.Lstat(path); err == nil && st.IsDir() {
			changed(Event{Path: path, Created: true})
			return w.addTree(path, changed)
		}
	}
	changed(Event{Path: path, Created: created})
	return nil
}
