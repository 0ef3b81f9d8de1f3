package engine

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// ContainerSpec is what devenv needs to say about a container; the engine's full configuration
// surface stays inside this package.
type ContainerSpec struct {
	Name     string
	Image    string
	Hostname string // stable across re-creation: RabbitMQ keys its data by host name
	Cmd      []string
	Env      []string
	Labels   map[string]string
	Ports    []PortSpec
	Mounts   []MountSpec
	Network  string   // network name to attach to, if any
	Aliases  []string // extra DNS names on Network
}

// PortSpec publishes one container port. HostIP defaults to 127.0.0.1: a dev database must not
// be reachable from the LAN. HostPort 0 lets the engine pick a free port.
type PortSpec struct {
	ContainerPort uint16
	HostIP        string
	HostPort      uint16
}

// MountSpec is a named volume (Volume set) or a bind mount of a host path (Source set).
type MountSpec struct {
	Volume   string
	Source   string
	Target   string
	ReadOnly bool
}

// ContainerState is the part of an inspect devenv acts on.
type ContainerState struct {
	ID       string
	Status   string // created, running, exited, ...
	Health   string // empty when the container has no healthcheck
	ExitCode int
	Ports    map[uint16]uint16 // container port → published host port (tcp)
}

// CreateContainer creates (but does not start) a container from spec.
func (c *Client) CreateContainer(ctx context.Context, spec ContainerSpec) (string, error) {
	cfg := &container.Config{
		Image:        spec.Image,
		Hostname:     spec.Hostname,
		Cmd:          spec.Cmd,
		Env:          spec.Env,
		Labels:       spec.Labels,
		ExposedPorts: network.PortSet{},
	}
	host := &container.HostConfig{PortBindings: network.PortMap{}}
	for _, p := range spec.Ports {
		port, ok := network.PortFrom(p.ContainerPort, network.TCP)
		if !ok {
			return "", fmt.Errorf("container %s: invalid container port %d", spec.Name, p.ContainerPort)
		}
		ip := p.HostIP
		if ip == "" {
			ip = "127.0.0.1"
		}
		addr, err := netip.ParseAddr(ip)
		if err != nil {
			return "", fmt.Errorf("container %s: port %d: host IP %q: %w", spec.Name, p.ContainerPort, ip, err)
		}
		binding := network.PortBinding{HostIP: addr}
		if p.HostPort != 0 {
			binding.HostPort = strconv.Itoa(int(p.HostPort))
		}
		cfg.ExposedPorts[port] = struct{}{}
		host.PortBindings[port] = append(host.PortBindings[port], binding)
	}
	for _, m := range spec.Mounts {
		switch {
		case m.Volume != "":
			host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeVolume, Source: m.Volume, Target: m.Target, ReadOnly: m.ReadOnly,
				VolumeOptions: &mount.VolumeOptions{Labels: spec.Labels}})
		case m.Source != "":
			host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeBind, Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly})
		default:
			return "", fmt.Errorf("container %s: mount at %s names neither a volume nor a host path", spec.Name, m.Target)
		}
	}
	var netCfg *network.NetworkingConfig
	if spec.Network != "" {
		netCfg = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			spec.Network: {Aliases: spec.Aliases},
		}}
	}
	res, err := c.api.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name: spec.Name, Config: cfg, HostConfig: host, NetworkingConfig: netCfg,
	})
	if err != nil {
		return "", fmt.Errorf("create container %s: %w", spec.Name, classify(c.Host(), err))
	}
	return res.ID, nil
}

// RunContainer creates and starts a container, returning its ID.
func (c *Client) RunContainer(ctx context.Context, spec ContainerSpec) (string, error) {
	id, err := c.CreateContainer(ctx, spec)
	if err != nil {
		return "", err
	}
	if err := c.StartContainer(ctx, id); err != nil {
		return id, fmt.Errorf("start container %s: %w", spec.Name, err)
	}
	return id, nil
}

// StartContainer starts a created or stopped container.
func (c *Client) StartContainer(ctx context.Context, id string) error {
	_, err := c.api.ContainerStart(ctx, id, client.ContainerStartOptions{})
	return classify(c.Host(), err)
}

// StopContainer asks the container's main process to stop (SIGTERM, or its STOPSIGNAL) and kills
// it only after grace.
func (c *Client) StopContainer(ctx context.Context, id string, grace time.Duration) error {
	secs := int(grace.Round(time.Second) / time.Second)
	_, err := c.api.ContainerStop(ctx, id, client.ContainerStopOptions{Timeout: &secs})
	return classify(c.Host(), err)
}

// InspectContainer reports a container's state, health and published ports.
func (c *Client) InspectContainer(ctx context.Context, id string) (ContainerState, error) {
	res, err := c.api.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return ContainerState{}, fmt.Errorf("inspect container %s: %w", id, classify(c.Host(), err))
	}
	ic := res.Container
	st := ContainerState{ID: ic.ID, Ports: map[uint16]uint16{}}
	if ic.State != nil {
		st.Status = string(ic.State.Status)
		st.ExitCode = ic.State.ExitCode
		if ic.State.Health != nil {
			st.Health = string(ic.State.Health.Status)
		}
	}
	if ic.NetworkSettings != nil {
		for port, bindings := range ic.NetworkSettings.Ports {
			if port.Proto() != network.TCP {
				continue
			}
			for _, b := range bindings {
				if hp, err := strconv.ParseUint(b.HostPort, 10, 16); err == nil {
					st.Ports[port.Num()] = uint16(hp)
					break
				}
			}
		}
	}
	return st, nil
}

// WaitContainer blocks until the container has stopped and returns its exit code.
func (c *Client) WaitContainer(ctx context.Context, id string) (int64, error) {
	res := c.api.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	select {
	case r := <-res.Result:
		if r.Error != nil && r.Error.Message != "" {
			return r.StatusCode, fmt.Errorf("wait for container %s: %s", id, r.Error.Message)
		}
		return r.StatusCode, nil
	case err := <-res.Error:
		return -1, fmt.Errorf("wait for container %s: %w", id, classify(c.Host(), err))
	}
}

// Logs returns a container's combined stdout and stderr; tail limits it to the last lines
// (0 means all of it).
func (c *Client) Logs(ctx context.Context, id string, tail int) (string, error) {
	opts := client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true}
	if tail > 0 {
		opts.Tail = strconv.Itoa(tail)
	}
	rc, err := c.api.ContainerLogs(ctx, id, opts)
	if err != nil {
		return "", fmt.Errorf("logs of container %s: %w", id, classify(c.Host(), err))
	}
	defer rc.Close()
	var buf bytes.Buffer
	// Containers without a TTY multiplex both streams; both go to one buffer in arrival order.
	if _, err := stdcopy.StdCopy(&buf, &buf, rc); err != nil {
		return buf.String(), fmt.Errorf("read logs of container %s: %w", id, err)
	}
	return buf.String(), nil
}

// IsNotFound reports whether err means the engine has no such object.
func IsNotFound(err error) bool { return errdefs.IsNotFound(err) }
