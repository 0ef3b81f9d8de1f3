package config

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// maxNodes caps how many YAML values one file may expand to. Aliases let a few hundred bytes
// name millions of values ("billion laughs"); a real devenv.yaml has a few hundred.
const maxNodes = 100_000

// rule is a shape a field accepts beyond its Go type's own, the way compose accepts it.
type rule int

const (
	ruleNone         rule = iota
	ruleShellWords        // command: "npm run dev" is split like a shell would split it
	ruleOneOrMany         // env_file: .env is [.env]
	ruleKeyValueList      // env: ["A=1"] is {A: "1"}
	ruleBuildContext      // build: ./web is build: {context: ./web}
	ruleDependencies      // dependencies: keys and their keys come from the registry (dependencies.go)
)

func fieldRule(t reflect.Type, f reflect.StructField) rule {
	switch t.Name() + "." + f.Name {
	case "Service.Command":
		return ruleShellWords
	case "Service.EnvFile", "Config.Compose":
		return ruleOneOrMany
	case "Service.Env", "Build.Args":
		return ruleKeyValueList
	case "Service.Build":
		return ruleBuildContext
	case "Config.Dependencies":
		return ruleDependencies
	}
	return ruleNone
}

// decoder turns the YAML tree into a Config, checking every key and value type against
// Config's mapstructure tags, and records in src where each key is. It decodes from the tree
// rather than through viper or yaml.Unmarshal because both lose what errors need: viper the
// lines and the case of map keys, yaml.Unmarshal all but the first problem.
type decoder struct {
	src       *source
	errs      Errors
	bad       map[string]bool // keys whose value could not be decoded (see checker.add)
	budget    int
	exhausted bool
	merging   map[*yaml.Node]bool // mappings being merged with <<, to stop a merge of itself
}

type entry struct {
	name     string
	key, val *yaml.Node
}

// decodeDocument decodes root (nil for an empty file) into a new Config.
func decodeDocument(src *source, root *yaml.Node) (*Config, Errors, map[string]bool) {
	cfg := &Config{}
	d := &decoder{src: src, bad: map[string]bool{}, budget: maxNodes, merging: map[*yaml.Node]bool{}}
	if root != nil && root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			root = nil
		} else {
			root = root.Content[0]
		}
	}
	if root == nil {
		return cfg, nil, d.bad
	}
	src.index[""] = nodePos(root)
	n := deref(root)
	switch {
	case n == nil || isNull(n):
	case n.Kind != yaml.MappingNode:
		d.fail("", root, "the file must be a mapping of keys (name, services, dependencies, ...), not "+describe(n),
			"start from devenv.yaml.example, which shows every key")
	default:
		d.object("", n, reflect.ValueOf(cfg).Elem())
	}
	return cfg, d.errs, d.bad
}

// fail reports a problem at a node with no place of its own in the index: a key that is
// unknown, repeated or not text, or a merge.
func (d *decoder) fail(key string, at *yaml.Node, msg, fix string) {
	d.bad[key] = true
	d.errs = append(d.errs, d.src.errNode(key, at, msg, fix))
}

// failValue reports a bad value at its key (or list item), like every later check does, so
// a problem's column is always its key's.
func (d *decoder) failValue(key, msg, fix string) {
	d.bad[key] = true
	d.errs = append(d.errs, d.src.errAt(key, msg, fix))
}

// spend takes one value from the budget; false once it is gone.
func (d *decoder) spend(at *yaml.Node) bool {
	if d.budget > 0 {
		d.budget--
		return true
	}
	if !d.exhausted {
		d.exhausted = true
		d.fail("", at, fmt.Sprintf("the file expands to more than %d values (YAML aliases?)", maxNodes),
			"write the values out, or reuse fewer aliases")
	}
	return false
}

func (d *decoder) value(key string, n *yaml.Node, v reflect.Value, r rule) {
	if !d.spend(n) {
		return
	}
	if n = deref(n); n == nil {
		return
	}
	switch v.Kind() {
	case reflect.String:
		if s, ok := d.text(key, n); ok {
			v.SetString(s)
			d.src.given[key] = s != ""
		}
	case reflect.Int:
		d.integer(key, n, v)
	case reflect.Float64:
		d.float(key, n, v)
	case reflect.Bool:
		d.boolean(key, n, v)
	case reflect.Slice:
		d.list(key, n, v, r)
	case reflect.Map:
		d.mapping(key, n, v, r)
	case reflect.Struct:
		switch {
		case isNull(n):
		case n.Kind == yaml.MappingNode:
			d.object(key, n, v)
		default:
			d.typeError(key, n, "a mapping")
		}
	case reflect.Pointer:
		// A key with an empty body (redis:, build:) is there, with defaults: only a missing key
		// leaves the pointer nil.
		p := reflect.New(v.Type().Elem())
		switch {
		case isNull(n):
		case n.Kind == yaml.MappingNode:
			d.object(key, n, p.Elem())
		case r == ruleBuildContext && n.Kind == yaml.ScalarNode:
			p.Elem().FieldByName("Context").SetString(n.Value)
		default:
			// Still set, empty: the key is there, and checks of what refers to it (depends_on:
			// [web]) should not report a second, made-up problem.
			d.typeError(key, n, "a mapping")
		}
		v.Set(p)
	default:
		panic(fmt.Sprintf("config: no decoder for %s at %s", v.Type(), key)) // a field type added to Config without one
	}
}

