package project

import "github.com/compose-spec/compose-go/v2/types"

// Extension is what devenv records about a service in its x-devenv extension. It is written by
// Resolve and read back by the planner and the orchestrator through ExtensionOf, so the keys
// live in one place.
type Extension struct {
	Kind         string // "app" or "dependency"; empty for services from plain compose files
	Dependency   string // mysql, redis or rabbitmq, for dependencies
	Template     string // the template an app service was built from
	Job          bool   // a one-shot service
	PortFallback bool   // a taken default host port may move to a free one
	Fixtures     string // a dependency's fixtures folder, absolute; "" when it has none
	// FixturesAfter are the services that must be ready before the fixtures are applied.
	FixturesAfter []string
	ReadyHTTP     *ReadyHTTP
}

// ReadyHTTP is an HTTP path on a container port that answers 2xx once the service is ready.
type ReadyHTTP struct {
	Port int
	Path string
}

// ExtensionOf reads s's x-devenv extension; a service without one gets the zero Extension.
func ExtensionOf(s types.ServiceConfig) Extension {
	m, _ := s.Extensions[ExtensionKey].(map[string]any)
	var e Extension
	e.Kind, _ = m["kind"].(string)
	e.Dependency, _ = m["dependency"].(string)
	e.Template, _ = m["template"].(string)
	e.Job, _ = m["job"].(bool)
	e.PortFallback, _ = m["port_fallback"].(bool)
	e.Fixtures, _ = m["fixtures"].(string)
	if after, ok := m["fixtures_after"].([]any); ok {
		for _, a := range after {
			if name, ok := a.(string); ok {
				e.FixturesAfter = append(e.FixturesAfter, name)
			}
		}
	}
	if r, ok := m["ready_http"].(map[string]any); ok {
		port, _ := r["port"].(int)
		path, _ := r["path"].(string)
		if port > 0 && path != "" {
			e.ReadyHTTP = &ReadyHTTP{Port: port, Path: path}
		}
	}
	return e
}
