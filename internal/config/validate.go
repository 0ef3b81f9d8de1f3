package config

import (
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/docker/go-units"
)

// minMemory is the smallest memory limit the engine accepts.
const minMemory = 6 * 1024 * 1024

// checker collects the problems of a decoded Config.
type checker struct {
	cfg *Config
	src *source
	bad map[string]bool // keys the decoder already reported
	// badParents holds the parent of each bad key, built on first use.
	badParents map[string]bool
	errs       Errors
	// suggestions remembers suggest's answers: one aliased list can repeat a name thousands
	// of times.
	suggestions map[string]string
}

func (c *checker) suggest(s string, candidates []string) string {
	if alt, ok := c.suggestions[s]; ok {
		return alt
	}
	if c.suggestions == nil {
		c.suggestions = map[string]string{}
	}
	c.suggestions[s] = suggest(s, candidates)
	return c.suggestions[s]
}

// add reports a problem with key, unless the decoder already reported one that caused it: a
// check of key sees a zero value where the file had a value of the wrong type (key or an
// ancestor is bad), or misses a child whose key was mistyped (servics: leaves nothing to run,
// but the fix is the typo). The file as a whole (key "") is judged only when all of it could be
// read.
func (c *checker) add(key, msg, fix string) {
	if c.badParents == nil {
		c.badParents = map[string]bool{}
		for b := range c.bad {
			c.badParents[parentKey(b)] = true
		}
	}
	if c.badParents[key] || key == "" && len(c.bad) > 0 {
		return
	}
	for k := key; ; k = parentKey(k) {
		if c.bad[k] {
			return
		}
		if k == "" {
			break
		}
	}
	c.errs = append(c.errs, c.src.errAt(key, msg, fix))
}

func validate(cfg *Config, src *source, bad map[string]bool, knownTemplates []string) Errors {
	c := &checker{cfg: cfg, src: src, bad: bad}
	c.name()
	if len(cfg.Services) == 0 && len(cfg.Compose) == 0 && len(cfg.Dependencies) == 0 {
		c.add("", "nothing to run: no services, dependencies or compose files",
			"add a service or a dependency (devenv.yaml.example in the devenv repository shows every key)")
	}
	c.images()
	c.watch()
	c.extraHosts("extra_hosts", cfg.ExtraHosts)
	for i, f := range cfg.Compose {
		if strings.TrimSpace(f) == "" {
			c.add(fmt.Sprintf("compose[%d]", i), "empty compose file name", "name a compose file, relative to devenv.yaml")
		}
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Services)) {
		c.service(name, cfg.Services[name], knownTemplates)
	}
	c.cycles()
	c.dependencies()
	c.portClashes()
	return c.errs
}

func (c *checker) name() {
	name := c.cfg.Name
	if name == "" {
		c.add("name", fmt.Sprintf("no project name: the directory name %s has no letters or digits", quote(filepath.Base(c.cfg.Dir))),
			"set name: in devenv.yaml, or DEVENV_NAME")
		return
	}
	if validProjectName(name) {
		return
	}
	fix := "use lower-case letters, digits, '-' and '_'"
	if n := NormalizeProjectName(name); n != "" {
		fix = "use " + strconv.Quote(n)
	}
	c.add("name", fmt.Sprintf("invalid project name %s: lower-case letters, digits, '-' and '_' only, starting with a letter or digit", quote(name)), fix)
}

func (c *checker) images() {
	m := c.cfg.Images.Mirror
	switch {
	case strings.Contains(m, "://"):
		c.add("images.mirror", fmt.Sprintf("mirror %s is a URL; devenv wants a registry host", quote(m)),
			"write the host and port only, e.g. mirror: 127.0.0.1:5000")
	case strings.ContainsAny(m, " \t\n"):
		c.add("images.mirror", fmt.Sprintf("mirror %s contains spaces", quote(m)), "write a registry host, e.g. mirror: 127.0.0.1:5000")
	}
	for _, from := range slices.Sorted(maps.Keys(c.cfg.Images.Overrides)) {
		if from == "" || strings.TrimSpace(c.cfg.Images.Overrides[from]) == "" {
			c.add(joinKey("images.overrides", from), "an image override needs an image on both sides",
				`write "image:tag": "other-image:tag", e.g. "mysql:8.4": "mariadb:11"`)
		}
	}
}

func (c *checker) extraHosts(key string, hosts []string) {
	for i, h := range hosts {
		if err := checkExtraHost(h); err != nil {
			c.add(fmt.Sprintf("%s[%d]", key, i), err.Error(),
				`write host:ip with an RFC 1123 host name and an IPv4/IPv6 address or host-gateway, e.g. "npm.internal:10.0.0.5"`)
		}
	}
}

// validServiceName is compose's rule for service names.
func validServiceName(s string) bool {
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || i > 0 && (r == '_' || r == '.' || r == '-')) {
			return false
		}
	}
	return s != ""
}