// text is a scalar's text as written, so version: 8.10 stays "8.10" and is not read as the
// number 8.1. Numbers and booleans are fine where strings are expected, as in compose.
func (d *decoder) text(key string, n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.typeError(key, n, "a string, number or true/false")
		return "", false
	}
	if isNull(n) {
		return "", true
	}
	return n.Value, true
}

func (d *decoder) integer(key string, n *yaml.Node, v reflect.Value) {
	if isNull(n) {
		return
	}
	var i int
	ok := false
	switch n.ShortTag() {
	case "!!int":
		ok = n.Decode(&i) == nil
	case "!!str":
		var err error
		i, err = strconv.Atoi(strings.TrimSpace(n.Value))
		ok = err == nil
	}
	if !ok {
		d.typeError(key, n, "a whole number")
		return
	}
	v.SetInt(int64(i))
	d.src.given[key] = true
}

func (d *decoder) float(key string, n *yaml.Node, v reflect.Value) {
	if isNull(n) {
		return
	}
	var f float64
	ok := false
	switch n.ShortTag() {
	case "!!int", "!!float":
		ok = n.Decode(&f) == nil
	case "!!str":
		var err error
		f, err = strconv.ParseFloat(strings.TrimSpace(n.Value), 64)
		ok = err == nil
	}
	if !ok {
		d.typeError(key, n, "a number")
		return
	}
	v.SetFloat(f)
	d.src.given[key] = true
}

func (d *decoder) boolean(key string, n *yaml.Node, v reflect.Value) {
	if isNull(n) {
		return
	}
	var b bool
	// yaml's own decoding also takes YAML 1.1's yes/no/on/off for a bool.
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		d.typeError(key, n, "true or false")
		return
	}
	v.SetBool(b)
	d.src.given[key] = true
}

func (d *decoder) list(key string, n *yaml.Node, v reflect.Value, r rule) {
	switch {
	case isNull(n):
	case n.Kind == yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		if !d.stringItems(key, n, func(_ string, _ *yaml.Node, s string) { out = append(out, s) }) {
			return
		}
		v.Set(reflect.ValueOf(out))
	case n.Kind == yaml.ScalarNode && r == ruleShellWords:
		words, err := splitCommand(n.Value)
		if err != nil {
			d.failValue(key, err.Error(), `write the command as a list, e.g. command: ["sh", "-c", "npm install && npm run dev"]`)
			return
		}
		if len(words) > 0 {
			v.Set(reflect.ValueOf(words))
		}
	case n.Kind == yaml.ScalarNode && r == ruleOneOrMany:
		v.Set(reflect.ValueOf([]string{n.Value}))
	default:
		d.typeError(key, n, "a list")
	}
}

// stringItems indexes each item of the sequence n for error positions and calls use with each
// one that is a string. It returns false when the value budget ran out part way.
func (d *decoder) stringItems(key string, n *yaml.Node, use func(itemKey string, item *yaml.Node, s string)) bool {
	for i, item := range n.Content {
		ik := key + "[" + strconv.Itoa(i) + "]"
		d.src.index[ik] = nodePos(item)
		if !d.spend(item) {
			return false
		}
		it := deref(item)
		if it == nil {
			continue
		}
		if s, ok := d.text(ik, it); ok {
			use(ik, item, s)
		}
	}
	return true
}

func (d *decoder) mapping(key string, n *yaml.Node, v reflect.Value, r rule) {
	m := reflect.MakeMap(v.Type())
	switch {
	case isNull(n):
		return
	case n.Kind == yaml.SequenceNode && r == ruleKeyValueList:
		first := map[string]int{}
		complete := d.stringItems(key, n, func(ik string, item *yaml.Node, s string) {
			name, val, found := strings.Cut(s, "=")
			if !found || name == "" {
				d.failValue(ik, fmt.Sprintf("expected NAME=VALUE, got %s", quote(s)), "write NAME=VALUE, or use a mapping: NAME: VALUE")
				return
			}
			if line, dup := first[name]; dup {
				d.failValue(ik, fmt.Sprintf("%s is set twice (first on line %d)", quote(name), line), "remove one of them")
				return
			}
			first[name] = item.Line
			d.src.index[joinKey(key, name)] = nodePos(item)
			m.SetMapIndex(reflect.ValueOf(name), reflect.ValueOf(val))
		})
		if !complete {
			return
		}
	case n.Kind == yaml.MappingNode && r == ruleDependencies:
		v.Set(reflect.ValueOf(d.dependencies(key, n)))
		return
	case n.Kind == yaml.MappingNode:
		for _, e := range d.entries(key, n) {
			ek := joinKey(key, e.name)
			d.src.index[ek] = nodePos(e.key)
			ev := reflect.New(v.Type().Elem()).Elem()
			d.value(ek, e.val, ev, ruleNone)
			if ev.Kind() == reflect.Pointer && ev.IsNil() {
				continue // not decoded: the budget ran out
			}
			m.SetMapIndex(reflect.ValueOf(e.name), ev)
		}
	default:
		d.typeError(key, n, "a mapping")
		return
	}
	v.Set(m)
}

