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
	Action   string // start, die, oom, destroy, health_status, ...
	Health   string // for health_status: healthy or unhealthy
	ExitCode int    // for die
	Time     time.Time
}

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
				ev := ContainerEvent{ID: m.Actor.ID, Service: m.Actor.Attributes[LabelService], Action: string(m.Action),
					Time: time.Unix(0, m.TimeNano)}
				if health, ok := strings.CutPrefix(ev.Action, "health_status: "); ok {
					ev.Action, ev.Health = "health_status", health
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
