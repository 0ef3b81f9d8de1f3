package engine

// Labels devenv puts on everything it creates. Cleanup, `down` and the test harness find a
// project's containers, networks and volumes by these labels, never by name, so nothing that
// devenv did not create is ever touched.
const (
	// LabelProject names the devenv project a resource belongs to.
	LabelProject = "dev.devenv.project"
	// LabelService names the service within the project.
	LabelService = "dev.devenv.service"
)