func (d *decoder) object(key string, n *yaml.Node, v reflect.Value) {
	t := v.Type()
	fields := structKeys(t)
	for _, e := range d.entries(key, n) {
		// x- keys are compose's extension fields: places to park YAML anchors, ignored.
		if strings.HasPrefix(e.name, "x-") {
			continue
		}
		fk := joinKey(key, e.name)
		i, ok := fields[e.name]
		if !ok {
			d.unknownKey(fk, e, t)
			continue
		}
		d.src.index[fk] = nodePos(e.key)
		d.value(fk, e.val, v.Field(i), fieldRule(t, t.Field(i)))
	}
}

// entries lists a mapping's keys and values with YAML merge keys (<<: *base) applied: keys
// written in the mapping win over merged ones, earlier merged mappings over later ones.
func (d *decoder) entries(key string, n *yaml.Node) []entry {
	var out, merged []entry
	first := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merged = append(merged, d.merge(key, val)...)
			continue
		}
		kn := deref(k)
		if kn == nil || kn.Kind != yaml.ScalarNode {
			d.fail(key, k, "a key must be a plain name, not "+describe(kn), "write the key as text")
			continue
		}
		if line, dup := first[kn.Value]; dup {
			d.fail(joinKey(key, kn.Value), k, fmt.Sprintf("%s is set twice (first on line %d)", quote(kn.Value), line), "remove one of them")
			continue
		}
		first[kn.Value] = k.Line
		out = append(out, entry{name: kn.Value, key: k, val: val})
	}
	for _, e := range merged {
		if _, ok := first[e.name]; !ok {
			first[e.name] = e.key.Line
			out = append(out, e)
		}
	}
	return out
}

func (d *decoder) merge(key string, n *yaml.Node) []entry {
	src := deref(n)
	switch {
	case src == nil:
		return nil
	case src.Kind == yaml.MappingNode:
		if d.merging[src] {
			d.fail(key, n, "<< merges a mapping into itself", "remove the <<")
			return nil
		}
		if !d.spend(n) {
			return nil
		}
		d.merging[src] = true
		defer delete(d.merging, src)
		return d.entries(key, src)
	case src.Kind == yaml.SequenceNode:
		var out []entry
		for _, item := range src.Content {
			if it := deref(item); it == nil || it.Kind != yaml.MappingNode {
				d.fail(key, item, "<< must merge mappings, not "+describe(it), "list only mappings (*anchors of mappings) after <<")
				continue
			}
			out = append(out, d.merge(key, item)...)
		}
		return out
	}
	d.fail(key, n, "<< must merge a mapping or a list of mappings, not "+describe(src), "merge an *anchor of a mapping")
	return nil
}

func (d *decoder) typeError(key string, n *yaml.Node, want string) {
	d.failValue(key, fmt.Sprintf("expected %s, got %s", want, describe(n)), example(key))
}

func (d *decoder) unknownKey(key string, e entry, t reflect.Type) {
	d.unknownKeyOf(key, e, t, slices.Collect(maps.Keys(structKeys(t))))
}

// unknownKeyOf reports a key that is not one of known, the keys of a t.
func (d *decoder) unknownKeyOf(key string, e entry, t reflect.Type, known []string) {
	known = slices.Sorted(slices.Values(known))
	// A mistyped key leaves its parent without a value it was meant to have, so checks of the
	// parent would only repeat the mistake in other words (see checker.add).
	d.bad[key] = true
	msg := "unknown key " + quote(e.name)
	var fix string
	if alt := devenvName(t, e.name); alt != "" {
		msg += " (devenv calls it " + alt + ")"
		fix = "use " + alt
	} else if t == reflect.TypeFor[Service]() && composeOnlyServiceKey(e.name) {
		fix = "devenv.yaml has no " + e.name + "; set it in a compose file listed under compose: (compose files are merged with devenv.yaml)"
	} else if s := suggest(e.name, known); s != "" {
		msg += " (did you mean " + s + "?)"
		fix = "rename it to " + s
	} else {
		fix = "remove it; keys allowed here: " + strings.Join(known, ", ")
	}
	d.errs = append(d.errs, d.src.errNode(key, e.key, msg, fix))
}

// structKeys maps a struct's YAML keys (its mapstructure tags) to field indices.
func structKeys(t reflect.Type) map[string]int {
	keys := map[string]int{}
	for i := range t.NumField() {
		if name := tagName(t.Field(i)); name != "" {
			keys[name] = i
		}
	}
	return keys
}

func tagName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// deref follows an alias (*name) to the node it names.
func deref(n *yaml.Node) *yaml.Node {
	for range 8 {
		if n == nil || n.Kind != yaml.AliasNode {
			return n
		}
		n = n.Alias
	}
	return nil
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}
