package orchestrator

import (
	"fmt"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/engine"
)

// pinnedPorts chooses the host port of every published port the configuration leaves to the
// engine (`ports: ["8080"]`, what templates write): the engine would pick a new one at every
// container start, so a hot-reload restart would move the service to another port under the
// browser tab showing it. devenv picks it once instead: the port the container already has,
// else the one remembered for the service, else a free one, remembered. The choice is not part
// of the configuration hash: it is the engine's choice made stable, not a change.
func (o *Orchestrator) pinnedPorts(p *types.Project, existing map[string]engine.Container) (map[string]map[uint32]string, error) {
	out := map[string]map[uint32]string{}
	for name, s := range p.Services {
		for _, port := range s.Ports {
			if port.Published != "" || port.Protocol == "udp" {
				continue
			}
			chosen := o.keptPort(p.Name, name, port, existing)
			if chosen == "" {
				free, err := freePort(port.HostIP)
				if err != nil {
					return nil, fmt.Errorf("service %s: no free host port for container port %d: %w", name, port.Target, err)
				}
				chosen = free
				if o.ports != nil {
					if err := o.ports.Set(p.Name, name, port.Target, free); err != nil {
						return nil, fmt.Errorf("remember port of %s: %w", name, err)
					}
				}
			}
			if out[name] == nil {
				out[name] = map[uint32]string{}
			}
			out[name][port.Target] = chosen
		}
	}
	return out, nil
}
