package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The reference and the example are how users learn the keys; they must not fall behind Config.
func TestDocsAndExampleCoverEveryKey(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	docs, example := read("docs/config.md"), read("devenv.yaml.example")
	for _, k := range fixedKeys() {
		row := "| `" + envVar(k.path) + "` | `" + k.path + "` |"
		if !strings.Contains(docs, row) {
			t.Errorf("docs/config.md: no row %q in the list of overrides", row)
		}
	}
	for _, name := range allKeyNames(reflect.TypeFor[Config]()) {
		if !strings.Contains(docs, "`"+name+"`") && !strings.Contains(docs, "."+name+"`") {
			t.Errorf("docs/config.md does not describe the key %s", name)
		}
		if !strings.Contains(example, name+":") {
			t.Errorf("devenv.yaml.example does not show the key %s", name)
		}
	}
}

// allKeyNames lists every key name in devenv.yaml's schema.
func allKeyNames(t reflect.Type) []string {
	var out []string
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Map || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for i := range t.NumField() {
			if name := tagName(t.Field(i)); name != "" {
				out = append(out, name)
				walk(t.Field(i).Type)
			}
		}
	}
	walk(t)
	return out
}
