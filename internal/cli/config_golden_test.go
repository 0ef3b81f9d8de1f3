package cli

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output")

// The golden file is the whole `devenv config` output for a project using every feature: any
// change to what devenv generates shows up as a reviewable diff (go test ./internal/cli -update).
func TestConfigGolden(t *testing.T) {
	dir, err := filepath.Abs("testdata/config")
	if err != nil {
		t.Fatal(err)
	}
	streams, out, _ := testStreams()
	f := newFactory(streams, BuildInfo{})
	f.getwd = func() (string, error) { return dir, nil }
	f.environ = func() []string { return nil }
	// The same output every run. Go's map order changes from run to run, so a map that reaches
	// the output unsorted shows up as a run that differs from the first: each run here has at
	// least a one-in-eight chance of showing a two-entry map reversed, so 40 runs miss such a
	// leak less than once in 200 times (and the golden file is one more chance).
	var got string
	for run := range 40 {
		out.Reset()
		if err := runConfig(context.Background(), f, &ConfigOptions{}); err != nil {
			t.Fatal(err)
		}
		if run == 0 {
			got = out.String()
		} else if out.String() != got {
			t.Fatalf("run %d printed something else than the first: map order leaks into devenv config\n--- first:\n%s\n--- run %d:\n%s", run+1, got, run+1, out)
		}
	}
	got = strings.ReplaceAll(got, dir, "<dir>")
	golden := filepath.Join("testdata", "config", "config.golden.yaml")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/cli -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("devenv config output changed; if intended, run go test ./internal/cli -update\n--- got:\n%s", got)
	}
}
