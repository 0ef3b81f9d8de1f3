package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Every kind of mistake a user can make in devenv.yaml, each with the exact place (file, line,
// column of the key or list item) and key path the message must name.
func TestLoadReportsEachProblemWithFileLineAndKey(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  []string
		want []string
	}{
		{
			name: "yaml syntax error has the parser's line",
			yaml: "services:\n  web:\n    image: x\n    command: echo a: b\n",
			want: []string{`devenv.yaml:4: invalid YAML: mapping values are not allowed in this context`},
		},
		{
			name: "tab indentation",
			yaml: "services:\n  web:\n\timage: x\n",
			want: []string{`devenv.yaml:3: invalid YAML: found character that cannot start any token`},
		},
		{
			name: "more than one document",
			yaml: "services:\n  web: {image: x}\n---\nname: other\n",
			want: []string{`devenv.yaml:3:1: more than one YAML document (---) in the file`},
		},
		{
			name: "file that is not a mapping",
			yaml: "- web\n- api\n",
			want: []string{`devenv.yaml:1:1: the file must be a mapping of keys (name, services, dependencies, ...), not a list`},
		},
		{
			name: "unknown top-level key, and nothing-to-run is not piled on",
			yaml: "servics:\n  web:\n    image: x\n",
			want: []string{`devenv.yaml:1:1: servics: unknown key "servics" (did you mean services?)`},
		},
		{
			name: "unknown service key",
			yaml: "services:\n  web:\n    image: x\n    prots: [\"80\"]\n",
			want: []string{`devenv.yaml:4:5: services.web.prots: unknown key "prots" (did you mean ports?)`},
		},
		{
			name: "unknown key with nothing close",
			yaml: "services:\n  web:\n    image: x\n    resources: {disk: 1}\n",
			want: []string{`devenv.yaml:4:17: services.web.resources.disk: unknown key "disk"`},
		},
		{
			name: "compose spelling of a devenv key",
			yaml: "services:\n  web:\n    image: x\n    environment: {A: b}\n",
			want: []string{`devenv.yaml:4:5: services.web.environment: unknown key "environment" (devenv calls it env)`},
		},
		{
			name: "key set twice",
			yaml: "services:\n  web:\n    image: x\n  web:\n    image: y\n",
			want: []string{`devenv.yaml:4:3: services.web: "web" is set twice (first on line 2)`},
		},
		{
			name: "scalar where a list is expected",
			yaml: "services:\n  web:\n    image: x\n    ports: 8080\n",
			want: []string{`devenv.yaml:4:5: services.web.ports: expected a list, got the number 8080`},
		},
		{
			name: "list item of the wrong type",
			yaml: "services:\n  web:\n    image: x\n    ports:\n      - {target: 80}\n",
			want: []string{`devenv.yaml:5:9: services.web.ports[0]: expected a string, number or true/false, got a mapping`},
		},
		{
			name: "cpus not a number",
			yaml: "services:\n  web:\n    image: x\n    resources:\n      cpus: lots\n",
			want: []string{`devenv.yaml:5:7: services.web.resources.cpus: expected a number, got the string "lots"`},
		},
		{
			name: "job not a bool",
			yaml: "services:\n  web:\n    image: x\n    job: maybe\n",
			want: []string{`devenv.yaml:4:5: services.web.job: expected true or false, got the string "maybe"`},
		},
		{
			name: "dependency port not a number",
			yaml: "dependencies:\n  mysql:\n    port: high\n",
			want: []string{`devenv.yaml:3:5: dependencies.mysql.port: expected a whole number, got the string "high"`},
		},
		{
			name: "services as a list",
			yaml: "services:\n  - web\n",
			want: []string{`devenv.yaml:1:1: services: expected a mapping, got a list`},
		},
		{
			name: "env value that is a list",
			yaml: "services:\n  web:\n    image: x\n    env:\n      OK: 1\n      BAD: [a, b]\n",
			want: []string{`devenv.yaml:6:7: services.web.env.BAD: expected a string, number or true/false, got a list`},
		},
		{
			name: "env list entry without =",
			yaml: "services:\n  web:\n    image: x\n    env: [\"A=1\", \"B\"]\n",
			want: []string{`devenv.yaml:4:18: services.web.env[1]: expected NAME=VALUE, got "B"`},
		},
		{
			name: "unknown template",
			yaml: "services:\n  web:\n    path: ./web\n    template: frontent\n",
			want: []string{`devenv.yaml:4:5: services.web.template: unknown template "frontent" (known: backend, frontend, worker)`},
		},
		{
			name: "unknown dependency kind",
			yaml: "dependencies:\n  mysql: {}\n  couchdb: {}\n",
			want: []string{`devenv.yaml:3:3: dependencies.couchdb: unknown dependency "couchdb" (supported: ` + supportedKinds() + `)`},
		},
		{
			name: "a key the kind does not take, and a misspelt one",
			yaml: "dependencies:\n  mysql:\n    vhost: /shop\n    pasword: x\n  redis:\n    user: x\n",
			want: []string{
				`devenv.yaml:3:5: dependencies.mysql.vhost: unknown key "vhost"`,
				`devenv.yaml:4:5: dependencies.mysql.pasword: unknown key "pasword" (did you mean password?)`,
				`devenv.yaml:6:5: dependencies.redis.user: unknown key "user"`,
			},
		},
		{
			name: "a dependency that is not a mapping",
			yaml: "dependencies:\n  redis: 6379\nservices:\n  web:\n    image: x\n    depends_on: [redis]\n",
			want: []string{`devenv.yaml:2:3: dependencies.redis: expected a mapping, got the number 6379`},
		},
		{
			name: "service with no template, image or build",
			yaml: "services:\n  web:\n    path: ./web\n",
			want: []string{`devenv.yaml:2:3: services.web: the service has no template, image or build`},
		},
		{
			name: "empty service",
			yaml: "services:\n  web:\n",
			want: []string{`devenv.yaml:2:3: services.web: the service has no template, image or build`},
		},
		{
			name: "template and image",
			yaml: "services:\n  web:\n    template: frontend\n    image: node:20\n",
			want: []string{`devenv.yaml:2:3: services.web: template and image are both set, but a template builds the service's image`},
		},
		{
			name: "depends_on a missing service, a disabled dependency, twice",
			yaml: "services:\n  web:\n    image: x\n    depends_on: [apj, redis, web2, web2]\n  web2:\n    image: x\n",
			want: []string{
				`devenv.yaml:4:18: services.web.depends_on[0]: depends on "apj", which is neither a service nor an enabled dependency`,
				`devenv.yaml:4:23: services.web.depends_on[1]: depends on "redis", but the redis dependency is not enabled`,
				`devenv.yaml:4:36: services.web.depends_on[3]: "web2" is listed twice`,
			},
		},
		{
			name: "dependency cycle",
			yaml: "services:\n  web:\n    image: x\n    depends_on: [api]\n  api:\n    image: x\n    depends_on: [db, web]\n  db:\n    image: x\n",
			want: []string{`devenv.yaml:7:22: services.api.depends_on[1]: dependency cycle: api → web → api`},
		},
		{
			name: "service that depends on itself",
			yaml: "services:\n  web:\n    image: x\n    depends_on:\n      - web\n",
			want: []string{`devenv.yaml:5:9: services.web.depends_on[0]: dependency cycle: web → web`},
		},
		{
			name: "invalid ports",
			yaml: "services:\n  web:\n    image: x\n    ports:\n      - \"80:http\"\n      - \"70000:80\"\n      - 0\n      - \"::1:80:80\"\n      - \"80/icmp\"\n      - \"8000-8001:80-82\"\n      - \"1.2.3:80:80\"\n",
			want: []string{
				`devenv.yaml:5:9: services.web.ports[0]: invalid port "80:http": container port "http" is not a number`,
				`devenv.yaml:6:9: services.web.ports[1]: invalid port "70000:80": host port 70000 is out of range 1-65535`,
				`devenv.yaml:7:9: services.web.ports[2]: invalid port "0": container port 0 is out of range 1-65535`,
				`devenv.yaml:8:9: services.web.ports[3]: invalid port "::1:80:80": too many colons (write an IPv6 host IP in brackets: [::1]:8080:80)`,
				`devenv.yaml:9:9: services.web.ports[4]: invalid port "80/icmp": unknown protocol "icmp" (tcp, udp or sctp)`,
				`devenv.yaml:10:9: services.web.ports[5]: invalid port "8000-8001:80-82": host range 8000-8001 and container range 80-82 differ in size`,
				`devenv.yaml:11:9: services.web.ports[6]: invalid port "1.2.3:80:80": "1.2.3" is not an IP address`,
			},
		},
		{
			name: "host port published twice",
			yaml: "services:\n  web:\n    image: x\n    ports: [\"8080:80\"]\n  api:\n    image: x\n    ports:\n      - \"0.0.0.0:8080:8080\"\n      - \"8080:53/udp\"\n      - \"127.0.0.2:3306:3306\"\n",
			want: []string{`devenv.yaml:8:9: services.api.ports[0]: host port 8080 is already published by services.web.ports[0] (line 4)`},
		},
		{
			name: "service port taken by a dependency's pinned port",
			yaml: "services:\n  web:\n    image: x\n    ports: [\"3306:3306\"]\ndependencies:\n  mysql:\n    port: 3306\n  rabbitmq:\n    port: 5673\n    management_port: 5673\n",
			want: []string{
				`devenv.yaml:7:5: dependencies.mysql.port: host port 3306 is already published by services.web.ports[0] (line 4)`,
				`devenv.yaml:10:5: dependencies.rabbitmq.management_port: host port 5673 is already published by dependencies.rabbitmq.port (line 9)`,
			},
		},
		{
			name: "dependency port out of range",
			yaml: "dependencies:\n  redis:\n    port: 70000\n",
			want: []string{`devenv.yaml:3:5: dependencies.redis.port: port 70000 is out of range 1-65535`},
		},
		{
			name: "invalid extra_hosts",
			yaml: "extra_hosts:\n  - \"npm.internal:10.0.0.5\"\n  - \"bad_host:10.0.0.5\"\n  - \"api:not-an-ip\"\n  - \"nocolon\"\n  - \"-x.example:1.2.3.4\"\n  - \"v6:::1\"\n  - \"gw=host-gateway\"\nservices:\n  web:\n    image: x\n    extra_hosts: [\"ok:[fe80::1%eth0]\"]\n",
			want: []string{
				`devenv.yaml:3:5: extra_hosts[1]: invalid extra host "bad_host:10.0.0.5": host name "bad_host" may contain only letters, digits, '-' and '.'`,
				`devenv.yaml:4:5: extra_hosts[2]: invalid extra host "api:not-an-ip": "not-an-ip" is not an IP address or host-gateway`,
				`devenv.yaml:5:5: extra_hosts[3]: invalid extra host "nocolon": expected host:ip`,
				`devenv.yaml:6:5: extra_hosts[4]: invalid extra host "-x.example:1.2.3.4": host name "-x.example" has a label that starts or ends with '-'`,
				`devenv.yaml:12:19: services.web.extra_hosts[0]: invalid extra host "ok:[fe80::1%eth0]": "[fe80::1%eth0]" is not an IP address or host-gateway`,
			},
		},
		{
			name: "invalid service names",
			yaml: "services:\n  Web:\n    image: x\n  _api:\n    image: x\n  ok.v2_a-b:\n    image: x\n",
			want: []string{
				`devenv.yaml:2:3: services.Web: invalid service name "Web": lower-case letters, digits, '_', '.' and '-' only, starting with a letter or digit`,
				`devenv.yaml:4:3: services._api: invalid service name "_api": lower-case letters, digits, '_', '.' and '-' only, starting with a letter or digit`,
			},
		},
		{
			name: "service named like an enabled dependency",
			yaml: "services:\n  redis:\n    image: x\ndependencies:\n  redis:\n",
			want: []string{`devenv.yaml:2:3: services.redis: service name "redis" is taken by the redis dependency`},
		},
		{
			name: "invalid memory sizes and cpus",
			yaml: "services:\n  a:\n    image: x\n    resources: {memory: lots, cpus: -1}\n  b:\n    image: x\n    resources: {memory: 512}\n  c:\n    image: x\n    resources: {memory: 1.5gb, cpus: .inf}\n",
			want: []string{
				`devenv.yaml:4:17: services.a.resources.memory: invalid memory size "lots"`,
				`devenv.yaml:4:31: services.a.resources.cpus: cpus must not be negative, got -1`,
				`devenv.yaml:7:17: services.b.resources.memory: memory "512" is below the engine's minimum of 6m`,
				`devenv.yaml:10:32: services.c.resources.cpus: cpus must be a finite number`,
			},
		},
		{
			name: "restart policies",
			yaml: "services:\n  a:\n    image: x\n    restart: alway\n  b:\n    image: x\n    restart: on-failure:0\n  c:\n    image: x\n    job: true\n    restart: always\n  d:\n    image: x\n    restart: \"no\"\n  e:\n    image: x\n    restart: on-failure:3\n",
			want: []string{
				`devenv.yaml:4:5: services.a.restart: unknown restart policy "alway" (known: no, always, on-failure, unless-stopped)`,
				`devenv.yaml:7:5: services.b.restart: invalid restart policy "on-failure:0": the retry count must be a positive number`,
				`devenv.yaml:11:5: services.c.restart: a job with restart "always" would run again each time it finishes`,
			},
		},
		{
			name: "command with shell operators",
			yaml: "services:\n  web:\n    image: x\n    command: npm install && npm start\n",
			want: []string{`devenv.yaml:4:5: services.web.command: command "npm install && npm start" uses shell operators (; & | < >), but no shell runs it`},
		},
		{
			name: "empty file",
			yaml: "",
			want: []string{`devenv.yaml:1:1: nothing to run: no services, dependencies or compose files`},
		},
		{
			name: "comments only",
			yaml: "# nothing yet\n\n",
			want: []string{`devenv.yaml:1:1: nothing to run: no services, dependencies or compose files`},
		},
		{
			name: "only a name",
			yaml: "\nname: shop\n",
			want: []string{`devenv.yaml:2:1: nothing to run: no services, dependencies or compose files`},
		},
		{
			name: "invalid project name",
			yaml: "name: My Shop\ndependencies:\n  redis: {}\n",
			want: []string{`devenv.yaml:1:1: name: invalid project name "My Shop": lower-case letters, digits, '-' and '_' only, starting with a letter or digit`},
		},
		{
			name: "mysql user root",
			yaml: "dependencies:\n  mysql:\n    user: root\n",
			want: []string{`devenv.yaml:3:5: dependencies.mysql.user: user must not be root: the mysql image creates root itself`},
		},
		{
			name: "mirror written as a URL",
			yaml: "images:\n  mirror: http://127.0.0.1:5000\ndependencies:\n  redis: {}\n",
			want: []string{`devenv.yaml:2:3: images.mirror: mirror "http://127.0.0.1:5000" is a URL; devenv wants a registry host`},
		},
		{
			name: "merge of a mapping into itself",
			yaml: "x-a: &a\n  image: x\n  <<: *a\nservices:\n  web: *a\n",
			want: []string{`devenv.yaml:3:7: services.web: << merges a mapping into itself`},
		},
		{
			name: "env override of the wrong type names the variable",
			yaml: "dependencies:\n  mysql: {}\n",
			env:  []string{"DEVENV_DEPENDENCIES_MYSQL_PORT=abc"},
			want: []string{`env DEVENV_DEPENDENCIES_MYSQL_PORT: dependencies.mysql.port: expected a whole number, got "abc"`},
		},
		{
			name: "env override of the wrong type, for a dependency the file does not enable",
			yaml: "dependencies:\n  redis: {}\n",
			env:  []string{"DEVENV_DEPENDENCIES_RABBITMQ_MANAGEMENT_PORT=15672x"},
			want: []string{`env DEVENV_DEPENDENCIES_RABBITMQ_MANAGEMENT_PORT: dependencies.rabbitmq.management_port: expected a whole number, got "15672x"`},
		},
		{
			name: "env override with an invalid value names the variable",
			yaml: "name: shop\ndependencies:\n  mysql: {}\nservices:\n  web:\n    image: x\n    ports: [\"3307:80\"]\n",
			env:  []string{"DEVENV_NAME=Shop 2", "DEVENV_DEPENDENCIES_MYSQL_PORT=3307"},
			want: []string{
				`env DEVENV_DEPENDENCIES_MYSQL_PORT: dependencies.mysql.port: host port 3307 is already published by services.web.ports[0] (line 7)`,
				`env DEVENV_NAME: name: invalid project name "Shop 2": lower-case letters, digits, '-' and '_' only, starting with a letter or digit`,
			},
		},
		{
			name: "several problems, in file order",
			yaml: "services:\n  web:\n    template: frontent\n    ports: [\"99999\"]\n    depends_on: [api]\n  api:\n    image: x\n    depends_on: [web]\n    resources: {cpus: lots}\nservics: {}\n",
			want: []string{
				`devenv.yaml:3:5: services.web.template: unknown template "frontent" (known: backend, frontend, worker)`,
				`devenv.yaml:4:13: services.web.ports[0]: invalid port "99999": container port 99999 is out of range 1-65535`,
				`devenv.yaml:8:18: services.api.depends_on[0]: dependency cycle: api → web → api`,
				`devenv.yaml:9:17: services.api.resources.cpus: expected a number, got the string "lots"`,
				`devenv.yaml:10:1: servics: unknown key "servics" (did you mean services?)`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := load(t, tt.yaml, tt.env...)
			if err == nil {
				t.Fatalf("Load succeeded (%+v), want errors", cfg)
			}
			if cfg != nil {
				t.Errorf("Load returned a Config with its error")
			}
			got := problems(t, err)
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

// The fix is what a user reads next; these are the ones that must name the right answer.
func TestLoadSuggestsFixes(t *testing.T) {
	tests := []struct {
		name, yaml, fix string
	}{
		{"unknown key: closest valid key", "services:\n  web:\n    image: x\n    prots: []\n", "rename it to ports"},
		{"unknown key: the keys allowed", "services:\n  web:\n    image: x\n    resources: {disk: 1}\n", "remove it; keys allowed here: cpus, memory"},
		{"compose-only service key", "services:\n  web:\n    image: x\n    volumes: [a:/a]\n", "devenv.yaml has no volumes; set it in a compose file listed under compose: (compose files are merged with devenv.yaml)"},
		{"template typo", "services:\n  web:\n    template: frontent\n", "use template: frontend"},
		{"restart typo", "services:\n  web:\n    image: x\n    restart: unless-stoped\n", "use restart: unless-stopped"},
		{"memory without a unit", "services:\n  web:\n    image: x\n    resources: {memory: 512}\n", "a number without a unit is bytes: did you mean 512m?"},
		{"depends_on typo", "services:\n  web:\n    image: x\n    depends_on: [redsi]\ndependencies:\n  redis: {}\n", "did you mean redis?"},
		{"disabled dependency", "services:\n  web:\n    image: x\n    depends_on: [redis]\n", "add redis: {} under dependencies:"},
		{"project name", "name: My-Shop\ndependencies: {redis: {}}\n", `use "my-shop"`},
		{"unknown dependency", "dependencies:\n  couchdb: {}\n", "devenv runs and seeds " + supportedKinds() + " itself; run anything else as a service with an image (services.<name>.image)"},
		{"nothing to run", "", "add a service or a dependency (devenv.yaml.example in the devenv repository shows every key)"},
		{"wrong type", "services:\n  web:\n    image: x\n    ports: 8080\n", `list ports as strings, e.g. ports: ["8080:8080"]`},
		{"env value of the wrong type", "services:\n  web:\n    image: x\n    env: {NODE_ENV: [a]}\n", `write the value as a string, e.g. NODE_ENV: "a value"`},
		{"dependency typo", "dependencies:\n  mysqll: {}\n", "did you mean mysql?"},
		{"a key the kind does not take", "dependencies:\n  redis:\n    user: x\n", "remove it; keys allowed here: fixtures, fixtures_after, image, port, version"},
		{"an extra port of the wrong type", "dependencies:\n  rabbitmq:\n    management_port: web\n", "write a port number, e.g. port: 3307"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.yaml)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not a *config.Error", err)
			}
			if e.Hint() != tt.fix {
				t.Errorf("fix = %q, want %q", e.Hint(), tt.fix)
			}
		})
	}
}

// The same file gives the same report, byte for byte, every time: map order must not leak.
func TestLoadReportIsDeterministic(t *testing.T) {
	const content = `
services:
  c: {image: x, depends_on: [a], ports: ["8080:80"]}
  a: {image: x, depends_on: [b], ports: ["8080:81"]}
  b: {image: x, depends_on: [c, a, zz], ports: ["8080:82"], env: {Z: [1], A: [2]}}
  d: {image: x, depends_on: [d], extra_hosts: ["a_b:1.2.3.4", "c:x"]}
dependencies:
  redis: {port: 8080}
  couchdb: {}
  mysqll: {}
`
	_, err := load(t, content)
	first := err.Error()
	for range 20 {
		if _, err := load(t, content); err.Error() != first {
			t.Fatalf("report changed:\n%s\n---\n%s", first, err)
		}
	}
}

func TestFixturesFolders(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	write("data/mysql/01.sql", "SELECT 1;")
	write("seed.sql", "SELECT 1;")
	file := write("devenv.yaml", "dependencies:\n  mysql:\n    fixtures: data/mysql\n  redis: {}\n")
	cfg, err := Load(file, false, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Dependencies["mysql"].Fixtures != filepath.Join(dir, "data", "mysql") || cfg.Dependencies["redis"].Fixtures != filepath.Join(dir, "fixtures", "redis") {
		t.Errorf("fixtures = %q, %q: a named folder, and the default one, both absolute", cfg.Dependencies["mysql"].Fixtures, cfg.Dependencies["redis"].Fixtures)
	}
	for content, want := range map[string]string{
		"dependencies:\n  mysql:\n    fixtures: nope\n":     `devenv.yaml:3:5: dependencies.mysql.fixtures: fixtures folder "nope" does not exist`,
		"dependencies:\n  mysql:\n    fixtures: seed.sql\n": `devenv.yaml:3:5: dependencies.mysql.fixtures: fixtures "seed.sql" is a file, not a folder`,
	} {
		write("devenv.yaml", content)
		_, err := Load(file, false, nil, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", content, err, want)
		}
	}
	write("devenv.yaml", "dependencies:\n  rabbitmq: {}\n")
	if _, err := Load(file, false, []string{"DEVENV_DEPENDENCIES_RABBITMQ_FIXTURES=missing"}, nil); err == nil ||
		!strings.Contains(err.Error(), "DEVENV_DEPENDENCIES_RABBITMQ_FIXTURES") {
		t.Errorf("a missing folder from a variable: err = %v, want it to name the variable", err)
	}
}
