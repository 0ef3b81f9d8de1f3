package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/devenv/devenv/internal/dependency"
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
	names := allKeyNames(reflect.TypeFor[Config]())
	for _, kind := range dependency.Kinds() {
		names = append(names, kind.Name)
		names = append(names, kind.Keys()...)
	}
	for _, name := range names {
		if !strings.Contains(docs, "`"+name+"`") && !strings.Contains(docs, "."+name+"`") {
			t.Errorf("docs/config.md does not describe the key %s", name)
		}
		if !strings.Contains(example, name+":") {
			t.Errorf("devenv.yaml.example does not show the key %s", name)
		}
	}
}

// Each kind has its table in docs/config.md: a row per key, with the kind's defaults.
func TestDocsDescribeEveryDependencyKind(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "config.md"))
	if err != nil {
		t.Fatal(err)
	}
	docs := string(b)
	common := allKeyNames(reflect.TypeFor[Dependency]())
	for _, kind := range dependency.Kinds() {
		heading := "**`" + kind.Name + "`**"
		start := strings.Index(docs, heading)
		if start < 0 {
			t.Errorf("docs/config.md has no section %s under dependencies", heading)
			continue
		}
		section := docs[start+len(heading):]
		if end := strings.Index(section, "\n**`"); end >= 0 {
			section = section[:end]
		}
		if end := strings.Index(section, "\n## "); end >= 0 {
			section = section[:end]
		}
		row := func(key string) string {
			i := strings.Index(section, "| `"+key+"` |")
			if i < 0 {
				t.Errorf("docs/config.md, %s: no row for %s", heading, key)
				return ""
			}
			line, _, _ := strings.Cut(section[i:], "\n")
			return line
		}
		for _, key := range common {
			row(key)
		}
		mustShow := func(key, value string) {
			if r := row(key); r != "" && !strings.Contains(r, value) {
				t.Errorf("docs/config.md, %s: the row of %s does not show %s: %s", heading, key, value, r)
			}
		}
		mustShow("version", "`"+kind.Version+"`")
		mustShow("port", strconv.Itoa(int(kind.Port)))
		for _, s := range kind.Settings {
			mustShow(s.Key, "`"+s.Default+"`")
		}
		for _, p := range kind.ExtraPorts {
			mustShow(p.Key, strconv.Itoa(int(p.Port)))
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
