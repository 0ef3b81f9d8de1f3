package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	tests := []struct {
		name        string
		files       map[string]string // the tree, relative to a temp root
		start       string            // where the command runs, relative to the root
		want        string            // the file found, relative to the root; "" for not found
		composeOnly bool
	}{
		{name: "devenv.yaml in the directory", files: map[string]string{"devenv.yaml": ""}, start: ".", want: "devenv.yaml"},
		{name: "devenv.yml", files: map[string]string{"devenv.yml": ""}, start: ".", want: "devenv.yml"},
		{name: "devenv.yaml before devenv.yml", files: map[string]string{"devenv.yml": "", "devenv.yaml": ""}, start: ".", want: "devenv.yaml"},
		{name: "walks up from a nested directory",
			files: map[string]string{"devenv.yaml": "", "api/internal/db/": ""}, start: "api/internal/db", want: "devenv.yaml"},
		{name: "the nearest parent wins",
			files: map[string]string{"devenv.yaml": "", "sub/devenv.yaml": "", "sub/deeper/": ""}, start: "sub/deeper", want: "sub/devenv.yaml"},
		{name: "compose file in the directory: compose-only",
			files: map[string]string{"compose.yaml": ""}, start: ".", want: "compose.yaml", composeOnly: true},
		{name: "compose files in compose's order",
			files: map[string]string{"docker-compose.yml": "", "compose.yml": ""}, start: ".", want: "compose.yml", composeOnly: true},
		{name: "a devenv.yaml up the tree wins over a compose file here",
			files: map[string]string{"devenv.yaml": "", "svc/docker-compose.yaml": ""}, start: "svc", want: "devenv.yaml"},
		{name: "compose files are not looked for in parents",
			files: map[string]string{"compose.yaml": "", "sub/": ""}, start: "sub", want: ""},
		{name: "a directory named devenv.yaml is not a config",
			files: map[string]string{"devenv.yaml/": "", "compose.yaml": ""}, start: ".", want: "compose.yaml", composeOnly: true},
		{name: "nothing", files: map[string]string{"src/": ""}, start: "src", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeFiles(t, root, tt.files)
			start := filepath.Join(root, tt.start)
			if tt.want == "" {
				skipIfConfigAbove(t, root)
			}
			path, composeOnly, err := Find(start)
			if tt.want == "" {
				var nf *NotFoundError
				if !errors.As(err, &nf) || nf.Dir != start {
					t.Fatalf("Find = %q, %v; want a *NotFoundError for %s", path, err, start)
				}
				if !strings.Contains(err.Error(), start) || !strings.Contains(nf.Hint(), "devenv.yaml") || !strings.Contains(nf.Hint(), "-f") {
					t.Errorf("error %q / fix %q should name the directory, devenv.yaml and -f", err, nf.Hint())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(root, tt.want); path != want || composeOnly != tt.composeOnly {
				t.Errorf("Find = %q, composeOnly %v; want %q, %v", path, composeOnly, want, tt.composeOnly)
			}
		})
	}
}

func TestFindRelativeDirGivesAnAbsolutePath(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"devenv.yaml": "", "web/": ""})
	t.Chdir(root)
	path, _, err := Find("web")
	if err != nil || path != filepath.Join(root, "devenv.yaml") {
		t.Errorf("Find = %q, %v", path, err)
	}
}

func TestFindNotADirectory(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"file": ""})
	if _, _, err := Find(filepath.Join(root, "file")); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("err = %v", err)
	}
	if _, _, err := Find(filepath.Join(root, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want not exist", err)
	}
}

// skipIfConfigAbove skips a not-found case on a machine that has a devenv.yaml above the temp
// directory: Find would rightly find it.
func skipIfConfigAbove(t *testing.T, dir string) {
	t.Helper()
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		for _, n := range FileNames() {
			if _, err := os.Stat(filepath.Join(d, n)); err == nil {
				if os.Getenv("CI") == "true" {
					t.Fatalf("%s exists above the test's temp directory on a CI machine: remove it", filepath.Join(d, n))
				}
				t.Skipf("%s exists above the test's temp directory", filepath.Join(d, n))
			}
		}
		if d == filepath.Dir(d) {
			return
		}
	}
}
