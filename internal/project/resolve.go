// Package project turns a devenv Config into the stack devenv runs: a compose-go *types.Project.
// devenv.yaml is translated into a compose model and loaded by compose-go together with any
// compose files the config names, so compose's own merging, interpolation, validation and
// normalisation apply, and `devenv config` output is valid input for `docker compose -f -`.
package project

import (
	"context"
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/catalog"
	"github.com/devenv/devenv/internal/config"
	"github.com/devenv/devenv/internal/dependency"
)

// ExtensionKey is the service extension devenv keeps its own facts in (kind, dependency, job).
const ExtensionKey = "x-devenv"

// HostGateway is added to every container and build so code reaches services on the host by the
// same name on Linux as on Docker Desktop.
const HostGateway = "host.docker.internal:host-gateway"

// Options tune how a project is resolved.
type Options struct {
	// Env is the environment compose interpolation reads (${VAR} in compose files), usually
	// the process environment.
	Env map[string]string
	// Profiles enables compose profiles.
	Profiles []string
	// Templates are the service templates `template:` may name.
	Templates catalog.Catalog
}

// Resolve builds the project for cfg.
func Resolve(ctx context.Context, cfg *config.Config, opts Options) (*types.Project, error) {
	details := types.ConfigDetails{WorkingDir: cfg.Dir, Environment: types.Mapping(maps.Clone(opts.Env))}
	if details.Environment == nil {
		details.Environment = types.Mapping{}
	}
	if !cfg.ComposeOnly {
		m, err := model(cfg, opts.Templates)
		if err != nil {
			return nil, err
		}
		details.ConfigFiles = append(details.ConfigFiles, types.ConfigFile{Filename: cfg.File, Config: m})
	}
	for _, f := range cfg.Compose {
		if !filepath.IsAbs(f) {
			f = filepath.Join(cfg.Dir, f)
		}
		details.ConfigFiles = append(details.ConfigFiles, types.ConfigFile{Filename: f})
	}
	if len(details.ConfigFiles) == 0 {
		return nil, fmt.Errorf("%s: no services, dependencies or compose files: nothing to run", cfg.File)
	}
	p, err := loader.LoadWithContext(ctx, details, func(o *loader.Options) {
		o.SetProjectName(cfg.Name, true)
		o.Profiles = opts.Profiles
		o.ResolvePaths = true
	})
	if err != nil {
		return nil, fmt.Errorf("load project %s: %w", cfg.Name, err)
	}
	if err := checkFixturesAfter(p, cfg); err != nil {
		return nil, err
	}
	return finish(p, cfg)
}

// checkFixturesAfter needs the whole project: the services named may come from a compose file.
func checkFixturesAfter(p *types.Project, cfg *config.Config) error {
	for _, name := range slices.Sorted(maps.Keys(p.Services)) {
		for _, after := range ExtensionOf(p.Services[name]).FixturesAfter {
			if _, ok := p.Services[after]; !ok {
				return fmt.Errorf("%s: dependencies.%s.fixtures_after names %q, which is not a service of the project (services: %s)",
					cfg.File, name, after, strings.Join(p.ServiceNames(), ", "))
			}
		}
	}
	return nil
}

// model is devenv.yaml as a compose model: dependencies first become ordinary services, then app
// services get their images, wiring and limits.
func model(cfg *config.Config, templates catalog.Catalog) (map[string]any, error) {
	services := map[string]any{}
	volumes := map[string]any{}
	deps := Dependencies(cfg)
	depEnv := map[string]string{}
	depKinds := map[string]bool{}
	for _, d := range deps {
		kind, _ := dependency.Lookup(d.Kind) // Dependencies lists only kinds of the registry
		vol := d.Kind + "-data"
		volumes[vol] = map[string]any{}
		services[d.Kind] = d.composeService(kind, vol)
		maps.Copy(depEnv, d.ConnectionEnv(d.Kind, d.ContainerPort))
		depKinds[d.Kind] = true
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Services)) {
		svc := appService(cfg, name, cfg.Services[name], depEnv, depKinds)
		if tn := cfg.Services[name].Template; tn != "" {
			t, ok := templates[tn]
			if !ok {
				return nil, fmt.Errorf("%s: service %s: unknown template %q (known: %s)", cfg.File, name, tn, strings.Join(templates.Names(), ", "))
			}
			applyTemplate(svc, name, cfg.Services[name], t, depKinds)
		}
		services[name] = svc
	}
	m := map[string]any{"services": services}
	if len(volumes) > 0 {
		m["volumes"] = volumes
	}
	return m, nil
}

