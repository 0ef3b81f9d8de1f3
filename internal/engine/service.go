package engine

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// ServiceContainer is one container of a compose service, as devenv runs it.
type ServiceContainer struct {
	Project *types.Project
	Service types.ServiceConfig
	Name    string            // container name
	Labels  map[string]string // devenv's labels, added to the service's own
	// HostPorts replaces published host ports chosen at run time (container port → host
	// port), e.g. a free port in place of a dependency's taken default.
	HostPorts map[uint32]string
}

// CreateServiceContainer creates sc's container and connects it to every network of its service.
// The engine (API < 1.44) accepts only one network at creation; the rest are connected after.
func (c *Client) CreateServiceContainer(ctx context.Context, sc ServiceContainer) (string, error) {
	cfg, host, nets, err := containerConfig(sc)
	if err != nil {
		return "", fmt.Errorf("service %s: %w", sc.Service.Name, err)
	}
	var first *network.NetworkingConfig
	if len(nets) > 0 {
		first = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{nets[0].name: nets[0].settings}}
		host.NetworkMode = container.NetworkMode(nets[0].name)
	}
	res, err := c.api.ContainerCreate(ctx, client.ContainerCreateOptions{Name: sc.Name, Config: cfg, HostConfig: host, NetworkingConfig: first})
	if err != nil {
		return "", fmt.Errorf("create container %s: %w", sc.Name, classify(c.Host(), err))
	}
	for _, n := range nets[min(1, len(nets)):] {
		if _, err := c.api.NetworkConnect(ctx, n.name, client.NetworkConnectOptions{Container: res.ID, EndpointConfig: n.settings}); err != nil {
			return res.ID, fmt.Errorf("connect %s to network %s: %w", sc.Name, n.name, classify(c.Host(), err))
		}
	}
	return res.ID, nil
}

type endpoint struct {
	name     string
	settings *network.EndpointSettings
}

// containerConfig translates a compose service into the Engine API's container configuration.
// It is pure so the translation is unit-tested without an engine.
func containerConfig(sc ServiceContainer) (*container.Config, *container.HostConfig, []endpoint, error) {
	s := sc.Service
	labels := map[string]string{}
	for k, v := range s.Labels {
		labels[k] = v
	}
	for k, v := range sc.Labels {
		labels[k] = v
	}
	cfg := &container.Config{
		Image:        s.Image,
		Hostname:     s.Hostname,
		Domainname:   s.DomainName,
		User:         s.User,
		Env:          envList(s.Environment),
		Cmd:          []string(s.Command),
		Entrypoint:   []string(s.Entrypoint),
		WorkingDir:   s.WorkingDir,
		Labels:       labels,
		Tty:          s.Tty,
		OpenStdin:    s.StdinOpen,
		StopSignal:   s.StopSignal,
		ExposedPorts: network.PortSet{},
	}
	if s.StopGracePeriod != nil {
		secs := int(time.Duration(*s.StopGracePeriod).Round(time.Second) / time.Second)
		cfg.StopTimeout = &secs
	}
	if hc := s.HealthCheck; hc != nil {
		cfg.Healthcheck = &container.HealthConfig{Test: []string(hc.Test)}
		if hc.Disable {
			cfg.Healthcheck.Test = []string{"NONE"}
		}
		if hc.Interval != nil {
			cfg.Healthcheck.Interval = time.Duration(*hc.Interval)
		}
		if hc.Timeout != nil {
			cfg.Healthcheck.Timeout = time.Duration(*hc.Timeout)
		}
		if hc.StartPeriod != nil {
			cfg.Healthcheck.StartPeriod = time.Duration(*hc.StartPeriod)
		}
		if hc.Retries != nil {
			cfg.Healthcheck.Retries = int(*hc.Retries)
		}
	}
	host := &container.HostConfig{
		PortBindings:   network.PortMap{},
		ExtraHosts:     hostsList(s.ExtraHosts),
		Init:           s.Init,
		Privileged:     s.Privileged,
		CapAdd:         s.CapAdd,
		CapDrop:        s.CapDrop,
		DNS:            dnsAddrs(s.DNS),
		DNSSearch:      s.DNSSearch,
		DNSOptions:     s.DNSOpts,
		SecurityOpt:    s.SecurityOpt,
		ReadonlyRootfs: s.ReadOnly,
		ShmSize:        int64(s.ShmSize),
		Sysctls:        s.Sysctls,
		GroupAdd:       s.GroupAdd,
	}
	host.Memory = int64(s.MemLimit)
	host.MemoryReservation = int64(s.MemReservation)
	host.NanoCPUs = int64(float64(s.CPUS) * 1e9)
	if s.PidsLimit > 0 {
		host.PidsLimit = &s.PidsLimit
	}
	rp, err := restartPolicy(s.Restart)
	if err != nil {
		return nil, nil, nil, err
	}
	host.RestartPolicy = rp
	if s.Logging != nil {
		host.LogConfig = container.LogConfig{Type: s.Logging.Driver, Config: s.Logging.Options}
	}
	for _, e := range s.Expose {
		p, err := network.ParsePort(e)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("expose %q: %w", e, err)
		}
		cfg.ExposedPorts[p] = struct{}{}
	}
	for _, p := range s.Ports {
		proto := network.IPProtocol(strings.ToLower(p.Protocol))
		if proto == "" {
			proto = network.TCP
		}
		port, ok := network.PortFrom(uint16(p.Target), proto)
		if !ok || p.Target > 65535 {
			return nil, nil, nil, fmt.Errorf("port %d/%s is not a valid container port", p.Target, proto)
		}
		cfg.ExposedPorts[port] = struct{}{}
		published := p.Published
		if override, ok := sc.HostPorts[p.Target]; ok {
			published = override
		}
		// An empty published port still publishes: the engine picks a free host port, as
		// compose does for `ports: ["8080"]` (`expose` is the network-only form).
		binding := network.PortBinding{HostPort: published}
		if p.HostIP != "" {
			addr, err := netip.ParseAddr(p.HostIP)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("port %s: host IP %q: %w", published, p.HostIP, err)
			}
			binding.HostIP = addr
		}
		host.PortBindings[port] = append(host.PortBindings[port], binding)
	}
	for _, v := range s.Volumes {
		m, err := mountFor(sc.Project, v)
		if err != nil {
			return nil, nil, nil, err
		}
		host.Mounts = append(host.Mounts, m)
	}
	for _, t := range s.Tmpfs {
		if host.Tmpfs == nil {
			host.Tmpfs = map[string]string{}
		}
		path, opts, _ := strings.Cut(t, ":")
		host.Tmpfs[path] = opts
	}
	var nets []endpoint
	if s.NetworkMode != "" {
		host.NetworkMode = container.NetworkMode(s.NetworkMode)
		return cfg, host, nil, nil
	}
	for _, key := range s.NetworksByPriority() {
		n, ok := sc.Project.Networks[key]
		if !ok {
			return nil, nil, nil, fmt.Errorf("network %q is not defined in the project", key)
		}
		aliases := []string{s.Name}
		if snc := s.Networks[key]; snc != nil {
			aliases = append(aliases, snc.Aliases...)
		}
		nets = append(nets, endpoint{name: n.Name, settings: &network.EndpointSettings{Aliases: aliases}})
	}
	return cfg, host, nets, nil
}

