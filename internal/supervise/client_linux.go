package supervise

import (
	"bufio"
	"fmt"
	"net"
	"time"
)

// Restart asks the supervisor on socket to restart its command, giving the command grace to
// stop before it is killed, and returns the new process's ID once it runs.
func Restart(socket string, grace time.Duration) (int, error) {
	c, err := net.DialTimeout("unix", "@"+socket, 2*time.Second)
	if err != nil {
		return 0, fmt.Errorf("reach the supervisor: %w", err)
	}
	defer c.Close()
	// Stopping takes at most the grace; starting the new process, a moment.
	_ = c.SetDeadline(time.Now().Add(grace + 10*time.Second))
	if _, err := fmt.Fprintf(c, "%s %s\n", restartVerb, grace); err != nil {
		return 0, fmt.Errorf("ask the supervisor: %w", err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return 0, fmt.Errorf("read the supervisor's answer: %w", err)
	}
	return parseAnswer(line)
}
