package orchestrator

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/dependency"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/events"
)

// ReportEndpoints says how to reach each running service from the host, with the ports actually
// published: a dependency whose default port was taken is reached on its fallback port, and the
// connection URL reported follows it.
func (o *Orchestrator) ReportEndpoints(ctx context.Context, p *types.Project) error {
	_, cs, err := o.serviceContainers(ctx, p, nil)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.State != engine.StateRunning {
			continue
		}
		kind, settings, isDependency := dependencyOf(p.Services[c.Service])
		var urls []string
		for _, port := range c.Ports {
			if isDependency && port.ContainerPort == kind.Port {
				urls = append(urls, kind.URL(hostOf(port), port.HostPort, settings))
				continue
			}
			urls = append(urls, fmt.Sprintf("%s:%d (container port %d)", port.HostIP, port.HostPort, port.ContainerPort))
		}
		if len(urls) > 0 {
			o.emit(events.Event{Service: c.Service, Kind: events.Info, Message: strings.Join(urls, ", ")})
		}
	}
	return nil
}

// hostOf is where a published port answers for a client on the host.
func hostOf(port engine.PublishedPort) string {
	if port.HostIP == "" || port.HostIP == "0.0.0.0" || port.HostIP == "::" {
		return "127.0.0.1"
	}
	return port.HostIP
}

// HostEnv is what a command on the host needs to reach the running stack (devenv test): for each
// dependency the connection settings its app containers get (DATABASE_URL, REDIS_URL, AMQP_URL,
// MYSQL_HOST...) pointed at the published loopback port; for every service <SERVICE>_URL (a
// dependency's connection URL, else http:// and its first published port) and
// <SERVICE>_PORT_<container port>; and DEVENV_PROJECT.
func (o *Orchestrator) HostEnv(ctx context.Context, p *types.Project) (map[string]string, error) {
	_, cs, err := o.serviceContainers(ctx, p, nil)
	if err != nil {
		return nil, err
	}
	return hostEnv(p, cs), nil
}

func hostEnv(p *types.Project, cs []engine.Container) map[string]string {
	// Apps first, then the dependencies in registry order: where two kinds set the same variable
	// (DATABASE_URL), the later kind wins, as it does in the app containers' environment.
	rank := func(c engine.Container) int {
		kind, _, ok := dependencyOf(p.Services[c.Service])
		if !ok {
			return -1
		}
		return slices.Index(dependency.Names(), kind.Name)
	}
	cs = slices.Clone(cs)
	slices.SortStableFunc(cs, func(a, b engine.Container) int { return rank(a) - rank(b) })
	vars := map[string]string{"DEVENV_PROJECT": p.Name}
	for _, c := range cs {
		if c.State != engine.StateRunning {
			continue
		}
		prefix := envName(c.Service)
		kind, settings, isDependency := dependencyOf(p.Services[c.Service])
		first := true
		for _, port := range c.Ports {
			if port.Protocol != "" && port.Protocol != "tcp" {
				continue
			}
			vars[fmt.Sprintf("%s_PORT_%d", prefix, port.ContainerPort)] = fmt.Sprint(port.HostPort)
			switch {
			case isDependency && port.ContainerPort == kind.Port:
				maps.Copy(vars, kind.Connection("127.0.0.1", port.HostPort, settings))
				vars[prefix+"_URL"] = kind.URL("127.0.0.1", port.HostPort, settings)
			case !isDependency && first:
				vars[prefix+"_URL"] = fmt.Sprintf("http://127.0.0.1:%d", port.HostPort)
			}
			first = false
		}
	}
	return vars
}

// envName turns a service name into a variable prefix: web-app → WEB_APP.
func envName(service string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, service)
}
