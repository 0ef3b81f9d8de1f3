package engine

// State is a container's state as the engine reports it.
type State string

// The engine's container states.
const (
	StateCreated    State = "created"
	StateRunning    State = "running"
	StatePaused     State = "paused"
	StateRestarting State = "restarting"
	StateRemoving   State = "removing"
	StateExited     State = "exited"
	StateDead       State = "dead"
)

// HasProcess reports whether a container in state s has a process that stopping it must end:
// running, paused (frozen, but alive) or between two runs of its restart policy.
func (s State) HasProcess() bool {
	return s == StateRunning || s == StatePaused || s == StateRestarting
}

// Health is a container's healthcheck status; HealthNone when it has no healthcheck.
type Health string

// The engine's health statuses.
const (
	HealthNone      Health = ""
	HealthStarting  Health = "starting"
	HealthHealthy   Health = "healthy"
	HealthUnhealthy Health = "unhealthy"
)

// Action is what a container event reports.
type Action string

// The container event actions devenv acts on. health_status arrives as "health_status: healthy"
// from the engine; ContainerEvents splits it into HealthStatus and the event's Health.
const (
	ActionCreate       Action = "create"
	ActionStart        Action = "start"
	ActionRestart      Action = "restart"
	ActionKill         Action = "kill"
	ActionDie          Action = "die"
	ActionStop         Action = "stop"
	ActionOOM          Action = "oom"
	ActionDestroy      Action = "destroy"
	ActionPause        Action = "pause"
	ActionUnpause      Action = "unpause"
	ActionRename       Action = "rename"
	ActionHealthStatus Action = "health_status"
)

// OneOff reports whether c is a one-off run of a service (`devenv test --one-off`, compose's
// `run`), not the service's own container.
func (c Container) OneOff() bool { return c.Labels[LabelComposeOneoff] == "True" }

// Reaper reports whether c is a `devenv test` job's reaper, which is no service of the project.
func (c Container) Reaper() bool { return c.Labels[LabelReaper] != "" }

// IsService reports whether c is a service's own container: neither a one-off run nor a reaper.
func (c Container) IsService() bool { return c.Service != "" && !c.OneOff() && !c.Reaper() }
