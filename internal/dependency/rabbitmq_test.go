package dependency_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/devenv/devenv/internal/dependency"
)

func TestRabbitMQConnection(t *testing.T) {
	testConnection(t, "rabbitmq", []connectionCase{
		{"the default vhost / is escaped in the URL", "rabbitmq", 5672, dependency.Settings{"user": "app", "password": "app", "vhost": "/"},
			map[string]string{"RABBITMQ_HOST": "rabbitmq", "RABBITMQ_PORT": "5672", "RABBITMQ_USER": "app", "RABBITMQ_PASSWORD": "app", "RABBITMQ_VHOST": "/",
				"AMQP_URL": "amqp://app:app@rabbitmq:5672/%2F"}},
		{"on the host, a vhost of its own", "127.0.0.1", 40003, dependency.Settings{"user": "shop", "password": "p@ss", "vhost": "shop"},
			map[string]string{"RABBITMQ_HOST": "127.0.0.1", "RABBITMQ_PORT": "40003", "RABBITMQ_USER": "shop", "RABBITMQ_PASSWORD": "p@ss", "RABBITMQ_VHOST": "shop",
				"AMQP_URL": "amqp://shop:p%40ss@127.0.0.1:40003/shop"}},
	})
}

func TestRabbitMQContainerEnvironmentRoundTrip(t *testing.T) {
	testContainerEnv(t, "rabbitmq", []envCase{
		{lookup(t, "rabbitmq").Defaults(), map[string]string{"RABBITMQ_DEFAULT_USER": "app", "RABBITMQ_DEFAULT_PASS": "app", "RABBITMQ_DEFAULT_VHOST": "/"}},
		{dependency.Settings{"user": "u", "password": "p", "vhost": "/shop"},
			map[string]string{"RABBITMQ_DEFAULT_USER": "u", "RABBITMQ_DEFAULT_PASS": "p", "RABBITMQ_DEFAULT_VHOST": "/shop"}},
	})
}

func TestRabbitMQComposeService(t *testing.T) {
	tests := []struct {
		name, yaml string
		ports      []string
		env        map[string]string
	}{
		{"defaults: AMQP and the management API", "  rabbitmq: {}\n", []string{"127.0.0.1:15672:15672", "127.0.0.1:5672:5672"},
			map[string]string{"RABBITMQ_DEFAULT_USER": "app", "RABBITMQ_DEFAULT_PASS": "app", "RABBITMQ_DEFAULT_VHOST": "/"}},
		{"both ports moved", "  rabbitmq:\n    port: 5673\n    management_port: 15673\n    vhost: shop\n", []string{"127.0.0.1:15673:15672", "127.0.0.1:5673:5672"},
			map[string]string{"RABBITMQ_DEFAULT_USER": "app", "RABBITMQ_DEFAULT_PASS": "app", "RABBITMQ_DEFAULT_VHOST": "shop"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := composeService(t, "rabbitmq", tt.yaml)
			if got := slices.Sorted(slices.Values(ports(s))); s.Image != "rabbitmq:3-management" || !slices.Equal(got, tt.ports) || !maps.Equal(environment(s), tt.env) {
				t.Errorf("image %q ports %v env %v\nwant %v %v", s.Image, got, environment(s), tt.ports, tt.env)
			}
			// RabbitMQ keys its data by node name: the host name must not change with the container.
			if s.Hostname != "rabbitmq" || len(s.Volumes) != 1 || s.Volumes[0].Target != "/var/lib/rabbitmq" {
				t.Errorf("hostname %q volumes %+v", s.Hostname, s.Volumes)
			}
			if hc := s.HealthCheck; hc == nil || !strings.Contains(strings.Join(hc.Test, " "), "check_port_connectivity") {
				t.Errorf("healthcheck %+v", hc)
			}
		})
	}
}

func TestRabbitMQFixtureFiles(t *testing.T) {
	testFixtureFiles(t, "rabbitmq", map[string]bool{"definitions.json": true, "messages.yaml": true, "more.yml": true, "x.sql": false, "cmds.redis": false})
}
