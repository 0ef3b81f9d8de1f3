package watch

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// initial_sync lists the files of a sync rule minus every ignore (the defaults, .gitignore,
// the rule's own), mapped into the container; restart rules and bind-mounted syncs ignore it,
// as compose does.
func TestInitialFiles(t *testing.T) {
	dir := t.TempDir()
	for rel, content := range map[string]string{
		"web/public/index.html":     "x",
		"web/public/css/site.css":   "x",
		"web/public/node_modules/x": "x",
		"web/public/draft.tmp":      "x",
		"web/public/.gitignore":     "*.tmp\n",
		"web/server.js":             "x",
		"api/main.go":               "x",
	} {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := testProject(dir)
	for _, name := range []string{"api", "web"} {
		s := p.Services[name]
		for i := range s.Develop.Watch {
			s.Develop.Watch[i].InitialSync = true
		}
		p.Services[name] = s
	}
	rules, err := Rules(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	ig, err := NewIgnorer(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ig.LoadGitignore(filepath.Join(dir, "web", "public")); err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, r := range rules {
		files, err := InitialFiles(r, ig)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			rel, _ := filepath.Rel(dir, f.Host)
			got[r.Service] = append(got[r.Service], rel+"→"+f.Container)
		}
	}
	if len(got["api"]) != 0 {
		t.Errorf("api's restart, rebuild and bind-mounted sync rules have no initial sync: %v", got["api"])
	}
	want := []string{
		"web/public/.gitignore→/srv/public/.gitignore",
		"web/public/css/site.css→/srv/public/css/site.css",
		"web/public/index.html→/srv/public/index.html",
		"web/server.js→/srv/server.js",
	}
	if !slices.Equal(got["web"], want) {
		t.Errorf("web's initial files:\n got %v\nwant %v", got["web"], want)
	}

	// What differs becomes one action: the sync+restart rule's file brings its restart.
	a, ok := InitialAction("web", rules, []SyncFile{
		{Host: filepath.Join(dir, "web/server.js"), Container: "/srv/server.js"},
		{Host: filepath.Join(dir, "web/public/index.html"), Container: "/srv/public/index.html"},
	})
	if !ok || describe([]Action{a}, dir) != "web initial sync+restart cp:/srv/public/index.html cp:/srv/server.js (2 files);" {
		t.Errorf("initial action: %v %s", ok, describe([]Action{a}, dir))
	}
	if _, ok := InitialAction("web", rules, nil); ok {
		t.Error("nothing differs, yet an action")
	}
	// A save merged into a pending initial sync is a save's reload.
	a.Merge(Action{Service: "web", Restart: true, Files: []string{"x"}})
	if a.Name() != "sync+restart" {
		t.Errorf("merged with a save: %q", a.Name())
	}
}
