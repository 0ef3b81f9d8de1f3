package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Find locates the config for a command run in dir: devenv.yaml/devenv.yml in dir or the nearest
// parent (like git finds .git); if none, a compose file (compose.yaml, compose.yml,
// docker-compose.yaml, docker-compose.yml) in dir itself → compose-only mode. Returns the absolute
// path and whether it is compose-only. When nothing is found the error is a *NotFoundError, which
// names dir and says how to fix it.
//
// Compose files are looked for in dir only: a compose file in a parent usually belongs to a
// different project, while a devenv.yaml up the tree is the project dir is part of.
func Find(dir string) (path string, composeOnly bool, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", false, fmt.Errorf("find config: %w", err)
	}
	info, err := os.Stat(abs)
	if err != nil {
		return "", false, fmt.Errorf("find config: %w", err)
	}
	if !info.IsDir() {
		return "", false, fmt.Errorf("find config: %s is not a directory", abs)
	}
	for d := abs; ; {
		p, err := firstFile(d, FileNames())
		if p != "" || err != nil {
			return p, false, err
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	p, err := firstFile(abs, ComposeFileNames())
	if p != "" || err != nil {
		return p, true, err
	}
	return "", false, &NotFoundError{Dir: abs}
}

// firstFile returns the first of names that is a regular file (or a link to one) in dir.
func firstFile(dir string, names []string) (string, error) {
	for _, n := range names {
		p := filepath.Join(dir, n)
		info, err := os.Stat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return "", fmt.Errorf("find config: %w", err)
		case info.Mode().IsRegular():
			return p, nil
		}
	}
	return "", nil
}
