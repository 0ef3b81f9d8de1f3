package plan

import (
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// stack is the example stack's shape: api waits for a healthy mysql and a finished migration.
func stack() *types.Project {
	hc := &types.HealthCheckConfig{Test: []string{"CMD", "true"}}
	return &types.Project{
		Name:     "shop",
		Networks: types.Networks{"default": {Name: "shop_default"}},
		Volumes:  types.Volumes{"mysql-data": {Name: "shop_mysql-data"}},
		Services: types.Services{
			"mysql": {Name: "mysql", ContainerSpec: types.ContainerSpec{Image: "mysql:8.4",
				Networks: map[string]*types.ServiceNetworkConfig{"default": nil},
				Volumes:  []types.ServiceVolumeConfig{{Type: types.VolumeTypeVolume, Source: "mysql-data", Target: "/var/lib/mysql"}}},
				WorkloadSpec: types.WorkloadSpec{HealthCheck: hc}},
			"migrate": {Name: "migrate", ContainerSpec: types.ContainerSpec{Image: "acme/migrate:1",
				Networks: map[string]*types.ServiceNetworkConfig{"default": nil}},
				WorkloadSpec: types.WorkloadSpec{DependsOn: types.DependsOnConfig{"mysql": {Condition: types.ServiceConditionHealthy, Required: true}}},
				Extensions:   types.Extensions{"x-devenv": map[string]any{"job": true}}},
			"api": {Name: "api", ContainerSpec: types.ContainerSpec{Image: "shop-api:dev",
				Networks: map[string]*types.ServiceNetworkConfig{"default": nil}},
				WorkloadSpec: types.WorkloadSpec{Build: &types.BuildConfig{Context: "api"}, DependsOn: types.DependsOnConfig{
					"mysql":   {Condition: types.ServiceConditionHealthy, Required: true},
					"migrate": {Condition: types.ServiceConditionCompletedSuccessfully, Required: true},
				}}},
		},
	}
}

func hashes() map[string]string {
	return map[string]string{"mysql": "h-mysql", "migrate": "h-migrate", "api": "h-api"}
}

func running(hash string) ObservedContainer {
	return ObservedContainer{ID: "id-" + hash, ConfigHash: hash, Running: true}
}

func TestUpPlans(t *testing.T) {
	allUp := Observed{
		Containers: map[string]ObservedContainer{"mysql": running("h-mysql"), "api": running("h-api"),
			"migrate": {ID: "id-m", ConfigHash: "h-migrate", Running: false}},
		Networks: map[string]bool{"shop_default": true}, Volumes: map[string]bool{"shop_mysql-data": true},
		Images: map[string]bool{"mysql:8.4": true, "acme/migrate:1": true, "shop-api:dev": true},
	}
	tests := []struct {
		name string
		obs  Observed
		opts Options
		want string
	}{
		{
			name: "cold start: containers are created early, each starts when its own dependencies are ready",
			obs:  Observed{},
			opts: Options{Wait: true},
			want: `build:api
network:default
create:api (create) after build:api, network:default
pull:migrate
create:migrate (create) after network:default, pull:migrate
pull:mysql
volume:mysql-data
create:mysql (create) after network:default, pull:mysql, volume:mysql-data
run:mysql (create) after create:mysql
ready:mysql (healthy) after run:mysql
run:migrate (create) after create:migrate, ready:mysql
ready:migrate (completed) after run:migrate
run:api (create) after create:api, ready:migrate, ready:mysql
ready:api (started) after run:api
`,
		},
		{
			name: "warm: nothing changed, nothing to do but confirm readiness",
			obs:  allUp,
			opts: Options{},
			want: `run:mysql (keep)
ready:mysql (healthy) after run:mysql
run:migrate (keep) after ready:mysql
ready:migrate (completed) after run:migrate
run:api (keep) after ready:migrate, ready:mysql
`,
		},
		{
			name: "one changed service is recreated alone",
			obs: func() Observed {
				o := allUp
				o.Containers = map[string]ObservedContainer{"mysql": running("h-mysql"), "api": running("old"),
					"migrate": {ID: "id-m", ConfigHash: "h-migrate"}}
				return o
			}(),
			want: `create:api (recreate)
run:mysql (keep)
ready:mysql (healthy) after run:mysql
run:migrate (keep) after ready:mysql
ready:migrate (completed) after run:migrate
run:api (recreate) after create:api, ready:migrate, ready:mysql
`,
		},
		{
			name: "stopped service starts, orphan removed",
			obs: func() Observed {
				o := allUp
				o.Containers = map[string]ObservedContainer{"mysql": {ID: "m", ConfigHash: "h-mysql"}, "api": running("h-api"),
					"migrate": {ID: "id-m", ConfigHash: "h-migrate"}, "old-worker": running("x")}
				return o
			}(),
			opts: Options{RemoveOrphans: true},
			want: `remove:old-worker
run:mysql (start)
ready:mysql (healthy) after run:mysql
run:migrate (keep) after ready:mysql
ready:migrate (completed) after run:migrate
run:api (keep) after ready:migrate, ready:mysql
`,
		},
		{
			name: "selecting a service brings its dependencies, not the rest",
			obs:  Observed{},
			opts: Options{Services: []string{"migrate"}},
			want: `network:default
pull:migrate
create:migrate (create) after network:default, pull:migrate
pull:mysql
volume:mysql-data
create:mysql (create) after network:default, pull:mysql, volume:mysql-data
run:mysql (create) after create:mysql
ready:mysql (healthy) after run:mysql
run:migrate (create) after create:migrate, ready:mysql
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Up(stack(), tt.obs, hashes(), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.String(); got != tt.want {
				t.Errorf("plan:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestUpRejectsUnknownService(t *testing.T) {
	_, err := Up(stack(), Observed{}, hashes(), Options{Services: []string{"nope"}})
	if err == nil || !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), "api, migrate, mysql") {
		t.Fatalf("err = %v", err)
	}
}

func TestConfigHashIsStableAndSensitive(t *testing.T) {
	s := stack().Services["api"]
	v1, v2 := "1", "2"
	s.Environment = types.MappingWithEquals{"A": &v1, "B": &v2}
	h1 := ConfigHash(s, nil)
	// Ranging over a two-entry map gives the less likely order about one time in eight: 100
	// hashes that leak map order all agree about once in half a million runs.
	for range 100 {
		if ConfigHash(s, nil) != h1 {
			t.Fatal("hash depends on map order")
		}
	}
	s.Environment["B"] = &v1
	if ConfigHash(s, nil) == h1 {
		t.Error("env change did not change the hash")
	}
	if ConfigHash(s, map[uint32]string{3306: "3307"}) == ConfigHash(s, nil) {
		t.Error("host port change did not change the hash")
	}
}

func TestFailedJobRunsAgain(t *testing.T) {
	obs := Observed{
		Containers: map[string]ObservedContainer{"mysql": running("h-mysql"), "migrate": {ID: "m", ConfigHash: "h-migrate", ExitCode: 1}},
		Images:     map[string]bool{"mysql:8.4": true, "acme/migrate:1": true},
	}
	p, err := Up(stack(), obs, hashes(), Options{Services: []string{"migrate"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.String(), "run:migrate (start)") {
		t.Fatalf("a job that failed last time must run again:\n%s", p)
	}
}

func TestDependentsRestartOnlyWhenTheyAskToo(t *testing.T) {
	p := stack()
	api := p.Services["api"]
	api.DependsOn["mysql"] = types.ServiceDependency{Condition: types.ServiceConditionHealthy, Required: true, Restart: true}
	p.Services["api"] = api
	obs := Observed{
		Containers: map[string]ObservedContainer{"mysql": running("old-mysql"), "api": running("h-api"),
			"migrate": {ID: "id-m", ConfigHash: "h-migrate"}},
		Images: map[string]bool{"mysql:8.4": true, "acme/migrate:1": true, "shop-api:dev": true},
	}
	pl, err := Up(p, obs, hashes(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := pl.String()
	if !strings.Contains(got, "run:api (restart) after ready:migrate, ready:mysql") || !strings.Contains(got, "run:mysql (recreate)") {
		t.Errorf("api asked to follow mysql's replacement:\n%s", got)
	}
	if !strings.Contains(got, "run:migrate (keep)") {
		t.Errorf("migrate did not ask to be restarted:\n%s", got)
	}
}

func TestStaleImageIsRebuilt(t *testing.T) {
	obs := Observed{
		Containers: map[string]ObservedContainer{"mysql": running("h-mysql"), "api": running("h-api"),
			"migrate": {ID: "id-m", ConfigHash: "h-migrate"}},
		Images: map[string]bool{"mysql:8.4": true, "acme/migrate:1": true, "shop-api:dev": true},
		Stale:  map[string]bool{"api": true},
	}
	p, err := Up(stack(), obs, hashes(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.String(); !strings.Contains(got, "create:api (recreate) after build:api") || !strings.Contains(got, "run:mysql (keep)") {
		t.Errorf("a stale image must be rebuilt (and only it):\n%s", got)
	}
}

// A dependency with fixtures is seeded once healthy, and what depends on it starts after the
// seed, even when it only asked for the dependency to be started; a kept, running dependency
// is seeded too, so a new or changed fixture is applied by a plain `up`.
func TestFixturesAreSeededBeforeDependents(t *testing.T) {
	p := stack()
	mysql := p.Services["mysql"]
	mysql.Extensions = types.Extensions{"x-devenv": map[string]any{"kind": "dependency", "dependency": "mysql", "fixtures": "/src/fixtures/mysql"}}
	p.Services["mysql"] = mysql
	migrate := p.Services["migrate"]
	migrate.DependsOn = types.DependsOnConfig{"mysql": {Condition: types.ServiceConditionStarted, Required: true}}
	p.Services["migrate"] = migrate
	obs := Observed{
		Containers: map[string]ObservedContainer{"mysql": running("h-mysql"), "api": running("h-api"),
			"migrate": {ID: "id-m", ConfigHash: "h-migrate", Running: false, ExitCode: 1}},
		Networks: map[string]bool{"shop_default": true}, Volumes: map[string]bool{"shop_mysql-data": true},
		Images: map[string]bool{"mysql:8.4": true, "acme/migrate:1": true, "shop-api:dev": true},
	}
	pl, err := Up(p, obs, hashes(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := `run:mysql (keep)
ready:mysql (healthy) after run:mysql
seed:mysql after ready:mysql
run:migrate (start) after ready:mysql, seed:mysql
ready:migrate (completed) after run:migrate
run:api (keep) after ready:migrate, ready:mysql, seed:mysql
`
	if got := pl.String(); got != want {
		t.Errorf("plan:\n%s\nwant:\n%s", got, want)
	}
}

// Where fixtures are kept is not container configuration: a new fixtures folder must not
// replace a running database.
func TestConfigHashIgnoresFixtures(t *testing.T) {
	s := stack().Services["mysql"]
	s.Extensions = types.Extensions{"x-devenv": map[string]any{"kind": "dependency"}}
	before := ConfigHash(s, nil)
	s.Extensions = types.Extensions{"x-devenv": map[string]any{"kind": "dependency", "fixtures": "/src/fixtures/mysql"}}
	if after := ConfigHash(s, nil); after != before {
		t.Errorf("hash changed from %s to %s when a fixtures folder appeared", before, after)
	}
	if _, ok := s.Extensions["x-devenv"].(map[string]any)["fixtures"]; !ok {
		t.Error("ConfigHash removed fixtures from the caller's service")
	}
}

// fixtures_after: the migration job runs on the bare database, the fixtures after it, and the
// app after both. A listed service that itself waits for the fixtures would never start.
func TestFixturesAfterAMigration(t *testing.T) {
	p := stack()
	mysql := p.Services["mysql"]
	mysql.Extensions = types.Extensions{"x-devenv": map[string]any{"kind": "dependency", "dependency": "mysql",
		"fixtures": "/src/fixtures/mysql", "fixtures_after": []any{"migrate"}}}
	p.Services["mysql"] = mysql
	pl, err := Up(p, Observed{Images: map[string]bool{"mysql:8.4": true, "acme/migrate:1": true, "shop-api:dev": true},
		Networks: map[string]bool{"shop_default": true}, Volumes: map[string]bool{"shop_mysql-data": true}}, hashes(), Options{Services: []string{"mysql"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `create:migrate (create)
create:mysql (create)
run:mysql (create) after create:mysql
ready:mysql (healthy) after run:mysql
run:migrate (create) after create:migrate, ready:mysql
ready:migrate (completed) after run:migrate
seed:mysql after ready:migrate, ready:mysql
`
	if got := pl.String(); got != want {
		t.Errorf("up mysql: the job its fixtures wait for comes along\n%s\nwant:\n%s", got, want)
	}
	pl, err = Up(p, Observed{}, hashes(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := pl.String(); !strings.Contains(got, "run:api (create) after create:api, ready:migrate, ready:mysql, seed:mysql\n") ||
		!strings.Contains(got, "run:migrate (create) after create:migrate, ready:mysql\n") {
		t.Errorf("api must wait for the seed, migrate must not:\n%s", got)
	}

	// api needs the fixtures; a migration that waits for api can never run before them.
	migrate := p.Services["migrate"]
	migrate.DependsOn["api"] = types.ServiceDependency{Condition: types.ServiceConditionStarted, Required: true}
	p.Services["migrate"] = migrate
	if _, err := Up(p, Observed{}, hashes(), Options{}); err == nil || !strings.Contains(err.Error(), "wait on each other") ||
		!strings.Contains(err.Error(), "seed:mysql") {
		t.Errorf("a cycle through fixtures_after: err = %v", err)
	}
}
