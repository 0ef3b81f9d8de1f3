package watch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestGitignorePatterns(t *testing.T) {
	got := GitignorePatterns("# comment\n\n*.log\n/tmp/\nbuild/out\n!keep.log\n\\#hash\n  \n")
	want := []string{"**/*.log", "tmp", "build/out", "!**/keep.log", "**/#hash"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestIgnorer(t *testing.T) {
	root := t.TempDir()
	mustWrite(t, filepath.Join(root, ".gitignore"), "*.log\n!keep.log\n/coverage/\n")
	mustWrite(t, filepath.Join(root, "api", ".gitignore"), "gen/\n")
	mustWrite(t, filepath.Join(root, "api", ".dockerignore"), "secrets\n")
	ig, err := NewIgnorer(root, []string{"web/tmp"})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{root, filepath.Join(root, "api")} {
		if err := ig.LoadGitignore(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := ig.AddDockerignore(filepath.Join(root, "api")); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]bool{
		"api/main.go": false, "api/.git/HEAD": true, "web/node_modules/x/y.js": true, "web/dist/a.js": true,
		"app.log": true, "api/x/debug.log": true, "keep.log": false, "coverage/a": true, "api/coverage": false,
		"api/gen/x.go": true, "gen/x.go": false, "api/secrets": true, "secrets": false,
		"web/tmp/a": true, "web/src/tmp": false, "api/.main.go.swp": true, "api/main.go~": true,
	} {
		if got := ig.Ignored(filepath.Join(root, path)); got != want {
			t.Errorf("Ignored(%s) = %v, want %v", path, got, want)
		}
	}
	// A removed .gitignore no longer ignores.
	if err := os.Remove(filepath.Join(root, "api", ".gitignore")); err != nil {
		t.Fatal(err)
	}
	if err := ig.LoadGitignore(filepath.Join(root, "api")); err != nil {
		t.Fatal(err)
	}
	if ig.Ignored(filepath.Join(root, "api", "gen", "x.go")) {
		t.Error("api/gen still ignored after its .gitignore was removed")
	}
}

func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// collect runs a watcher over root and returns a function that waits for a path to be seen.
func collect(t *testing.T, root string) (*Watcher, func(string), func() []string) {
	t.Helper()
	ig, err := NewIgnorer(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWatcher([]string{root}, ig)
	if err != nil {
		t.Fatal(err)
	}
	seen := make(chan string, 10000)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, func(ev Event) { seen <- ev.Path }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	var all []string
	wait := func(want string) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			if slices.Contains(all, want) {
				return
			}
			select {
			case p := <-seen:
				all = append(all, strings.TrimPrefix(p, root+"/"))
			case <-deadline:
				t.Fatalf("never saw %s; saw %v", want, all)
			}
		}
	}
	drain := func() []string {
		for {
			select {
			case p := <-seen:
				all = append(all, strings.TrimPrefix(p, root+"/"))
			default:
				return all
			}
		}
	}
	return w, wait, drain
}

// New directories are watched with the files written into them before the watch was added;
// ignored folders are neither watched nor reported; an atomic save (temp file renamed over
// the original) reports the original's path.
func TestWatcherFollowsTheTree(t *testing.T) {
	root := t.TempDir()
	mustWrite(t, filepath.Join(root, "node_modules", "dep", "index.js"), "x")
	mustWrite(t, filepath.Join(root, "main.go"), "package main")
	w, wait, drain := collect(t, root)
	if w.Dirs() != 1 {
		t.Fatalf("watching %d directories; node_modules must not be watched", w.Dirs())
	}
	mustWrite(t, filepath.Join(root, "a", "b", "c.go"), "x")
	wait("a/b/c.go")
	mustWrite(t, filepath.Join(root, "a", "b", "d.go"), "x") // the new directory is watched
	wait("a/b/d.go")
	mustWrite(t, filepath.Join(root, "node_modules", "dep", "other.js"), "x")
	tmp := filepath.Join(root, "main.go.tmp123")
	mustWrite(t, tmp, "package main // saved")
	if err := os.Rename(tmp, filepath.Join(root, "main.go")); err != nil {
		t.Fatal(err)
	}
	wait("main.go")
	if err := os.RemoveAll(filepath.Join(root, "a")); err != nil {
		t.Fatal(err)
	}
	wait("a")
	mustWrite(t, filepath.Join(root, "z.go"), "x")
	wait("z.go")
	for _, p := range drain() {
		if strings.HasPrefix(p, "node_modules") {
			t.Errorf("an ignored path was reported: %s", p)
		}
	}
	if w.Dirs() != 1 {
		t.Errorf("watching %d directories after a/ was removed, want 1", w.Dirs())
	}
}

// A .gitignore written while watching takes effect at once.
func TestWatcherReloadsGitignore(t *testing.T) {
	root := t.TempDir()
	_, wait, drain := collect(t, root)
	mustWrite(t, filepath.Join(root, ".gitignore"), "*.tmp\n")
	wait(".gitignore")
	mustWrite(t, filepath.Join(root, "x.tmp"), "x")
	mustWrite(t, filepath.Join(root, "y.go"), "x")
	wait("y.go")
	if slices.Contains(drain(), "x.tmp") {
		t.Error("x.tmp reported after .gitignore ignored it")
	}
}

func TestLimitErrorNamesTheSysctl(t *testing.T) {
	err := limitError("/src", syscall.ENOSPC)
	var le *LimitError
	if !errors.As(err, &le) || !strings.Contains(le.Hint(), "fs.inotify.max_user_watches") {
		t.Fatalf("%v: %v", err, le)
	}
	if err := limitError("/src", syscall.EMFILE); !errors.As(err, &le) || !strings.Contains(le.Hint(), "max_user_instances") {
		t.Fatalf("EMFILE: %v", err)
	}
}