// applyTemplate adds what a template gives a service, under whatever the service sets itself:
// the build (its folder, the template's dev target and base image), a port, a healthcheck, the
// source bind mount, hot-reload rules and waiting for the dependencies the template uses.
func applyTemplate(svc map[string]any, name string, s *config.Service, t *catalog.Template, depKinds map[string]bool) {
	dir := s.Path
	if dir == "" {
		dir = "./" + name
	}
	build, _ := svc["build"].(map[string]any)
	if build == nil {
		build = map[string]any{}
		svc["build"] = build
	}
	if s.Path == "" && (s.Build == nil || s.Build.Context == "") {
		build["context"] = dir // the service's own folder, where its template was scaffolded
	}
	if _, ok := build["target"]; !ok && t.Target != "" {
		build["target"] = t.Target
	}
	args, _ := build["args"].(map[string]any)
	if args == nil {
		args = map[string]any{}
	}
	if _, ok := args["BASE"]; !ok && t.Base != "" {
		args["BASE"] = t.Base
	}
	if len(args) > 0 {
		build["args"] = args
	}
	if _, ok := svc["ports"]; !ok && t.Port > 0 {
		// Published on a port the engine picks: two projects from one template never clash.
		svc["ports"] = []any{fmt.Sprint(t.Port)}
	}
	if t.Ready != "" {
		ext, _ := svc[ExtensionKey].(map[string]any)
		ext["ready_http"] = map[string]any{"port": t.Port, "path": t.Ready}
	}
	if len(t.Healthcheck) > 0 {
		svc["healthcheck"] = map[string]any{
			"test": toAnyList(t.Healthcheck), "interval": "10s", "timeout": "5s", "retries": 3,
			// The dev target compiles at start: give it time before failures count.
			"start_period": "120s",
		}
	}
	var volumes []any
	for _, m := range t.Mounts {
		volumes = append(volumes, map[string]any{"type": "bind", "source": path.Join(dir, m.Source), "target": m.Target})
	}
	if len(volumes) > 0 {
		svc["volumes"] = volumes
	}
	var watch []any
	for _, w := range t.Watch {
		rule := map[string]any{"path": path.Join(dir, w.Path), "action": w.Action}
		if w.Target != "" {
			rule["target"] = w.Target
		}
		if len(w.Ignore) > 0 {
			rule["ignore"] = toAnyList(w.Ignore)
		}
		watch = append(watch, rule)
	}
	if len(watch) > 0 {
		svc["develop"] = map[string]any{"watch": watch}
	}
	dependsOn, _ := svc["depends_on"].(map[string]any)
	for _, dep := range t.DependsOn {
		if !depKinds[dep] {
			continue
		}
		if dependsOn == nil {
			dependsOn = map[string]any{}
			svc["depends_on"] = dependsOn
		}
		if _, ok := dependsOn[dep]; !ok {
			dependsOn[dep] = map[string]any{"condition": types.ServiceConditionHealthy}
		}
	}
}

