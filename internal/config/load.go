package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Load reads the file at path (devenv.yaml, or a compose file when composeOnly), applies
// defaults and environment overrides from env (os.Environ() format: "KEY=VALUE"), validates,
// and returns the Config.
//
// knownTemplates is the set of valid `template:` names: the built-in ones plus templates_dir's.
// nil skips the template check, for a caller that needs the loaded TemplatesDir to learn the
// names: load with nil, list the templates, load again with them.
//
// Problems with the file's content or a DEVENV_* variable come back together as Errors (each
// an *Error with file, line and key); a file that cannot be read is a wrapped *fs.PathError.
func Load(path string, composeOnly bool, env []string, knownTemplates []string) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	src := newSource(abs, shownPath(abs))
	vars := envMap(env)
	if composeOnly {
		return loadComposeOnly(src, vars)
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	cfg, errs := parse(src, data, vars, knownTemplates)
	if len(errs) > 0 {
		return nil, errs
	}
	return cfg, nil
}

// parse is Load after the file is read.
func parse(src *source, data []byte, env map[string]string, knownTemplates []string) (*Config, Errors) {
	root, perr := parseYAML(src, data)
	if perr != nil {
		return nil, Errors{perr}
	}
	cfg, errs, bad := decodeDocument(src, root)
	cfg.File, cfg.Dir = src.file, filepath.Dir(src.file)
	errs = append(errs, applySettings(cfg, src, env, defaultSettings(cfg.Dir))...)
	applyDefaults(cfg)
	errs = append(errs, validate(cfg, src, bad, knownTemplates)...)
	errs = dedupe(errs)
	sortErrors(errs)
	return cfg, errs
}

// loadComposeOnly is a directory with a compose file and no devenv.yaml: compose-go reads the
// file later; devenv only needs the project name.
func loadComposeOnly(src *source, env map[string]string) (*Config, error) {
	if _, err := os.Stat(src.file); err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	dir := filepath.Dir(src.file)
	cfg := &Config{File: src.file, Dir: dir, ComposeOnly: true, Compose: []string{src.file}}
	cfg.Name = NormalizeProjectName(filepath.Base(dir))
	if name := env[envVar("name")]; name != "" {
		cfg.Name = name
		src.fromEnv["name"] = envVar("name")
	}
	// A compose file's images are pulled through the mirror too: CI runners and air-gapped
	// machines need that for compose-only projects as much as for devenv.yaml ones.
	if mirror := env[envVar("images.mirror")]; mirror != "" {
		cfg.Images.Mirror = mirror
	}
	c := &checker{cfg: cfg, src: src}
	c.name()
	if len(c.errs) > 0 {
		return nil, c.errs
	}
	return cfg, nil
}

// parseYAML parses one YAML document; nil for a file with none (empty, or comments only).
func parseYAML(src *source, data []byte) (*yaml.Node, *Error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, syntaxError(src, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, syntaxError(src, err)
	default:
		return nil, src.errNode("", &extra, "more than one YAML document (---) in the file",
			"keep one document; list other compose files under compose:")
	}
	return &doc, nil
}

// syntaxError turns the YAML parser's error into an *Error. The parser's errors are plain
// strings ("yaml: line 3: mapping values are not allowed in this context") with no type that
// carries the line, so the line is read from the text.
func syntaxError(src *source, err error) *Error {
	e := &Error{File: src.file, shown: src.shown,
		Fix: "fix the YAML syntax: indent with spaces, and quote values that contain \": \" or start with a special character"}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				e.Line, msg = n, text
			}
		}
	}
	e.Message = "invalid YAML: " + msg
	return e
}

// envMap turns os.Environ()-style entries into a map; a later entry wins, as in exec.Cmd.
func envMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// shownPath is how messages name the file: relative to the working directory when that is
// shorter (devenv.yaml, ../devenv.yaml), else absolute.
func shownPath(abs string) string {
	wd, err := os.Getwd()
	if err != nil {
		return abs
	}
	rel, err := filepath.Rel(wd, abs)
	if err != nil || len(rel) >= len(abs) {
		return abs
	}
	return rel
}

// dedupe drops repeated problems: a mapping merged (<<) into several places reports its own
// problems once per place.
func dedupe(errs Errors) Errors {
	seen := map[string]bool{}
	out := errs[:0]
	for _, e := range errs {
		id := e.Error() + "\x00" + e.Fix
		if !seen[id] {
			seen[id] = true
			out = append(out, e)
		}
	}
	return out
}
