package config

import (
	"path/filepath"
	"strings"
)

// Restart policies; a service's default is RestartUnlessStopped, a job's RestartNo.
const (
	RestartNo            = "no"
	RestartAlways        = "always"
	RestartOnFailure     = "on-failure"
	RestartUnlessStopped = "unless-stopped"
)

// defaultSettings are the built-in layer under devenv.yaml and DEVENV_* for the fixed keys
// (settings.go). Dependency defaults, the kinds' own, only land in dependencies the file enables.
func defaultSettings(dir string) map[string]any {
	d := map[string]any{}
	dependencyDefaults(d)
	if name := NormalizeProjectName(filepath.Base(dir)); name != "" {
		d["name"] = name
	}
	return d
}

// applyDefaults fills what depends on other settings or lives in user-named mappings, which
// the settings layer does not see.
func applyDefaults(cfg *Config) {
	applyDependencyDefaults(cfg)
	for _, s := range cfg.Services {
		if s != nil && s.Restart == "" {
			s.Restart = RestartUnlessStopped
			if s.Job {
				// A job that restarts would run again after it finished.
				s.Restart = RestartNo
			}
		}
	}
}

// NormalizeProjectName turns a directory name into a compose project name the way compose
// does, so `devenv` and `docker compose` run in the same directory agree on the project:
// lower-case, characters other than a-z, 0-9, '-' and '_' dropped, leading '-' and '_'
// dropped. "My App" → "myapp". "" when nothing is left.
func NormalizeProjectName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			b.WriteRune(r)
		}
	}
	return strings.TrimLeft(b.String(), "-_")
}

// validProjectName is compose's rule for project names.
func validProjectName(s string) bool {
	return s != "" && s == NormalizeProjectName(s)
}