func mountFor(p *types.Project, v types.ServiceVolumeConfig) (mount.Mount, error) {
	m := mount.Mount{Target: v.Target, ReadOnly: v.ReadOnly}
	switch v.Type {
	case types.VolumeTypeVolume:
		m.Type = mount.TypeVolume
		m.Source = v.Source
		if vol, ok := p.Volumes[v.Source]; ok && v.Source != "" {
			m.Source = vol.Name
		}
		if v.Volume != nil {
			m.VolumeOptions = &mount.VolumeOptions{NoCopy: v.Volume.NoCopy, Subpath: v.Volume.Subpath}
		}
	case types.VolumeTypeBind:
		m.Type = mount.TypeBind
		m.Source = v.Source
		m.BindOptions = &mount.BindOptions{CreateMountpoint: true}
		if v.Bind != nil && v.Bind.Propagation != "" {
			m.BindOptions.Propagation = mount.Propagation(v.Bind.Propagation)
		}
	case types.VolumeTypeTmpfs:
		m.Type = mount.TypeTmpfs
		if v.Tmpfs != nil {
			m.TmpfsOptions = &mount.TmpfsOptions{SizeBytes: int64(v.Tmpfs.Size), Mode: os.FileMode(v.Tmpfs.Mode)}
		}
	default:
		return m, fmt.Errorf("volume at %s: type %q is not supported", v.Target, v.Type)
	}
	return m, nil
}

func restartPolicy(s string) (container.RestartPolicy, error) {
	name, count, _ := strings.Cut(s, ":")
	switch container.RestartPolicyMode(name) {
	case "", container.RestartPolicyDisabled:
		return container.RestartPolicy{Name: container.RestartPolicyDisabled}, nil
	case container.RestartPolicyAlways, container.RestartPolicyUnlessStopped:
		return container.RestartPolicy{Name: container.RestartPolicyMode(name)}, nil
	case container.RestartPolicyOnFailure:
		rp := container.RestartPolicy{Name: container.RestartPolicyOnFailure}
		if count != "" {
			n, err := strconv.Atoi(count)
			if err != nil || n < 0 {
				return rp, fmt.Errorf("restart %q: retry count must be a whole number", s)
			}
			rp.MaximumRetryCount = n
		}
		return rp, nil
	}
	return container.RestartPolicy{}, fmt.Errorf("restart %q: use no, always, on-failure[:N] or unless-stopped", s)
}

// envList renders the environment in a stable order: the config hash and recreate decisions
// must not change because a map was iterated differently.
func envList(env types.MappingWithEquals) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		if v == nil {
			continue // "VAR" with no value and none in the environment: compose leaves it unset
		}
		out = append(out, k+"="+*v)
	}
	sort.Strings(out)
	return out
}

func hostsList(h types.HostsList) []string {
	var out []string
	for _, host := range slices.Sorted(maps.Keys(h)) {
		for _, ip := range h[host] {
			out = append(out, host+":"+ip)
		}
	}
	return out
}

func dnsAddrs(in []string) []netip.Addr {
	var out []netip.Addr
	for _, s := range in {
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, a)
		}
	}
	return out
}
