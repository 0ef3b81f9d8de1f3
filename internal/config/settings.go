package config

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/viper"
)

// envPrefix starts every variable that overrides a devenv.yaml key.
const envPrefix = "DEVENV_"

// fixedKey is a scalar at a fixed key path: outside services, env and the other mappings whose
// keys the user names. Only these can be overridden, because only for these does a variable
// name map back to one key (a service called web_app and one called web with a key app_… would
// both be DEVENV_SERVICES_WEB_APP_…).
type fixedKey struct {
	path string       // dependencies.mysql.port
	kind reflect.Kind // String, Int, Float64 or Bool
	// get is the key's value in cfg, or false when it belongs to a dependency the file does
	// not enable. A variable sets values; it does not enable a dependency, so a CI runner can
	// export DEVENV_DEPENDENCIES_MYSQL_PORT for every project, with or without MySQL.
	get func(cfg *Config) (any, bool)
	// set writes a value of kind; it does nothing where get says false.
	set func(cfg *Config, v any)
}

// envVar is the variable that overrides key, e.g. dependencies.mysql.port →
// DEVENV_DEPENDENCIES_MYSQL_PORT.
func envVar(key string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

func fixedKeys() []fixedKey {
	var out []fixedKey
	collectFixed(reflect.TypeFor[Config](), "", nil, &out)
	return out
}

func collectFixed(t reflect.Type, prefix string, index []int, out *[]fixedKey) {
	for i := range t.NumField() {
		f := t.Field(i)
		name := tagName(f)
		if name == "" {
			continue
		}
		path, idx := joinKey(prefix, name), append(slices.Clone(index), i)
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch ft.Kind() {
		case reflect.Struct:
			collectFixed(ft, path, idx, out)
		case reflect.Map:
			if ft == reflect.TypeFor[Dependencies]() {
				*out = append(*out, dependencyFixedKeys(path)...)
			}
		case reflect.String, reflect.Int, reflect.Float64, reflect.Bool:
			*out = append(*out, fieldKey(path, ft.Kind(), idx))
		}
	}
}

// fieldKey is the key of a field of Config, index its field indices from Config down.
func fieldKey(path string, kind reflect.Kind, index []int) fixedKey {
	field := func(cfg *Config) (reflect.Value, bool) {
		v := reflect.ValueOf(cfg).Elem()
		for _, i := range index {
			if v.Kind() == reflect.Pointer {
				if v.IsNil() {
					return reflect.Value{}, false
				}
				v = v.Elem()
			}
			v = v.Field(i)
		}
		return v, true
	}
	return fixedKey{path: path, kind: kind,
		get: func(cfg *Config) (any, bool) {
			f, ok := field(cfg)
			if !ok {
				return nil, false
			}
			return f.Interface(), true
		},
		set: func(cfg *Config, v any) {
			if f, ok := field(cfg); ok {
				f.Set(reflect.ValueOf(v))
			}
		}}
}

// applySettings resolves every fixed key through viper's precedence, built-in default <
// devenv.yaml < DEVENV_* variable, and writes the winners back into cfg.
//
// viper sees only these keys. It lower-cases keys and splits them at dots, which would turn
// env: {NODE_ENV: ...} into node_env and an image override such as "mysql:8.4" into nested
// keys, so mappings and lists come from the YAML tree (decode.go). Its AutomaticEnv reads the
// process environment, while Load takes the environment as an argument, so the variables are
// parsed here, where a bad one can be reported by name, and handed to viper with Set.
func applySettings(cfg *Config, src *source, env map[string]string, defaults map[string]any) Errors {
	v := viper.New()
	for key, val := range defaults {
		v.SetDefault(key, val)
	}
	var errs Errors
	file := map[string]any{}
	keys := fixedKeys()
	for _, k := range keys {
		if src.given[k.path] {
			if val, ok := k.get(cfg); ok {
				setNested(file, k.path, val)
			}
		}
		name := envVar(k.path)
		// Empty counts as unset, as in viper's own env handling: `DEVENV_NAME= devenv up` and
		// an unset variable mean the same.
		raw := env[name]
		if raw == "" {
			continue
		}
		val, err := parseScalar(k.kind, raw)
		if err != nil {
			errs = append(errs, &Error{File: src.file, shown: src.shown, Var: name, Key: k.path, Message: err.Error(),
				Fix: fmt.Sprintf("set %s to %s, or unset it", name, kindExample(k.kind))})
			continue
		}
		v.Set(k.path, val)
		src.fromEnv[k.path] = name
	}
	if err := v.MergeConfigMap(file); err != nil {
		// Cannot happen: the map is built above from plain values. Kept as an error, not a panic.
		errs = append(errs, src.errAt("", "merge settings: "+err.Error(), ""))
	}
	for _, k := range keys {
		if !v.IsSet(k.path) {
			continue
		}
		switch k.kind {
		case reflect.String:
			k.set(cfg, v.GetString(k.path))
		case reflect.Int:
			k.set(cfg, v.GetInt(k.path))
		case reflect.Float64:
			k.set(cfg, v.GetFloat64(k.path))
		case reflect.Bool:
			k.set(cfg, v.GetBool(k.path))
		}
	}
	return errs
}

// setNested puts val at a dotted path in m, the shape viper's MergeConfigMap reads.
func setNested(m map[string]any, path string, val any) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		sub, ok := m[p].(map[string]any)
		if !ok {
			sub = map[string]any{}
			m[p] = sub
		}
		m = sub
	}
	m[parts[len(parts)-1]] = val
}

func parseScalar(kind reflect.Kind, raw string) (any, error) {
	s := strings.TrimSpace(raw)
	switch kind {
	case reflect.Int:
		i, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("expected a whole number, got %s", quote(raw))
		}
		return i, nil
	case reflect.Float64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("expected a number, got %s", quote(raw))
		}
		return f, nil
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("expected true or false, got %s", quote(raw))
		}
		return b, nil
	}
	return raw, nil
}

func kindExample(kind reflect.Kind) string {
	switch kind {
	case reflect.Int:
		return "a whole number"
	case reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	}
	return "a string"
}
