package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/go-archive"
	"github.com/moby/moby/client"
	"github.com/moby/patternmatcher/ignorefile"
)

// BuildSpec is an image build.
type BuildSpec struct {
	Context    string // directory
	Dockerfile string // relative to Context; default Dockerfile
	Target     string
	Tags       []string
	Args       map[string]*string
	Labels     map[string]string
	ExtraHosts []string // "host:ip": resolvable during RUN steps (private npm/Go proxies)
}

// BuildLine is one line of build output, for progress.
type BuildLine struct {
	Text string
}

// BuildImage builds spec through the Engine API with the context sent as a tar stream that
// honours .dockerignore, and returns the image ID. Output lines go to report (may be nil); on
// failure the error carries the failing step's message.
func (c *Client) BuildImage(ctx context.Context, spec BuildSpec, report func(BuildLine)) (string, error) {
	dockerfile := spec.Dockerfile
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	if _, err := os.Stat(filepath.Join(spec.Context, dockerfile)); err != nil {
		return "", fmt.Errorf("build %s: no %s in %s: %w", firstTag(spec), dockerfile, spec.Context, err)
	}
	excludes, err := dockerignore(spec.Context)
	if err != nil {
		return "", err
	}
	// The Dockerfile and .dockerignore must reach the engine even when ignored, as docker does.
	excludes = append(excludes, "!"+filepath.ToSlash(dockerfile), "!.dockerignore")
	tar, err := archive.TarWithOptions(spec.Context, &archive.TarOptions{ExcludePatterns: excludes})
	if err != nil {
		return "", fmt.Errorf("build %s: pack context %s: %w", firstTag(spec), spec.Context, err)
	}
	defer tar.Close()
	res, err := c.api.ImageBuild(ctx, tar, client.ImageBuildOptions{
		Tags: spec.Tags, Dockerfile: filepath.ToSlash(dockerfile), Target: spec.Target, BuildArgs: spec.Args,
		Labels: spec.Labels, ExtraHosts: spec.ExtraHosts, Remove: true, ForceRemove: true,
	})
	if err != nil {
		return "", fmt.Errorf("build %s: %w", firstTag(spec), classify(c.Host(), err))
	}
	defer res.Body.Close()
	var id string
	var tail []string
	for msg, err := range decodeJSONMessages(ctx, res.Body) {
		if err != nil {
			return "", fmt.Errorf("build %s: %w", firstTag(spec), err)
		}
		if msg.Error != nil {
			return "", &BuildError{Image: firstTag(spec), Message: msg.Error.Message, Tail: tail}
		}
		if msg.Aux != nil {
			var aux struct{ ID string }
			if json.Unmarshal(*msg.Aux, &aux) == nil && aux.ID != "" {
				id = aux.ID
			}
		}
		for _, line := range strings.Split(strings.TrimRight(msg.Stream, "\n"), "\n") {
			if line == "" {
				continue
			}
			tail = append(tail, line)
			if len(tail) > 20 {
				tail = tail[1:]
			}
			if report != nil {
				report(BuildLine{Text: line})
			}
		}
	}
	if id == "" && len(spec.Tags) > 0 {
		// Engines before BuildKit report the ID only as text; the tag is authoritative anyway.
		if id, err = c.ImageID(ctx, spec.Tags[0]); err != nil {
			return "", err
		}
	}
	if id == "" {
		return "", fmt.Errorf("build %s: the engine reported no image", firstTag(spec))
	}
	return id, nil
}

// BuildError is a failed build step, with the output that led to it.
type BuildError struct {
	Image   string
	Message string
	Tail    []string
}

func (e *BuildError) Error() string {
	return fmt.Sprintf("build %s: %s\n%s", e.Image, e.Message, strings.Join(e.Tail, "\n"))
}

func firstTag(spec BuildSpec) string {
	if len(spec.Tags) > 0 {
		return spec.Tags[0]
	}
	return spec.Context
}

func dockerignore(dir string) ([]string, error) {
	f, err := os.Open(filepath.Join(dir, ".dockerignore"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name(), err)
	}
	return patterns, nil
}
