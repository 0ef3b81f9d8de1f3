package engine

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
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

// ContainerState is a container as an inspect shows it now (a listing may lag an event by a
// moment: a container that just died can still be listed as running).
type ContainerState struct {
	ID           string
	Name         string
	Service      string
	Labels       map[string]string
	State        State
	Health       Health
	ExitCode     int
	StartedAt    time.Time
	FinishedAt   time.Time
	RestartCount int // restarts by the engine's restart policy
	OOMKilled    bool
	Ports        map[uint16]uint16 // container port → published host port (tcp)
	// Published lists every published port, as a listing does.
	Published []PublishedPort
}

// Container is the state as a listing would show it.
func (s ContainerState) Container() Container {
	return Container{ID: s.ID, Name: s.Name, Service: s.Service, ConfigHash: s.Labels[LabelConfigHash], State: s.State,
		Health: s.Health, ExitCode: s.ExitCode, Ports: s.Published, Labels: s.Labels}
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
// it only after grace; nil grace is the container's own (its stop_grace_period, else the
// engine's 10 s).
func (c *Client) StopContainer(ctx context.Context, id string, grace *time.Duration) error {
	_, err := c.api.ContainerStop(ctx, id, client.ContainerStopOptions{Timeout: seconds(grace)})
	return classify(c.Host(), err)
}

// seconds is grace as the Engine API takes it: whole seconds, nil for the container's own.
func seconds(grace *time.Duration) *int {
	if grace == nil {
		return nil
	}
	secs := int(grace.Round(time.Second) / time.Second)
	return &secs
}

// KillContainer sends signal (a name such as SIGKILL or HUP, or a number) to the container's
// main process.
func (c *Client) KillContainer(ctx context.Context, id, signal string) error {
	_, err := c.api.ContainerKill(ctx, id, client.ContainerKillOptions{Signal: signal})
	if err != nil {
		return fmt.Errorf("kill container %.12s: %w", id, classify(c.Host(), err))
	}
	return nil
}

// PauseContainer freezes the container's processes; UnpauseContainer thaws them.
func (c *Client) PauseContainer(ctx context.Context, id string) error {
	_, err := c.api.ContainerPause(ctx, id, client.ContainerPauseOptions{})
	if err != nil {
		return fmt.Errorf("pause container %.12s: %w", id, classify(c.Host(), err))
	}
	return nil
}

// UnpauseContainer thaws a paused container.
func (c *Client) UnpauseContainer(ctx context.Context, id string) error {
	_, err := c.api.ContainerUnpause(ctx, id, client.ContainerUnpauseOptions{})
	if err != nil {
		return fmt.Errorf("unpause container %.12s: %w", id, classify(c.Host(), err))
	}
	return nil
}

// InspectContainer reports a container's state, health and published ports.
func (c *Client) InspectContainer(ctx context.Context, id string) (ContainerState, error) {
	res, err := c.api.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return ContainerState{}, fmt.Errorf("inspect container %s: %w", id, classify(c.Host(), err))
	}
	ic := res.Container
	st := ContainerState{ID: ic.ID, Name: strings.TrimPrefix(ic.Name, "/"), RestartCount: ic.RestartCount, Ports: map[uint16]uint16{}}
	if ic.Config != nil {
		st.Labels = ic.Config.Labels
		st.Service = ic.Config.Labels[LabelService]
	}
	if ic.State != nil {
		st.State = State(ic.State.Status)
		st.ExitCode = ic.State.ExitCode
		st.OOMKilled = ic.State.OOMKilled
		st.StartedAt = parseEngineTime(ic.State.StartedAt)
		st.FinishedAt = parseEngineTime(ic.State.FinishedAt)
		if ic.State.Health != nil {
			st.Health = Health(ic.State.Health.Status)
		}
	}
	if ic.NetworkSettings != nil {
		for port, bindings := range ic.NetworkSettings.Ports {
			for _, b := range bindings {
				hp, err := strconv.ParseUint(b.HostPort, 10, 16)
				if err != nil {
					continue
				}
				ip := ""
				if b.HostIP.IsValid() {
					ip = b.HostIP.String()
				}
				st.Published = append(st.Published, PublishedPort{HostIP: ip, HostPort: uint16(hp), ContainerPort: port.Num(), Protocol: string(port.Proto())})
				if _, seen := st.Ports[port.Num()]; !seen && port.Proto() == network.TCP {
					st.Ports[port.Num()] = uint16(hp)
				}
			}
		}
		sort.Slice(st.Published, func(i, j int) bool {
			a, b := st.Published[i], st.Published[j]
			if a.ContainerPort != b.ContainerPort {
				return a.ContainerPort < b.ContainerPort
			}
			return a.HostIP < b.HostIP
		})
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