func (c *checker) service(name string, s *Service, knownTemplates []string) {
	key := "services." + name
	if !validServiceName(name) {
		fix := "rename the service"
		if alt := NormalizeProjectName(name); alt != "" {
			fix += ", e.g. " + strconv.Quote(alt)
		}
		c.add(key, fmt.Sprintf("invalid service name %s: lower-case letters, digits, '_', '.' and '-' only, starting with a letter or digit", quote(name)), fix)
	}
	if c.dependencyEnabled(name) {
		c.add(key, fmt.Sprintf("service name %s is taken by the %s dependency", quote(name), name),
			"rename the service, or remove dependencies."+name)
	}
	switch {
	case s.Template == "" && s.Image == "" && s.Build == nil:
		c.add(key, "the service has no template, image or build",
			"add template: (with path:), image: <image>, or build: {context: <dir>}")
	case s.Template != "" && s.Image != "":
		c.add(key, "template and image are both set, but a template builds the service's image",
			"remove image: to build from the template, or template: to run the image")
	}
	if knownTemplates != nil && s.Template != "" && !slices.Contains(knownTemplates, s.Template) {
		known := slices.Sorted(slices.Values(knownTemplates))
		fix := "use one of the known templates, or add a template to templates_dir"
		if alt := suggest(s.Template, known); alt != "" {
			fix = "use template: " + alt
		}
		knownText := strings.Join(known, ", ")
		if len(known) == 0 {
			knownText = "none are available"
			fix = "use image: or build: for this service"
		}
		c.add(key+".template", fmt.Sprintf("unknown template %s (known: %s)", quote(s.Template), knownText), fix)
	}
	for i, p := range s.Ports {
		if _, err := parsePortSpec(p); err != nil {
			c.add(fmt.Sprintf("%s.ports[%d]", key, i), err.Error(), portSyntax)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(s.Env)) {
		if k == "" || strings.ContainsAny(k, "= \t\n") {
			c.add(key+".env."+k, fmt.Sprintf("invalid variable name %s", quote(k)), "use a name without '=' or spaces, e.g. NODE_ENV")
		}
	}
	for i, f := range s.EnvFile {
		if strings.TrimSpace(f) == "" {
			c.add(fmt.Sprintf("%s.env_file[%d]", key, i), "empty env file name", "name a file, relative to devenv.yaml")
		}
	}
	c.dependsOn(name, s)
	c.restart(key, s)
	c.resources(key, s.Resources)
	c.extraHosts(key+".extra_hosts", s.ExtraHosts)
}

func (c *checker) dependsOn(name string, s *Service) {
	seen := map[string]bool{}
	names := slices.Collect(maps.Keys(c.cfg.Services))
	names = append(names, c.enabledKinds()...)
	for i, dep := range s.DependsOn {
		key := fmt.Sprintf("services.%s.depends_on[%d]", name, i)
		switch {
		case seen[dep]:
			c.add(key, fmt.Sprintf("%s is listed twice", quote(dep)), "remove one of them")
		case c.cfg.Services[dep] != nil || c.dependencyEnabled(dep):
			// a service (a cycle through it is found by cycles) or an enabled dependency
		case isDependencyKind(dep):
			c.add(key, fmt.Sprintf("depends on %s, but the %s dependency is not enabled", quote(dep), dep),
				fmt.Sprintf("add %s: {} under dependencies:", dep))
		default:
			fix := "add it under services: or dependencies:, or remove it"
			if alt := c.suggest(dep, names); alt != "" {
				fix = "did you mean " + alt + "?"
			}
			c.add(key, fmt.Sprintf("depends on %s, which is neither a service nor an enabled dependency", quote(dep)), fix)
		}
		seen[dep] = true
	}
}

func (c *checker) restart(key string, s *Service) {
	policy, count, hasCount := strings.Cut(s.Restart, ":")
	switch {
	case policy == RestartOnFailure && hasCount:
		if n, err := strconv.Atoi(count); err != nil || n < 1 {
			c.add(key+".restart", fmt.Sprintf("invalid restart policy %s: the retry count must be a positive number", quote(s.Restart)), "e.g. restart: on-failure:3")
		}
	case hasCount:
		c.add(key+".restart", fmt.Sprintf("invalid restart policy %s: only on-failure takes a retry count", quote(s.Restart)), "use restart: on-failure:3, or a policy without a count")
	case policy == RestartNo || policy == RestartOnFailure:
	case policy == RestartAlways || policy == RestartUnlessStopped:
		if s.Job {
			c.add(key+".restart", fmt.Sprintf("a job with restart %s would run again each time it finishes", quote(s.Restart)),
				"use restart: no (the default for jobs) or on-failure")
		}
	default:
		policies := []string{RestartNo, RestartAlways, RestartOnFailure, RestartUnlessStopped}
		fix := "use one of: " + strings.Join(policies, ", ")
		if alt := suggest(s.Restart, policies); alt != "" {
			fix = "use restart: " + alt
		}
		c.add(key+".restart", fmt.Sprintf("unknown restart policy %s (known: %s)", quote(s.Restart), strings.Join(policies, ", ")), fix)
	}
}

func (c *checker) resources(key string, r Resources) {
	if r.Memory != "" {
		n, err := units.RAMInBytes(r.Memory)
		switch {
		case err != nil:
			c.add(key+".resources.memory", fmt.Sprintf("invalid memory size %s", quote(r.Memory)),
				"write a number and a unit (b, k, m, g), e.g. 512m or 1.5g")
		case n < minMemory:
			fix := "use at least 6m"
			if strings.Trim(r.Memory, "0123456789") == "" {
				fix = fmt.Sprintf("a number without a unit is bytes: did you mean %sm?", r.Memory)
			}
			c.add(key+".resources.memory", fmt.Sprintf("memory %s is below the engine's minimum of 6m", quote(r.Memory)), fix)
		}
	}
	switch {
	case math.IsNaN(r.CPUs) || math.IsInf(r.CPUs, 0):
		c.add(key+".resources.cpus", "cpus must be a finite number", "e.g. cpus: 1.5")
	case r.CPUs < 0:
		c.add(key+".resources.cpus", fmt.Sprintf("cpus must not be negative, got %g", r.CPUs), "e.g. cpus: 1.5, or leave it out for no limit")
	}
}

func (c *checker) dependencies() {
	c.kindProblems()
	for _, e := range c.cfg.enabledDependencies() {
		seen := map[string]bool{}
		for i, name := range e.dep.FixturesAfter {
			key := fmt.Sprintf("dependencies.%s.fixtures_after[%d]", e.kind.Name, i)
			switch {
			case strings.TrimSpace(name) == "":
				c.add(key, "empty service name", "name a service (a migration job, say) that must finish before the fixtures are applied")
			case seen[name]:
				c.add(key, fmt.Sprintf("%s is listed twice", quote(name)), "remove one of them")
			case isDependencyKind(name):
				c.add(key, fmt.Sprintf("%s is a dependency, not a service", quote(name)),
					"name services here; dependencies are seeded in parallel, each once it is healthy")
			}
			seen[name] = true
		}
		key := "dependencies." + e.kind.Name + ".fixtures"
		_, fromEnv := c.src.fromEnv[key]
		if !c.src.given[key] && !fromEnv {
			continue // the default folder is optional: no folder, nothing to seed
		}
		shown := e.dep.Fixtures
		if rel, err := filepath.Rel(c.cfg.Dir, shown); err == nil && !strings.HasPrefix(rel, "..") {
			shown = rel
		}
		if st, err := os.Stat(e.dep.Fixtures); err != nil {
			c.add(key, fmt.Sprintf("fixtures folder %s does not exist", quote(shown)),
				"create it, fix the path (relative to devenv.yaml), or remove the key")
		} else if !st.IsDir() {
			c.add(key, fmt.Sprintf("fixtures %s is a file, not a folder", quote(shown)),
				"name the folder that holds the fixture files")
		}
	}
	for _, p := range c.dependencyPorts() {
		if p.port < 0 || p.port > 65535 {
			c.add(p.key, fmt.Sprintf("port %d is out of range 1-65535", p.port), "pick a port in 1-65535, or 0 (or nothing) for the default")
		}
	}
}

func (c *checker) dependencyEnabled(kind string) bool {
	return c.cfg.Dependencies[kind] != nil
}

// enabledKinds are the names of the enabled dependencies, sorted.
func (c *checker) enabledKinds() []string {
	var out []string
	for name, dep := range c.cfg.Dependencies {
		if dep != nil {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

func (c *checker) watch() {
	if d := c.cfg.Watch.Debounce; d != "" {
		q, err := time.ParseDuration(d)
		if err != nil || q <= 0 || q > MaxDebounce {
			c.add("watch.debounce", fmt.Sprintf("debounce %s is not a duration between 1ms and %s", quote(d), MaxDebounce),
				"write a duration such as 50ms or 0.2s")
		}
	}
	for i, g := range c.cfg.Watch.Ignore {
		if strings.TrimSpace(g) == "" {
			c.add(fmt.Sprintf("watch.ignore[%d]", i), "an empty ignore pattern", "remove it, or write a glob such as tmp/**")
		} else if _, err := filepath.Match(strings.TrimPrefix(g, "!"), ""); err != nil {
			c.add(fmt.Sprintf("watch.ignore[%d]", i), fmt.Sprintf("ignore pattern %s: %v", quote(g), err), "fix the glob (.dockerignore syntax)")
		}
	}
}
