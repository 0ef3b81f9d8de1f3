package cijob

import (
	"encoding/hex"
	"io"
	"strings"

	"github.com/devenv/devenv/internal/config"
)

// ciJobVars are CI systems' variables naming the running job, most specific first.
func ciJobVars() []string {
	return []string{
		"CI_JOB_ID",              // GitLab
		"GITHUB_RUN_ID",          // GitHub Actions (with GITHUB_RUN_ATTEMPT; matrix jobs share it)
		"BUILDKITE_JOB_ID",       // Buildkite
		"CIRCLE_WORKFLOW_JOB_ID", // CircleCI
		"SYSTEM_JOBID",           // Azure Pipelines
		"BUILD_TAG",              // Jenkins
		"BUILD_ID",               // Jenkins, Google Cloud Build
	}
}

// ProjectName is the project name of one test job: the configured name, the CI job's ID if
// there is one (so `docker ps` says which job a container is from), and a random suffix, because
// job IDs are not unique enough (matrix jobs share GitHub's run ID; one job may run two tests at
// once).
func ProjectName(base string, environ []string, random io.Reader) string {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	parts := []string{base}
	for _, k := range ciJobVars() {
		if v := env[k]; v != "" {
			if k == "GITHUB_RUN_ID" && env["GITHUB_RUN_ATTEMPT"] != "" {
				v += "-" + env["GITHUB_RUN_ATTEMPT"]
			}
			if id := config.NormalizeProjectName(v); id != "" {
				parts = append(parts, id)
			}
			break
		}
	}
	suffix := make([]byte, 3)
	_, _ = io.ReadFull(random, suffix)
	parts = append(parts, hex.EncodeToString(suffix))
	name := strings.Join(parts, "-")
	// Container names are <project>-<service>-1: keep room for the service.
	if len(name) > 48 {
		name = strings.TrimRight(name[:41], "-_") + "-" + hex.EncodeToString(suffix)
	}
	return name
}
