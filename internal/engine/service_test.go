package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
)

func ptr[T any](v T) *T { return &v }

func TestContainerConfigTranslatesAComposeService(t *testing.T) {
	grace := types.Duration(15 * time.Second)
	interval := types.Duration(2 * time.Second)
	p := &types.Project{
		Name:     "shop",
		Networks: types.Networks{"default": {Name: "shop_default"}, "back": {Name: "shop_back"}},
		Volumes:  types.Volumes{"data": {Name: "shop_data"}},
	}
	s := types.ServiceConfig{
		Name: "db",
		ContainerSpec: types.ContainerSpec{
			Image: "mysql:8.4", Hostname: "db",
			Environment: types.MappingWithEquals{"B": ptr("2"), "A": ptr("1"), "UNSET": nil},
			Command:     types.ShellCommand{"mysqld", "--verbose"},
			Labels:      types.Labels{"team": "core"},
			ExtraHosts:  types.HostsList{"npm.internal": {"10.1.2.3"}, "host.docker.internal": {"host-gateway"}},
			MemLimit:    types.UnitBytes(512 << 20), CPUS: 1.5,
			StopGracePeriod: &grace,
			Networks:        map[string]*types.ServiceNetworkConfig{"default": nil, "back": {Aliases: []string{"database"}}},
			Volumes: []types.ServiceVolumeConfig{
				{Type: types.VolumeTypeVolume, Source: "data", Target: "/var/lib/mysql"},
				{Type: types.VolumeTypeBind, Source: "/src/initdb", Target: "/docker-entrypoint-initdb.d", ReadOnly: true},
			},
		},
		WorkloadSpec: types.WorkloadSpec{
			Ports: []types.ServicePortConfig{
				{Target: 3306, Published: "3306", HostIP: "127.0.0.1", Protocol: "tcp"},
				{Target: 33060, HostIP: "127.0.0.1"}, // published on a port the engine picks
			},
			HealthCheck: &types.HealthCheckConfig{Test: []string{"CMD", "true"}, Interval: &interval, Retries: ptr(uint64(3))},
		},
	}
	s.Restart = "unless-stopped"
	cfg, host, nets, err := containerConfig(ServiceContainer{Project: p, Service: s, Name: "shop-db-1",
		Labels: map[string]string{LabelProject: "shop"}, HostPorts: map[uint32]string{3306: "40001"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cfg.Env, " ") != "A=1 B=2" {
		t.Errorf("env = %v: want sorted, unset variables left out", cfg.Env)
	}
	if cfg.Labels["team"] != "core" || cfg.Labels[LabelProject] != "shop" {
		t.Errorf("labels = %v", cfg.Labels)
	}
	if cfg.StopTimeout == nil || *cfg.StopTimeout != 15 {
		t.Errorf("stop timeout = %v", cfg.StopTimeout)
	}
	if cfg.Healthcheck == nil || cfg.Healthcheck.Interval != 2*time.Second || cfg.Healthcheck.Retries != 3 {
		t.Errorf("healthcheck = %+v", cfg.Healthcheck)
	}
	if host.RestartPolicy.Name != container.RestartPolicyUnlessStopped || host.Memory != 512<<20 || host.NanoCPUs != 1_500_000_000 {
		t.Errorf("restart %v memory %d cpus %d", host.RestartPolicy, host.Memory, host.NanoCPUs)
	}
	if strings.Join(host.ExtraHosts, ",") != "host.docker.internal:host-gateway,npm.internal:10.1.2.3" {
		t.Errorf("extra hosts = %v", host.ExtraHosts)
	}
	b := host.PortBindings[network.MustParsePort("3306/tcp")]
	if len(b) != 1 || b[0].HostPort != "40001" || b[0].HostIP.String() != "127.0.0.1" {
		t.Errorf("3306 binding = %+v: want the run-time host port on loopback", b)
	}
	if b := host.PortBindings[network.MustParsePort("33060/tcp")]; len(b) != 1 || b[0].HostPort != "" {
		t.Errorf("33060 binding = %+v: want published on an engine-picked port", b)
	}
	if len(host.Mounts) != 2 || host.Mounts[0].Type != mount.TypeVolume || host.Mounts[0].Source != "shop_data" ||
		host.Mounts[1].Type != mount.TypeBind || !host.Mounts[1].ReadOnly {
		t.Errorf("mounts = %+v", host.Mounts)
	}
	if len(nets) != 2 || nets[0].name != "shop_back" || nets[1].name != "shop_default" ||
		strings.Join(nets[0].settings.Aliases, ",") != "db,database" {
		t.Errorf("networks = %+v", nets)
	}
}

func TestRestartPolicies(t *testing.T) {
	tests := map[string]container.RestartPolicy{
		"":               {Name: container.RestartPolicyDisabled},
		"no":             {Name: container.RestartPolicyDisabled},
		"always":         {Name: container.RestartPolicyAlways},
		"unless-stopped": {Name: container.RestartPolicyUnlessStopped},
		"on-failure:5":   {Name: container.RestartPolicyOnFailure, MaximumRetryCount: 5},
	}
	for in, want := range tests {
		got, err := restartPolicy(in)
		if err != nil || got != want {
			t.Errorf("restartPolicy(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"sometimes", "on-failure:x"} {
		if _, err := restartPolicy(bad); err == nil {
			t.Errorf("restartPolicy(%q) accepted", bad)
		}
	}
}

func TestExitCodeFromStatus(t *testing.T) {
	for status, want := range map[string]int{"Exited (0) 3 minutes ago": 0, "Exited (137) 1 second ago": 137} {
		if got, ok := exitCodeFromStatus(status); !ok || got != want {
			t.Errorf("%q → %d, %v", status, got, ok)
		}
	}
	if _, ok := exitCodeFromStatus("Up 2 minutes (healthy)"); ok {
		t.Error("a running status gave an exit code")
	}
}
