package engine

// Labels devenv puts on everything it creates. Cleanup, `down` and the test harness find a
// project's containers, networks and volumes by these labels, never by name, so nothing that
// devenv did not create is ever touched.
const (
	// LabelProject names the devenv project a resource belongs to.
	LabelProject = "dev.devenv.project"
	// LabelService names the service within the project.
	LabelService = "dev.devenv.service"
	// LabelReaper marks a project's reaper container (devenv test), which removes the project
	// if devenv dies; tearing the project down leaves it to last.
	LabelReaper = "dev.devenv.reaper"
	// LabelSupervisor marks a container whose command runs under devenv's process supervisor
	// and names the supervisor's socket: a hot reload restarts its process, not the container.
	LabelSupervisor = "dev.devenv.supervisor"
)
