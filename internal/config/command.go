package config

import (
	"fmt"

	"github.com/mattn/go-shellwords"
)

// splitCommand splits a command string into words the way a shell would, without running a
// shell: quotes group, backslashes escape, $VAR stays as written.
func splitCommand(s string) ([]string, error) {
	p := shellwords.NewParser()
	// Set explicitly: the package's defaults are mutable globals, and backticks would run a shell.
	p.ParseEnv, p.ParseBacktick = false, false
	words, err := p.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("cannot split command %s into words: unbalanced quotes or parentheses", quote(s))
	}
	if p.Position >= 0 {
		return nil, fmt.Errorf("command %s uses shell operators (; & | < >), but no shell runs it", quote(s))
	}
	return words, nil
}
