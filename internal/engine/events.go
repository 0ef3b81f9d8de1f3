package engine

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/client"
)

// ContainerEvent is something that happened to a container of a project.
type ContainerEvent struct {
	ID       string
	Service  string
	Action   Action
	Health   Health // for health_status: healthy or unhealthy
	ExitCode int    // for die
	Time     time.Time
	// Attributes are the container's labels (and the engine's name, image and exitCode).
	Attributes map[string]string
}

// OneOff reports whether the event is about a one-off run of a service, not its own container.
func (e ContainerEvent) OneOff() bool { return e.Attributes[LabelComposeOneoff] == "True" }

// Reaper reports whether the event is about a `devenv test` job's reaper.
func (e ContainerEvent) Reaper() bool { return e.Attributes[LabelReaper] != "" }

// IsService reports whether the event is about a service's own container (see Container.IsService).
func (e ContainerEvent) IsService() bool { return e.Service != "" && !e.OneOff() && !e.Reaper() }

// ContainerEvents streams the container events of project until ctx ends. The events channel is
// closed when the stream ends; a failure of the stream itself arrives on the error channel.
func (c *Client) ContainerEvents(ctx context.Context, project string) (<-chan ContainerEvent, <-chan error) {
	res := c.api.Events(ctx, client.EventsListOptions{Filters: client.Filters{}.
		Add("type", "container").
		Add("label", LabelProject+"="+project)})
	out := make(chan ContainerEvent, 64)
	errc := make(chan error, 1)
	go func() { // ends with ctx, which also ends the engine's stream
		defer close(out)
		for {
			select {
			case <-ctx.Done():
				return
			case err := <-res.Err:
				if err != nil && ctx.Err() == nil {
					errc <- fmt.Errorf("engine events: %w", classify(c.Host(), err))
				}
				return
			case m := <-res.Messages:
				ev := ContainerEvent{ID: m.Actor.ID, Service: m.Actor.Attributes[LabelService], Action: Action(m.Action),
					Time: time.Unix(0, m.TimeNano), Attributes: m.Actor.Attributes}
				if health, ok := strings.CutPrefix(string(m.Action), "health_status: "); ok {
					ev.Action, ev.Health = ActionHealthStatus, Health(health)
				}
				if code, err := strconv.Atoi(m.Actor.Attributes["exitCode"]); err == nil {
					ev.ExitCode = code
				}
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, errc
}
