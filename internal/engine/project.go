package engine

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// LabelConfigHash holds the hash of the configuration a container was created from; a container
// whose hash differs from the desired one is recreated.
const LabelConfigHash = "dev.devenv.config-hash"

// Compose's labels, set too so that tools which group containers by compose project (docker
// compose ls/ps, lazydocker, IDE plugins) show a devenv stack as the project it is.
const (
	LabelComposeProject = "com.docker.compose.project"
	LabelComposeService = "com.docker.compose.service"
	LabelComposeOneoff  = "com.docker.compose.oneoff"
)

// Container is an observed container of a project.
type Container struct {
	ID         string
	Name       string
	Service    string
	ConfigHash string
	Image      string // the reference it was created from
	ImageID    string
	State      State
	Status     string // human text, e.g. "Up 3 minutes (healthy)"
	Health     Health
	ExitCode   int // of the last run, for an exited container
	Created    int64
	Ports      []PublishedPort
	Labels     map[string]string
}

// PublishedPort is one published port of a container.
type PublishedPort struct {
	HostIP        string
	HostPort      uint16
	ContainerPort uint16
	Protocol      string
}

// ProjectContainers lists every container of project, running or not, sorted by service and name.
func (c *Client) ProjectContainers(ctx context.Context, project string) ([]Container, error) {
	return c.containersLabelled(ctx, LabelProject+"="+project)
}

// DevenvContainers lists the containers of every devenv project, e.g. to tell which project
// holds a port.
func (c *Client) DevenvContainers(ctx context.Context) ([]Container, error) {
	return c.containersLabelled(ctx, LabelProject)
}

