package tui

import (
	"fmt"
	"strings"

	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/events"
)

// met reports whether dependency d is satisfied given its container, and what its container is
// doing, as a predicate: "is starting", "failed with code 3".
func met(d Dependency, c ContainerState) (bool, string) {
	switch {
	case c.State == "":
		return false, "is not created"
	case d.Condition == "service_completed_successfully":
		if c.State == engine.StateExited && c.ExitCode == 0 {
			return true, "has completed"
		}
		if c.State == engine.StateExited {
			return false, fmt.Sprintf("failed with code %d", c.ExitCode)
		}
		return false, "is " + string(c.State)
	case c.State != engine.StateRunning:
		return false, "is " + stateLabel(c)
	case d.Condition == "service_healthy" && c.Health != engine.HealthNone && c.Health != engine.HealthHealthy:
		return false, "is " + string(c.Health)
	case c.Health == engine.HealthHealthy:
		return true, "is healthy"
	default:
		return true, "is running"
	}
}

func conditionWord(c string) string {
	switch c {
	case "service_healthy":
		return "healthy"
	case "service_completed_successfully":
		return "completed"
	default:
		return "started"
	}
}

// whyNotUp explains a service that is not up yet, "" for one that is: what it waits on, how it
// failed, or what devenv is doing to it.
func whyNotUp(info ServiceInfo, states map[string]ContainerState, last *events.Event) string {
	c := states[info.Name]
	if last != nil && last.Kind == events.Failed && c.State != engine.StateRunning {
		return "failed: " + fmt.Sprint(last.Err)
	}
	switch {
	case c.State == engine.StateRunning && c.Health == engine.HealthStarting:
		return "starting: its healthcheck has not passed yet"
	case c.State == engine.StateRunning && c.Health == engine.HealthUnhealthy:
		return "unhealthy: its healthcheck fails (see its logs)"
	case c.State == engine.StateRunning:
		return ""
	case c.State == engine.StateExited && info.Job && c.ExitCode == 0:
		return ""
	}
	var waits []string
	for _, d := range info.DependsOn {
		if ok, word := met(d, states[d.Service]); !ok {
			waits = append(waits, fmt.Sprintf("%s to be %s (it %s)", d.Service, conditionWord(d.Condition), word))
		}
	}
	if len(waits) > 0 {
		return "waits for " + strings.Join(waits, ", ")
	}
	if last != nil {
		switch last.Kind {
		case events.Pulling, events.Building, events.Creating, events.Waiting, events.Seeding, events.Stopping:
			return strings.TrimSpace(string(last.Kind) + " " + last.Message)
		}
	}
	switch c.State {
	case "":
		return "not created (devenv up starts it)"
	case engine.StateExited, engine.StateDead:
		return fmt.Sprintf("exited with code %d (its logs say why; s starts it)", c.ExitCode)
	case engine.StateCreated:
		return "created, not started"
	default:
		return string(c.State)
	}
}

// graphLines draws what each service waits on, with each edge's state and, for a service that
// is not up, why.
func graphLines(services []ServiceInfo, states map[string]ContainerState, last map[string]*events.Event) []string {
	var out []string
	for _, s := range services {
		c := states[s.Name]
		head := fmt.Sprintf("%s  %s %s", s.Name, stateLabel(c), healthLabel(c))
		out = append(out, strings.TrimSuffix(head, " -"))
		for i, d := range s.DependsOn {
			branch := "├─"
			if i == len(s.DependsOn)-1 {
				branch = "└─"
			}
			ok, word := met(d, states[d.Service])
			mark := "✓"
			if !ok {
				mark = "…"
			}
			out = append(out, fmt.Sprintf("  %s %s %s  needs %s, %s", branch, mark, d.Service, conditionWord(d.Condition), word))
		}
		if len(s.DependsOn) == 0 {
			out = append(out, "  (waits on nothing)")
		}
		if why := whyNotUp(s, states, last[s.Name]); why != "" {
			out = append(out, "  not up: "+why)
		}
	}
	return out
}
