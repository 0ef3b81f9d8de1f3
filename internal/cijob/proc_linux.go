package cijob

import (
	"os/exec"
	"syscall"
)

// dieWithDevenv has the kernel stop the test command if devenv itself is killed (SIGKILL), so
// it does not run on against a stack the reaper is removing.
func dieWithDevenv(c *exec.Cmd) {
	c.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
