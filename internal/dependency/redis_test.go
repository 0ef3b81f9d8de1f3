package dependency_test

import (
	"slices"
	"strings"
	"testing"
)

func TestRedisConnection(t *testing.T) {
	testConnection(t, "redis", []connectionCase{
		{"in the project network", "redis", 6379, nil, map[string]string{"REDIS_HOST": "redis", "REDIS_PORT": "6379", "REDIS_URL": "redis://redis:6379/0"}},
		{"on the host", "127.0.0.1", 40002, nil, map[string]string{"REDIS_HOST": "127.0.0.1", "REDIS_PORT": "40002", "REDIS_URL": "redis://127.0.0.1:40002/0"}},
	})
}

// Redis takes no settings of its own: its container has no environment to read back.
func TestRedisHasNoSettings(t *testing.T) {
	k := lookup(t, "redis")
	if len(k.Settings) != 0 || len(k.ContainerEnv(k.Defaults())) != 0 || len(k.SettingsFromEnv(map[string]string{"REDIS_PASSWORD": "x"})) != 0 || k.Check != nil {
		t.Errorf("redis settings %+v", k.Settings)
	}
}

func TestRedisComposeService(t *testing.T) {
	tests := []struct {
		name, yaml string
		image      string
		ports      []string
	}{
		{"defaults", "  redis:\n", "redis:7", []string{"127.0.0.1:6379:6379"}},
		{"an image and a port", "  redis:\n    image: valkey/valkey:8\n    port: 6380\n", "valkey/valkey:8", []string{"127.0.0.1:6380:6379"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := composeService(t, "redis", tt.yaml)
			if s.Image != tt.image || !slices.Equal(ports(s), tt.ports) || len(s.Environment) != 0 {
				t.Errorf("image %q ports %v env %v\nwant %q %v and no environment", s.Image, ports(s), environment(s), tt.image, tt.ports)
			}
			if len(s.Volumes) != 1 || s.Volumes[0].Target != "/data" {
				t.Errorf("volumes %+v", s.Volumes)
			}
			if hc := s.HealthCheck; hc == nil || !strings.Contains(strings.Join(hc.Test, " "), "redis-cli -h 127.0.0.1 ping") {
				t.Errorf("healthcheck %+v", hc)
			}
		})
	}
}

func TestRedisFixtureFiles(t *testing.T) {
	testFixtureFiles(t, "redis", map[string]bool{"keys.yaml": true, "keys.yml": true, "keys.json": true, "commands.redis": true, "dump.rdb": false, "x.sql": false})
}
