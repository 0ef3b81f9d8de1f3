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
	for range 2 { // the same output every time, whatever the map iteration order
		out.Reset()
		if err := runConfig(context.Background(), f, &ConfigOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	got := strings.ReplaceAll(out.String(), dir, "<dir>")
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
