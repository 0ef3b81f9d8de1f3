package orchestrator

import "github.com/devenv/devenv/internal/engine/enginetest"

// newFakeEngine is the shared fake engine with the test projects' job (migrate) exiting 0 as
// soon as it starts; a test that wants it to fail says so with ExitOnStart.
func newFakeEngine() *enginetest.Fake {
	f := enginetest.New()
	f.ExitOnStart("migrate", 0)
	return f
}