func (c *Client) containersLabelled(ctx context.Context, label string) ([]Container, error) {
	res, err := c.api.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: client.Filters{}.Add("label", label)})
	if err != nil {
		return nil, fmt.Errorf("list containers labelled %s: %w", label, classify(c.Host(), err))
	}
	out := make([]Container, 0, len(res.Items))
	for _, s := range res.Items {
		ct := Container{
			ID: s.ID, Service: s.Labels[LabelService], ConfigHash: s.Labels[LabelConfigHash], Image: s.Image, ImageID: s.ImageID,
			State: State(s.State), Status: s.Status, Created: s.Created, Labels: s.Labels,
		}
		if len(s.Names) > 0 {
			ct.Name = strings.TrimPrefix(s.Names[0], "/")
		}
		if code, ok := exitCodeFromStatus(s.Status); ok {
			ct.ExitCode = code
		}
		switch {
		case strings.Contains(s.Status, "(healthy)"):
			ct.Health = HealthHealthy
		case strings.Contains(s.Status, "(unhealthy)"):
			ct.Health = HealthUnhealthy
		case strings.Contains(s.Status, "(health: starting)"):
			ct.Health = HealthStarting
		}
		for _, p := range s.Ports {
			if p.PublicPort == 0 {
				continue
			}
			ip := ""
			if p.IP.IsValid() {
				ip = p.IP.String()
			}
			ct.Ports = append(ct.Ports, PublishedPort{HostIP: ip, HostPort: p.PublicPort, ContainerPort: p.PrivatePort, Protocol: p.Type})
		}
		sort.Slice(ct.Ports, func(i, j int) bool { return ct.Ports[i].ContainerPort < ct.Ports[j].ContainerPort })
		out = append(out, ct)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Service != out[j].Service {
			return out[i].Service < out[j].Service
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// EnsureNetwork creates the bridge network name unless it exists; it reports whether it created it.
func (c *Client) EnsureNetwork(ctx context.Context, name string, labels map[string]string) (bool, error) {
	if _, err := c.api.NetworkInspect(ctx, name, client.NetworkInspectOptions{}); err == nil {
		return false, nil
	} else if !IsNotFound(err) {
		return false, fmt.Errorf("inspect network %s: %w", name, classify(c.Host(), err))
	}
	if _, err := c.CreateNetwork(ctx, name, labels); err != nil {
		return false, err
	}
	return true, nil
}

// EnsureVolume creates the named volume unless it exists; it reports whether it created it.
// Existing volumes are never touched: they hold the user's data.
func (c *Client) EnsureVolume(ctx context.Context, name string, labels map[string]string) (bool, error) {
	if _, err := c.api.VolumeInspect(ctx, name, client.VolumeInspectOptions{}); err == nil {
		return false, nil
	} else if !IsNotFound(err) {
		return false, fmt.Errorf("inspect volume %s: %w", name, classify(c.Host(), err))
	}
	if _, err := c.api.VolumeCreate(ctx, client.VolumeCreateOptions{Name: name, Labels: labels}); err != nil {
		return false, fmt.Errorf("create volume %s: %w", name, classify(c.Host(), err))
	}
	return true, nil
}

// RemoveContainer force-removes a container (its anonymous volumes with it, named ones never).
func (c *Client) RemoveContainer(ctx context.Context, id string) error {
	_, err := c.api.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("remove container %.12s: %w", id, classify(c.Host(), err))
	}
	return nil
}

// RestartContainer stops and starts a container; grace is its time to stop before it is killed,
// nil for its own (stop_grace_period, else the engine's 10 s).
func (c *Client) RestartContainer(ctx context.Context, id string, grace *time.Duration) error {
	_, err := c.api.ContainerRestart(ctx, id, client.ContainerRestartOptions{Timeout: seconds(grace)})
	if err != nil {
		return fmt.Errorf("restart container %.12s: %w", id, classify(c.Host(), err))
	}
	return nil
}

// ImageID returns the local image ID of ref, or "" when the engine does not have it.
func (c *Client) ImageID(ctx context.Context, ref string) (string, error) {
	img, err := c.InspectImage(ctx, ref)
	return img.ID, err
}

// ExecResult is the outcome of a command run in a container.
type ExecResult struct {
	ExitCode int
	Output   string // stdout and stderr, interleaved
}

// Exec runs cmd in a running container and waits for it.
func (c *Client) Exec(ctx context.Context, id string, cmd []string) (ExecResult, error) {
	return c.ExecWith(ctx, id, ExecSpec{Cmd: cmd})
}

// ExecSpec is a command to run in a container and how: compose's service hooks (develop.watch's
// sync+exec) set the user, working directory and environment.
type ExecSpec struct {
	Cmd        []string
	User       string
	WorkingDir string
	Env        []string // NAME=VALUE
	Privileged bool
}

// ExecWith runs spec in a running container and waits for it.
func (c *Client) ExecWith(ctx context.Context, id string, spec ExecSpec) (ExecResult, error) {
	created, err := c.api.ExecCreate(ctx, id, client.ExecCreateOptions{Cmd: spec.Cmd, User: spec.User, WorkingDir: spec.WorkingDir,
		Env: spec.Env, Privileged: spec.Privileged, AttachStdout: true, AttachStderr: true})
	if err != nil {
		return ExecResult{}, fmt.Errorf("exec in %.12s: %w", id, classify(c.Host(), err))
	}
	att, err := c.api.ExecAttach(ctx, created.ID, client.ExecAttachOptions{})
	if err != nil {
		return ExecResult{}, fmt.Errorf("exec in %.12s: %w", id, classify(c.Host(), err))
	}
	defer att.Close()
	var out strings.Builder
	done := make(chan error, 1)
	go func() {
		_, err := stdcopy.StdCopy(&out, &out, att.Reader)
		done <- err
	}()
	select {
	case <-ctx.Done():
		return ExecResult{}, ctx.Err()
	case err := <-done:
		if err != nil {
			return ExecResult{}, fmt.Errorf("exec in %.12s: read output: %w", id, err)
		}
	}
	ins, err := c.api.ExecInspect(ctx, created.ID, client.ExecInspectOptions{})
	if err != nil {
		return ExecResult{}, fmt.Errorf("exec in %.12s: %w", id, classify(c.Host(), err))
	}
	return ExecResult{ExitCode: ins.ExitCode, Output: out.String()}, nil
}

// ExecExitCode runs cmd in a container and returns its exit code and output; it satisfies the
// health package's Execer.
func (c *Client) ExecExitCode(ctx context.Context, id string, cmd []string) (int, string, error) {
	r, err := c.Exec(ctx, id, cmd)
	return r.ExitCode, r.Output, err
}

// exitCodeFromStatus reads the exit code from the engine's status text, "Exited (1) 2 minutes
// ago": the list endpoint reports it nowhere else, and inspecting every container is slower.
func exitCodeFromStatus(status string) (int, bool) {
	rest, ok := strings.CutPrefix(status, "Exited (")
	if !ok {
		return 0, false
	}
	num, _, ok := strings.Cut(rest, ")")
	if !ok {
		return 0, false
	}
	code, err := strconv.Atoi(num)
	return code, err == nil
}
