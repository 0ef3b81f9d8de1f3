package config

import (
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/devenv/devenv/internal/dependency"
	yaml "go.yaml.in/yaml/v3"
)

// What devenv.yaml's dependencies section may hold comes from the dependency registry: its keys
// are the registry's kinds, and each kind takes the keys every kind takes (Dependency's fields)
// plus its own (dependency.Kind.Keys). Nothing here names a kind.

// depKey is one key under dependencies.<kind>, and where its value lives in a Dependency.
type depKey struct {
	name string
	typ  reflect.Type
	get  func(*Dependency) any
	set  func(*Dependency, any)
}

// depKeys are the keys kind takes: Dependency's fields, then the kind's settings and extra
// ports.
func depKeys(kind dependency.Kind) []depKey {
	var out []depKey
	t := reflect.TypeFor[Dependency]()
	for i := range t.NumField() {
		name := tagName(t.Field(i))
		if name == "" {
			continue
		}
		field := func(d *Dependency) reflect.Value { return reflect.ValueOf(d).Elem().Field(i) }
		out = append(out, depKey{name: name, typ: t.Field(i).Type,
			get: func(d *Dependency) any { return field(d).Interface() },
			set: func(d *Dependency, v any) { field(d).Set(reflect.ValueOf(v)) }})
	}
	for _, s := range kind.Settings {
		out = append(out, depKey{name: s.Key, typ: reflect.TypeFor[string](),
			get: func(d *Dependency) any { return d.Settings[s.Key] },
			set: func(d *Dependency, v any) {
				if d.Settings == nil {
					d.Settings = dependency.Settings{}
				}
				d.Settings[s.Key] = v.(string)
			}})
	}
	for _, p := range kind.ExtraPorts {
		out = append(out, depKey{name: p.Key, typ: reflect.TypeFor[int](),
			get: func(d *Dependency) any { return d.ExtraPorts[p.Key] },
			set: func(d *Dependency, v any) {
				if d.ExtraPorts == nil {
					d.ExtraPorts = map[string]int{}
				}
				d.ExtraPorts[p.Key] = v.(int)
			}})
	}
	return out
}

func depKeyNames(keys []depKey) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.name
	}
	return out
}

// dependencies decodes the dependencies mapping. A kind listed with an empty body (redis:) is
// enabled with the defaults.
func (d *decoder) dependencies(key string, n *yaml.Node) Dependencies {
	deps := Dependencies{}
	for _, e := range d.entries(key, n) {
		if strings.HasPrefix(e.name, "x-") {
			continue
		}
		fk := joinKey(key, e.name)
		kind, ok := dependency.Lookup(e.name)
		if !ok {
			d.unknownDependency(fk, e)
			continue
		}
		d.src.index[fk] = nodePos(e.key)
		if !d.spend(e.val) {
			continue
		}
		v := deref(e.val)
		if v == nil {
			continue
		}
		dep := &Dependency{}
		switch {
		case isNull(v):
		case v.Kind == yaml.MappingNode:
			d.dependency(fk, kind, v, dep)
		default:
			// Still enabled: checks of what refers to it (depends_on: [mysql]) should not
			// report a second, made-up problem.
			d.typeError(fk, v, "a mapping")
		}
		deps[e.name] = dep
	}
	return deps
}

func (d *decoder) dependency(key string, kind dependency.Kind, n *yaml.Node, dep *Dependency) {
	keys := depKeys(kind)
	for _, e := range d.entries(key, n) {
		if strings.HasPrefix(e.name, "x-") {
			continue
		}
		fk := joinKey(key, e.name)
		i := slices.IndexFunc(keys, func(k depKey) bool { return k.name == e.name })
		if i < 0 {
			d.unknownKeyOf(fk, e, reflect.TypeFor[Dependency](), depKeyNames(keys))
			continue
		}
		d.src.index[fk] = nodePos(e.key)
		v := reflect.New(keys[i].typ).Elem()
		d.value(fk, e.val, v, ruleNone)
		keys[i].set(dep, v.Interface())
	}
}

func (d *decoder) unknownDependency(key string, e entry) {
	d.bad[key] = true
	known := slices.Sorted(slices.Values(dependency.Names()))
	fix := "devenv runs and seeds " + strings.Join(known, ", ") + " itself; run anything else as a service with an image (services.<name>.image)"
	if alt := suggest(e.name, known); alt != "" {
		fix = "did you mean " + alt + "?"
	}
	d.errs = append(d.errs, d.src.errNode(key, e.key,
		fmt.Sprintf("unknown dependency %s (supported: %s)", quote(e.name), strings.Join(known, ", ")), fix))
}

// dependencyFixedKeys are the scalar keys of every kind, enabled or not: a variable for a
// dependency the file does not enable is still checked.
func dependencyFixedKeys(prefix string) []fixedKey {
	var out []fixedKey
	for _, kind := range dependency.Kinds() {
		for _, k := range depKeys(kind) {
			switch k.typ.Kind() {
			case reflect.String, reflect.Int:
			default:
				continue
			}
			out = append(out, fixedKey{
				path: joinKey(prefix, kind.Name+"."+k.name),
				kind: k.typ.Kind(),
				get: func(cfg *Config) (any, bool) {
					if dep := cfg.Dependencies[kind.Name]; dep != nil {
						return k.get(dep), true
					}
					return nil, false
				},
				set: func(cfg *Config, v any) {
					if dep := cfg.Dependencies[kind.Name]; dep != nil {
						k.set(dep, v)
					}
				},
			})
		}
	}
	return out
}

// dependencyDefaults are the kinds' defaults for the settings layer (see defaultSettings).
func dependencyDefaults(d map[string]any) {
	for _, kind := range dependency.Kinds() {
		d["dependencies."+kind.Name+".version"] = kind.Version
		for _, s := range kind.Settings {
			d["dependencies."+kind.Name+"."+s.Key] = s.Default
		}
	}
}

// enabled is a dependency the file enables, with its kind.
type enabled struct {
	kind dependency.Kind
	dep  *Dependency
}

// enabledDependencies are the dependencies the file enables, in registry order.
func (cfg *Config) enabledDependencies() []enabled {
	var out []enabled
	for _, kind := range dependency.Kinds() {
		if dep := cfg.Dependencies[kind.Name]; dep != nil {
			out = append(out, enabled{kind, dep})
		}
	}
	return out
}

// applyDependencyDefaults fills what depends on other settings: the image follows the version
// (after overrides, so DEVENV_DEPENDENCIES_MYSQL_VERSION=8.0 changes it too), and the fixtures
// folder is fixtures/<kind>, absolute.
func applyDependencyDefaults(cfg *Config) {
	for _, e := range cfg.enabledDependencies() {
		if e.dep.Image == "" {
			e.dep.Image = e.kind.DefaultImage(e.dep.Version)
		}
		if e.dep.Fixtures == "" {
			e.dep.Fixtures = filepath.Join("fixtures", e.kind.Name)
		}
		if !filepath.IsAbs(e.dep.Fixtures) {
			e.dep.Fixtures = filepath.Join(cfg.Dir, e.dep.Fixtures)
		}
	}
}

// kindProblems are the settings each enabled kind refuses.
func (c *checker) kindProblems() {
	for _, e := range c.cfg.enabledDependencies() {
		if e.kind.Check == nil {
			continue
		}
		for _, p := range e.kind.Check(e.dep.Settings) {
			c.add("dependencies."+e.kind.Name+"."+p.Key, p.Message, p.Fix)
		}
	}
}

func isDependencyKind(name string) bool {
	_, ok := dependency.Lookup(name)
	return ok
}
