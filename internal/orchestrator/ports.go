package orchestrator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/events"
	"github.com/devenv/devenv/internal/project"
)

// PortMemory remembers host ports devenv chose in place of taken defaults, so the next `up`
// (even after `down`) publishes the same port and connection settings stay valid.
type PortMemory interface {
	Get(project, service string, containerPort uint32) (string, bool)
	Set(project, service string, containerPort uint32, hostPort string) error
}

// FilePortMemory keeps remembered ports in one JSON file per project under Dir.
type FilePortMemory struct {
	Dir string
	mu  sync.Mutex
}

// DefaultStateDir is where devenv keeps per-project state: $XDG_STATE_HOME/devenv, or
// ~/.local/state/devenv.
func DefaultStateDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "devenv"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find a state directory: %w (set XDG_STATE_HOME)", err)
	}
	return filepath.Join(home, ".local", "state", "devenv"), nil
}

func (m *FilePortMemory) file(project string) string {
	return filepath.Join(m.Dir, project+".ports.json")
}

func (m *FilePortMemory) load(project string) (map[string]string, error) {
	data, err := os.ReadFile(m.file(project))
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	ports := map[string]string{}
	if err := json.Unmarshal(data, &ports); err != nil {
		return nil, fmt.Errorf("%s: %w (delete the file to forget remembered ports)", m.file(project), err)
	}
	return ports, nil
}

func portKey(service string, containerPort uint32) string {
	return service + "/" + strconv.FormatUint(uint64(containerPort), 10)
}

// Get returns the remembered host port.
func (m *FilePortMemory) Get(project, service string, containerPort uint32) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ports, err := m.load(project)
	if err != nil {
		return "", false
	}
	p, ok := ports[portKey(service, containerPort)]
	return p, ok
}

// Set remembers a host port.
func (m *FilePortMemory) Set(project, service string, containerPort uint32, hostPort string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	ports, err := m.load(project)
	if err != nil {
		ports = map[string]string{}
	}
	ports[portKey(service, containerPort)] = hostPort
	data, _ := json.MarshalIndent(ports, "", "  ")
	if err := os.MkdirAll(m.Dir, 0o755); err != nil {
		return err
	}
	tmp := m.file(project) + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, m.file(project))
}

// PortTakenError is a published port that something else holds.
type PortTakenError struct {
	Service string
	Addr    string // host IP:port
	Holder  string // e.g. `container shop-mysql-1 of devenv project shop`, or "a process on this host"
}

func (e *PortTakenError) Error() string {
	return fmt.Sprintf("service %s: port %s is already in use by %s", e.Service, e.Addr, e.Holder)
}

// Hint says how to free or change the port.
func (e *PortTakenError) Hint() string {
	return "stop what holds the port, or publish the service on another host port in devenv.yaml (e.g. ports: [\"<free port>:<container port>\"])"
}

// keptPort is the host port a service's port keeps: the one its existing container has, else
// the one remembered for it if that is free; "" when there is none to keep.
func (o *Orchestrator) keptPort(projectName, service string, port types.ServicePortConfig, existing map[string]engine.Container) string {
	if c, ok := existing[service]; ok {
		for _, pp := range c.Ports {
			if uint32(pp.ContainerPort) == port.Target {
				return strconv.Itoa(int(pp.HostPort))
			}
		}
	}
	if o.ports != nil {
		if remembered, ok := o.ports.Get(projectName, service, port.Target); ok && portFree(port.HostIP, remembered) {
			return remembered
		}
	}
	return ""
}

// hostPorts picks the host ports of services whose defaults may fall back: the port an existing
// container already has (so an unchanged service keeps its hash), else a remembered one, else
// the default if free, else a free one, remembered and announced.
func (o *Orchestrator) hostPorts(p *types.Project, existing map[string]engine.Container) (map[string]map[uint32]string, error) {
	out := map[string]map[uint32]string{}
	for name, s := range p.Services {
		if !project.ExtensionOf(s).PortFallback {
			continue
		}
		for _, port := range s.Ports {
			if port.Published == "" {
				continue
			}
			chosen := o.keptPort(p.Name, name, port, existing)
			if chosen == "" && !portFree(port.HostIP, port.Published) {
				free, err := freePort(port.HostIP)
				if err != nil {
					return nil, fmt.Errorf("service %s: port %s is taken and no free port was found: %w", name, port.Published, err)
				}
				chosen = free
				if o.ports != nil {
					if err := o.ports.Set(p.Name, name, port.Target, free); err != nil {
						return nil, fmt.Errorf("remember port of %s: %w", name, err)
					}
				}
				o.emit(events.Event{Service: name, Kind: events.Port,
					Message: fmt.Sprintf("%s:%s (port %s is taken)", hostIPOr(port.HostIP), free, port.Published)})
			}
			if chosen != "" && chosen != port.Published {
				if out[name] == nil {
					out[name] = map[uint32]string{}
				}
				out[name][port.Target] = chosen
			}
		}
	}
	return out, nil
}

func hostIPOr(ip string) string {
	if ip == "" {
		return "0.0.0.0"
	}
	return ip
}

// portFree reports whether nothing listens on ip:port, by binding it for a moment.
func portFree(ip, port string) bool {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, port))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}

func freePort(ip string) (string, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return "", err
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}
