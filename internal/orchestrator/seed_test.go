package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/devenv/devenv/internal/engine/enginetest"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/dependency"
	"github.com/devenv/devenv/internal/events"
	"github.com/devenv/devenv/internal/seed"
)

// seededProject makes testProject's db a MySQL dependency with fixtures.
func seededProject() *types.Project {
	p := testProject()
	db := p.Services["db"]
	db.Extensions = types.Extensions{"x-devenv": map[string]any{"kind": "dependency", "dependency": "mysql", "fixtures": "/src/fixtures/mysql"}}
	pw, user, root, name := "s3cret", "shop", "r00t", "shopdb"
	db.Environment = types.MappingWithEquals{"MYSQL_PASSWORD": &pw, "MYSQL_USER": &user, "MYSQL_ROOT_PASSWORD": &root, "MYSQL_DATABASE": &name}
	p.Services["db"] = db
	return p
}

// fakeSeeder records its calls; with waitFor it first waits (at most a few seconds) for that call
// to happen, which proves the call does not itself wait for the seed.
func fakeSeeder(f *enginetest.Fake, err error, waitFor ...string) SeederFunc {
	return func(_ context.Context, kind dependency.Kind, at dependency.Endpoint, dir string, opts seed.Options) (seed.Result, error) {
		for _, call := range waitFor {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err := f.WaitCall(ctx, call)
			cancel()
			if err != nil {
				return seed.Result{}, fmt.Errorf("while the seed ran: %w", err)
			}
		}
		f.Record(fmt.Sprintf("seed %s %s %s reset=%v", kind.Name, at.Addr(kind.Port), dir, opts.Reset))
		f.Record(fmt.Sprintf("seed settings %v", at.Settings))
		if err != nil {
			return seed.Result{}, err
		}
		opts.Report(seed.Progress{File: "fixtures/mysql/01.sql"})
		return seed.Result{Applied: []string{"fixtures/mysql/01.sql"}, UpToDate: 1}, nil
	}
}

func TestUpSeedsADependencyBeforeWhatDependsOnIt(t *testing.T) {
	f := newFakeEngine()
	f.Publish("db", 3306, 13306)
	f.HealthyOnStart("db")
	rec := &events.Recorder{}
	o := newTestOrchestrator(f, rec)
	// cache depends on nothing: it starts while the seed runs.
	o.seeder = fakeSeeder(f, nil, "start cache")
	if err := o.Up(context.Background(), seededProject(), UpOptions{Wait: true}); err != nil {
		t.Fatal(err)
	}
	seedCall := "seed mysql 127.0.0.1:13306 /src/fixtures/mysql reset=false"
	if i, j := f.IndexOf(seedCall), f.IndexOf("start migrate"); i < 0 || j < 0 || i > j {
		t.Errorf("%q (at %d) must come before migrate starts (at %d); calls: %v", seedCall, i, j, f.Calls())
	}
	// The login comes from the container's environment, as a project from a compose file has it.
	if settings := "seed settings map[database:shopdb password:s3cret root_password:r00t user:shop]"; f.IndexOf(settings) < 0 {
		t.Errorf("no %q; calls: %v", settings, f.Calls())
	}
	var got []string
	for _, e := range rec.Events() {
		if e.Kind == events.Seeding || e.Kind == events.Seeded {
			got = append(got, string(e.Kind)+" "+e.Message)
		}
	}
	if want := "seeding fixtures/mysql/01.sql|seeded applied 1 fixture file, 1 up to date"; strings.Join(got, "|") != want {
		t.Errorf("seed events = %q, want %q", strings.Join(got, "|"), want)
	}
}

func TestUpFailsOnAFixtureAndStartsNoDependent(t *testing.T) {
	f := newFakeEngine()
	f.Publish("db", 3306, 13306)
	f.HealthyOnStart("db")
	o := newTestOrchestrator(f, &events.Recorder{})
	bad := &seed.FileError{File: "fixtures/mysql/02_data.sql", Line: 7, Err: errors.New("Error 1146: Table 'app.userz' doesn't exist"), Fix: "fix the statement"}
	o.seeder = fakeSeeder(f, bad)
	err := o.Up(context.Background(), seededProject(), UpOptions{Wait: true})
	var se *ServiceError
	if !errors.As(err, &se) || se.Step != "seed" || se.Service != "db" || !strings.Contains(err.Error(), "fixtures/mysql/02_data.sql:7:") || se.Hint() != "fix the statement" {
		t.Fatalf("err = %v (hint %q), want the seed failure of db with its file and line", err, se.Hint())
	}
	if f.IndexOf("start migrate") >= 0 {
		t.Errorf("migrate started although db's fixtures failed: %v", f.Calls())
	}
}

func TestSeedChecksItsTargets(t *testing.T) {
	f := newFakeEngine()
	o := newTestOrchestrator(f, &events.Recorder{})
	o.seeder = fakeSeeder(f, nil)
	p := seededProject()
	for _, tt := range []struct {
		deps []string
		want string
	}{
		{[]string{"cache"}, "cache is not a dependency of project shop (dependencies: db)"},
		{nil, "db is not running"},
	} {
		err := o.Seed(context.Background(), p, SeedOptions{Dependencies: tt.deps})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Seed(%v) = %v, want %q", tt.deps, err, tt.want)
		}
	}
	if err := o.Seed(context.Background(), testProject(), SeedOptions{}); err == nil || !strings.Contains(err.Error(), "nothing to seed") {
		t.Errorf("Seed of a project without fixtures = %v, want nothing to seed", err)
	}
}

func TestSeedResetsARunningDependency(t *testing.T) {
	f := newFakeEngine()
	f.Publish("db", 3306, 13306)
	f.HealthyOnStart("db")
	o := newTestOrchestrator(f, &events.Recorder{})
	o.seeder = fakeSeeder(f, nil)
	p := seededProject()
	if err := o.Up(context.Background(), p, UpOptions{Services: []string{"db"}, Wait: true}); err != nil {
		t.Fatal(err)
	}
	if err := o.Seed(context.Background(), p, SeedOptions{Dependencies: []string{"db"}, Reset: true}); err != nil {
		t.Fatal(err)
	}
	if f.IndexOf("seed mysql 127.0.0.1:13306 /src/fixtures/mysql reset=true") < 0 {
		t.Errorf("no reset seed; calls: %v", f.Calls())
	}
}

// The confirmation of `seed --reset` says what the kind's reset deletes, for the dependencies
// it would reset.
func TestResetScopeSaysWhatEachKindDeletes(t *testing.T) {
	p := seededProject()
	scope, err := ResetScope(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	mysql, _ := dependency.Lookup("mysql")
	if want := []string{"db: " + mysql.Reset}; len(scope) != 1 || scope[0] != want[0] {
		t.Errorf("scope = %q, want %q", scope, want)
	}
	if _, err := ResetScope(p, []string{"cache"}); err == nil || !strings.Contains(err.Error(), "cache is not a dependency") {
		t.Errorf("a name that is no dependency: %v", err)
	}
}