func appService(cfg *config.Config, name string, s *config.Service, depEnv map[string]string, depKinds map[string]bool) map[string]any {
	svc := map[string]any{}
	ext := map[string]any{"kind": "app"}
	if s.Template != "" {
		ext["template"] = s.Template
	}
	if s.Job {
		ext["job"] = true
	}
	svc[ExtensionKey] = ext
	if s.Image != "" {
		svc["image"] = s.Image
	}
	if b := s.Build; b != nil || (s.Image == "" && s.Path != "") {
		build := map[string]any{"context": s.Path}
		if b != nil {
			if b.Context != "" {
				build["context"] = b.Context
			}
			if b.Dockerfile != "" {
				build["dockerfile"] = b.Dockerfile
			}
			if b.Target != "" {
				build["target"] = b.Target
			}
			if len(b.Args) > 0 {
				build["args"] = toAnyMap(b.Args)
			}
		}
		if build["context"] == "" {
			build["context"] = "."
		}
		svc["build"] = build
	}
	if len(s.Command) > 0 {
		svc["command"] = toAnyList(s.Command)
	}
	if len(s.Ports) > 0 {
		svc["ports"] = toAnyList(s.Ports)
	}
	// Dependency settings first, so a service's own env wins over what devenv injects.
	env := maps.Clone(depEnv)
	maps.Copy(env, s.Env)
	if len(env) > 0 {
		svc["environment"] = toAnyMap(env)
	}
	if len(s.EnvFile) > 0 {
		svc["env_file"] = toAnyList(s.EnvFile)
	}
	if len(s.DependsOn) > 0 {
		dependsOn := map[string]any{}
		for _, dep := range s.DependsOn {
			cond := types.ServiceConditionStarted
			switch {
			case depKinds[dep]:
				cond = types.ServiceConditionHealthy
			case cfg.Services[dep] != nil && cfg.Services[dep].Job:
				cond = types.ServiceConditionCompletedSuccessfully
			}
			dependsOn[dep] = map[string]any{"condition": cond}
		}
		svc["depends_on"] = dependsOn
	}
	switch {
	case s.Restart != "":
		svc["restart"] = s.Restart
	case s.Job:
		svc["restart"] = "no"
	default:
		svc["restart"] = "unless-stopped"
	}
	if s.Resources.Memory != "" {
		svc["mem_limit"] = s.Resources.Memory
	}
	if s.Resources.CPUs > 0 {
		svc["cpus"] = s.Resources.CPUs
	}
	if len(s.ExtraHosts) > 0 {
		svc["extra_hosts"] = toAnyList(s.ExtraHosts)
	}
	return svc
}

// finish applies what devenv adds to every service, including those from plain compose files:
// images through the mirror, loopback-only published ports, extra hosts in containers and builds.
func finish(p *types.Project, cfg *config.Config) (*types.Project, error) {
	images := ImageResolver{Mirror: cfg.Images.Mirror, Overrides: cfg.Images.Overrides}
	hosts := append([]string{HostGateway}, cfg.ExtraHosts...)
	return p.WithServicesTransform(func(name string, s types.ServiceConfig) (types.ServiceConfig, error) {
		if s.Build != nil && s.Image == "" {
			s.Image = p.Name + "-" + name + ":dev"
		} else if s.Build == nil {
			img, err := images.Resolve(s.Image)
			if err != nil {
				return s, fmt.Errorf("service %s: %w", name, err)
			}
			s.Image = img
		}
		if s.Build != nil {
			if base, ok := s.Build.Args["BASE"]; ok && base != nil {
				img, err := images.Resolve(*base)
				if err != nil {
					return s, fmt.Errorf("service %s: build arg BASE: %w", name, err)
				}
				s.Build.Args["BASE"] = &img
			}
			s.Build.ExtraHosts = mergeHosts(s.Build.ExtraHosts, hosts)
		}
		for i := range s.Ports {
			if s.Ports[i].HostIP == "" {
				s.Ports[i].HostIP = "127.0.0.1"
			}
		}
		if s.NetworkMode == "" || s.NetworkMode == "bridge" {
			s.ExtraHosts = mergeHosts(s.ExtraHosts, hosts)
		}
		return s, nil
	})
}

// mergeHosts adds each "host:ip" entry of add whose host has no entry yet.
func mergeHosts(have types.HostsList, add []string) types.HostsList {
	if have == nil {
		have = types.HostsList{}
	}
	for _, h := range add {
		host, ip, ok := splitHost(h)
		if !ok {
			continue
		}
		if _, exists := have[host]; !exists {
			have[host] = []string{ip}
		}
	}
	return have
}

// splitHost splits "host:ip" (or "host=ip") at the first separator: IPv6 addresses contain colons.
func splitHost(entry string) (host, ip string, ok bool) {
	for i, c := range entry {
		if c == ':' || c == '=' {
			return entry[:i], entry[i+1:], i > 0 && i < len(entry)-1
		}
	}
	return "", "", false
}

func toAnyList(in []string) []any {
	out := make([]any, len(in))
	for i, s := range in {
		out[i] = s
	}
	return out
}

func toAnyMap(in map[string]string) map[string]any {
	out := make(map[string]any, len(in))
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out[k] = in[k]
	}
	return out
}
