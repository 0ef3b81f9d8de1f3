package dependency_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/devenv/devenv/internal/dependency"
)

func TestMySQLConnection(t *testing.T) {
	testConnection(t, "mysql", []connectionCase{
		{"in the project network", "mysql", 3306, dependency.Settings{"database": "app", "user": "app", "password": "app"},
			map[string]string{"MYSQL_HOST": "mysql", "MYSQL_PORT": "3306", "MYSQL_DATABASE": "app", "MYSQL_USER": "app", "MYSQL_PASSWORD": "app",
				"DATABASE_URL": "mysql://app:app@mysql:3306/app"}},
		{"on the host, a password that needs escaping", "127.0.0.1", 40001, dependency.Settings{"database": "shop", "user": "shop", "password": "p@ss:/word"},
			map[string]string{"MYSQL_HOST": "127.0.0.1", "MYSQL_PORT": "40001", "MYSQL_DATABASE": "shop", "MYSQL_USER": "shop", "MYSQL_PASSWORD": "p@ss:/word",
				"DATABASE_URL": "mysql://shop:p%40ss%3A%2Fword@127.0.0.1:40001/shop"}},
	})
}

func TestMySQLContainerEnvironmentRoundTrip(t *testing.T) {
	testContainerEnv(t, "mysql", []envCase{
		{lookup(t, "mysql").Defaults(), map[string]string{"MYSQL_DATABASE": "app", "MYSQL_USER": "app", "MYSQL_PASSWORD": "app", "MYSQL_ROOT_PASSWORD": "root"}},
		{dependency.Settings{"database": "shop", "user": "u", "password": "p w", "root_password": "r$"},
			map[string]string{"MYSQL_DATABASE": "shop", "MYSQL_USER": "u", "MYSQL_PASSWORD": "p w", "MYSQL_ROOT_PASSWORD": "r$"}},
	})
}

func TestMySQLRefusesRootAsItsUser(t *testing.T) {
	k := lookup(t, "mysql")
	for user, refused := range map[string]bool{"root": true, "app": false, "rooty": false} {
		problems := k.Check(dependency.Settings{"user": user})
		if refused != (len(problems) == 1 && problems[0].Key == "user" && problems[0].Fix != "") {
			t.Errorf("user %q: problems %+v", user, problems)
		}
	}
}

func TestMySQLComposeService(t *testing.T) {
	tests := []struct {
		name, yaml string
		image      string
		ports      []string
		env        map[string]string
	}{
		{"defaults", "  mysql: {}\n", "mysql:8.4", []string{"127.0.0.1:3306:3306"},
			map[string]string{"MYSQL_DATABASE": "app", "MYSQL_USER": "app", "MYSQL_PASSWORD": "app", "MYSQL_ROOT_PASSWORD": "root"}},
		{"settings", "  mysql:\n    version: \"8.0\"\n    port: 3307\n    database: shop\n    password: s3cret\n", "mysql:8.0", []string{"127.0.0.1:3307:3306"},
			map[string]string{"MYSQL_DATABASE": "shop", "MYSQL_USER": "app", "MYSQL_PASSWORD": "s3cret", "MYSQL_ROOT_PASSWORD": "root"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := composeService(t, "mysql", tt.yaml)
			if s.Image != tt.image || !slices.Equal(ports(s), tt.ports) || !maps.Equal(environment(s), tt.env) {
				t.Errorf("image %q ports %v env %v\nwant %q %v %v", s.Image, ports(s), environment(s), tt.image, tt.ports, tt.env)
			}
			if len(s.Volumes) != 1 || s.Volumes[0].Target != "/var/lib/mysql" {
				t.Errorf("volumes %+v", s.Volumes)
			}
			// A login over TCP as the app's user, not a ping: the first-init server is not on TCP.
			if hc := s.HealthCheck; hc == nil || !strings.Contains(strings.Join(hc.Test, " "), `--protocol=tcp -h127.0.0.1 -u"$MYSQL_USER"`) {
				t.Errorf("healthcheck %+v", hc)
			}
		})
	}
}

func TestMySQLFixtureFiles(t *testing.T) {
	testFixtureFiles(t, "mysql", map[string]bool{"01_schema.sql": true, "dump.sql.gz": true, "notes.txt": false, "data.sql.bak": false, "keys.yaml": false})
}
