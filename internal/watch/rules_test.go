package watch

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

func testProject(dir string) *types.Project {
	api := types.ServiceConfig{Name: "api", Develop: &types.DevelopConfig{Watch: []types.Trigger{
		{Path: "api", Action: types.WatchActionRestart, Ignore: []string{"*_test.go"}},
		{Path: "api/go.mod", Action: types.WatchActionRebuild},
		{Path: "api", Action: types.WatchActionSync, Target: "/src"}, // the bind mount covers it
	}}}
	api.Build = &types.BuildConfig{Context: filepath.Join(dir, "api")}
	api.Volumes = []types.ServiceVolumeConfig{{Type: types.VolumeTypeBind, Source: filepath.Join(dir, "api"), Target: "/src"}}
	web := types.ServiceConfig{Name: "web", Develop: &types.DevelopConfig{Watch: []types.Trigger{
		{Path: "web/public", Action: types.WatchActionSync, Target: "/srv/public"},
		{Path: "web/conf", Action: types.WatchActionSyncExec, Target: "/etc/app", Exec: types.ServiceHook{Command: []string{"kill", "-HUP", "1"}}},
		{Path: "web/server.js", Action: types.WatchActionSyncRestart, Target: "/srv/server.js"},
	}}}
	web.Image = "node:20"
	db := types.ServiceConfig{Name: "db"}
	db.Image = "mysql:8.4"
	return &types.Project{Name: "p", WorkingDir: dir, Services: types.Services{"api": api, "web": web, "db": db}}
}

func describe(actions []Action, dir string) string {
	var b strings.Builder
	for _, a := range actions {
		fmt.Fprintf(&b, "%s %s", a.Service, a.Name())
		for _, s := range a.Sync {
			op := "cp"
			if s.Delete {
				op = "rm"
			}
			fmt.Fprintf(&b, " %s:%s", op, s.Container)
		}
		for _, e := range a.Exec {
			fmt.Fprintf(&b, " exec:%s", strings.Join(e.Command, " "))
		}
		fmt.Fprintf(&b, " (%d files);", len(a.Files))
	}
	return b.String()
}

func TestPlan(t *testing.T) {
	dir := t.TempDir()
	rules, err := Rules(testProject(dir), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rules[2].Mounted || rules[3].Mounted {
		t.Fatalf("bind mount coverage: %+v", rules)
	}
	at := func(p string, exists bool) Change { return Change{Path: filepath.Join(dir, p), Exists: exists} }
	for _, tc := range []struct {
		name    string
		changes []Change
		want    string
	}{
		{"source edit restarts", []Change{at("api/main.go", true)}, "api restart (1 files);"},
		{"test file is ignored", []Change{at("api/main_test.go", true)}, ""},
		{"go.mod rebuilds, nothing else", []Change{at("api/main.go", true), at("api/go.mod", true)}, "api rebuild (2 files);"},
		{"outside every rule", []Change{at("README.md", true), at("db/x", true)}, ""},
		{"a burst is one action per service", func() []Change {
			var cs []Change
			for i := range 1000 {
				cs = append(cs, at(fmt.Sprintf("api/pkg/f%d.go", i), true), at(fmt.Sprintf("web/public/f%d.css", i), true))
			}
			return cs
		}(), "api restart (1000 files);web sync"},
		{"sync creates and deletes", []Change{at("web/public/a.css", true), at("web/public/old.css", false)}, "web sync cp:/srv/public/a.css rm:/srv/public/old.css (2 files);"},
		{"sync+exec", []Change{at("web/conf/app.ini", true)}, "web sync+exec cp:/etc/app/app.ini exec:kill -HUP 1 (1 files);"},
		{"sync+restart of a file rule", []Change{at("web/server.js", true)}, "web sync+restart cp:/srv/server.js (1 files);"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := describe(Plan(rules, tc.changes), dir)
			if !strings.HasPrefix(got, tc.want) || (tc.want == "" && got != "") {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestRulesErrors(t *testing.T) {
	for _, tc := range []struct {
		trigger types.Trigger
		image   bool
		want    string
	}{
		{types.Trigger{Path: "x", Action: types.WatchActionSync}, false, "needs target"},
		{types.Trigger{Path: "x", Action: types.WatchActionSyncExec, Target: "/x"}, false, "needs exec.command"},
		{types.Trigger{Path: "x", Action: types.WatchActionRebuild}, true, "needs a build section"},
		{types.Trigger{Path: "x", Action: "reload"}, false, `unknown action "reload"`},
	} {
		s := types.ServiceConfig{Name: "svc", Develop: &types.DevelopConfig{Watch: []types.Trigger{tc.trigger}}}
		if tc.image {
			s.Image = "redis:7"
		} else {
			s.Build = &types.BuildConfig{Context: "."}
		}
		_, err := Rules(&types.Project{WorkingDir: "/p", Services: types.Services{"svc": s}}, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "service svc: develop.watch[0]") {
			t.Errorf("%+v: %v, want %q", tc.trigger, err, tc.want)
		}
	}
}

func TestRoots(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"api", "web/public", "web/conf"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	rules, err := Rules(testProject(dir), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range Roots(rules) {
		got = append(got, strings.TrimPrefix(r, dir))
	}
	// api/go.mod does not exist: its folder is watched, which api covers already; web/server.js
	// neither: web covers web/public and web/conf.
	if want := []string{"/api", "/web"}; !slices.Equal(got, want) {
		t.Fatalf("roots = %v, want %v", got, want)
	}
}

func TestMergeRebuildWins(t *testing.T) {
	a := Action{Service: "s", Restart: true, Sync: []SyncFile{{Container: "/a"}}, Files: []string{"x"}}
	a.Merge(Action{Service: "s", Sync: []SyncFile{{Container: "/a", Delete: true}}, Files: []string{"x", "y"}})
	if len(a.Sync) != 1 || !a.Sync[0].Delete || len(a.Files) != 2 {
		t.Fatalf("later sync of a path must replace the earlier: %+v", a)
	}
	a.Merge(Action{Service: "s", Rebuild: true})
	if a.Name() != "rebuild" || a.Restart || a.Sync != nil {
		t.Fatalf("rebuild must absorb the rest: %+v", a)
	}
}

// sed -i writes a temporary file and renames it over the original: the batch holds both
// paths, and only the original is a change.
func TestStatDropsPathsCreatedAndGoneInTheBatch(t *testing.T) {
	dir := t.TempDir()
	mainGo := filepath.Join(dir, "main.go")
	if err := os.WriteFile(mainGo, []byte("package main"), 0o644); err != nil {
		t.Fatal(err)
	}
	batch := []Event{
		{Path: filepath.Join(dir, "sedfZGo1G"), Created: true}, // renamed over main.go
		{Path: mainGo, Created: true},                          // the rename's new name
		{Path: filepath.Join(dir, "old.go")},                   // existed before: deleted
	}
	got := Stat(batch)
	want := []Change{{Path: mainGo, Exists: true}, {Path: filepath.Join(dir, "old.go")}}
	if !slices.Equal(got, want) {
		t.Fatalf("Stat = %+v, want %+v", got, want)
	}
}
