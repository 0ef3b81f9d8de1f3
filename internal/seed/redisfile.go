package seed

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-shellwords"
	yaml "go.yaml.in/yaml/v3"
)

// redisKey is one key of a Redis key file: its whole value, which replaces what the key held.
type redisKey struct {
	Name string
	Line int
	Type string // string, hash, list, set, zset
	// Exactly one of these holds the value, by Type.
	String string
	Hash   map[string]string
	List   []string
	Set    []string
	ZSet   map[string]float64
	TTL    time.Duration // 0: no expiry
}

// redisKeyFile is a parsed key file.
type redisKeyFile struct {
	DB   int
	Keys []redisKey
}

var redisTypes = []string{"string", "hash", "list", "set", "zset"}

// parseRedisKeys reads a key file (YAML, or JSON, which is YAML too):
//
//	db: 0                      # optional
//	keys:
//	  greeting: hello          # a plain value is a string
//	  user:1: {hash: {name: Ada}, ttl: 1h}
//	  queue: {list: [a, b]}
//	  tags: {set: [x, y]}
//	  scores: {zset: {alice: 10}}
//	  token: {string: abc, ttl: 30s}
func parseRedisKeys(shown string, data []byte) (*redisKeyFile, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &FileError{File: shown, Err: err, Fix: "fix the YAML (or JSON) syntax"}
	}
	bad := func(n *yaml.Node, format string, args ...any) error {
		return &FileError{File: shown, Line: n.Line, Err: fmt.Errorf(format, args...),
			Fix: "see docs/fixtures.md for the key file format: keys: {NAME: VALUE or {TYPE: VALUE, ttl: DURATION}}"}
	}
	if len(doc.Content) == 0 {
		return &redisKeyFile{}, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, bad(root, "a key file is a mapping with a keys: entry")
	}
	out := &redisKeyFile{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "db":
			n, err := strconv.Atoi(v.Value)
			if v.Kind != yaml.ScalarNode || err != nil || n < 0 {
				return nil, bad(v, "db must be a database number (0, 1, ...), got %q", v.Value)
			}
			out.DB = n
		case "keys":
			if v.Kind != yaml.MappingNode {
				return nil, bad(v, "keys must be a mapping of key name to value")
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				key, err := parseRedisKey(v.Content[j], v.Content[j+1], bad)
				if err != nil {
					return nil, err
				}
				out.Keys = append(out.Keys, key)
			}
		default:
			return nil, bad(k, "unknown entry %q: a key file has db and keys", k.Value)
		}
	}
	return out, nil
}

func parseRedisKey(k, v *yaml.Node, bad func(*yaml.Node, string, ...any) error) (redisKey, error) {
	key := redisKey{Name: k.Value, Line: k.Line}
	if v.Kind == yaml.ScalarNode {
		key.Type, key.String = "string", v.Value
		return key, nil
	}
	if v.Kind != yaml.MappingNode {
		return key, bad(v, "key %s: a value is a string or a mapping with one of %s", k.Value, strings.Join(redisTypes, ", "))
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		field, val := v.Content[i], v.Content[i+1]
		name := field.Value
		if name == "ttl" {
			ttl, err := parseTTL(val)
			if err != nil {
				return key, bad(val, "key %s: ttl: %v", k.Value, err)
			}
			key.TTL = ttl
			continue
		}
		if !slices.Contains(redisTypes, name) {
			return key, bad(field, "key %s: unknown entry %q (the types are %s; ttl sets an expiry)", k.Value, name, strings.Join(redisTypes, ", "))
		}
		if key.Type != "" {
			return key, bad(field, "key %s has two values (%s and %s): give one", k.Value, key.Type, name)
		}
		key.Type = name
		switch name {
		case "string":
			if val.Kind != yaml.ScalarNode {
				return key, bad(val, "key %s: string must be a single value", k.Value)
			}
			key.String = val.Value
		case "list", "set":
			if val.Kind != yaml.SequenceNode {
				return key, bad(val, "key %s: %s must be a list of values", k.Value, name)
			}
			var items []string
			for _, item := range val.Content {
				if item.Kind != yaml.ScalarNode {
					return key, bad(item, "key %s: %s items must be single values", k.Value, name)
				}
				items = append(items, item.Value)
			}
			if name == "list" {
				key.List = items
			} else {
				key.Set = items
			}
		case "hash", "zset":
			if val.Kind != yaml.MappingNode {
				return key, bad(val, "key %s: %s must be a mapping of field to value", k.Value, name)
			}
			key.Hash, key.ZSet = map[string]string{}, map[string]float64{}
			for j := 0; j+1 < len(val.Content); j += 2 {
				f, fv := val.Content[j], val.Content[j+1]
				if fv.Kind != yaml.ScalarNode {
					return key, bad(fv, "key %s: field %s must be a single value", k.Value, f.Value)
				}
				if name == "hash" {
					key.Hash[f.Value] = fv.Value
					continue
				}
				score, err := strconv.ParseFloat(fv.Value, 64)
				if err != nil {
					return key, bad(fv, "key %s: member %s: a score is a number, got %q", k.Value, f.Value, fv.Value)
				}
				key.ZSet[f.Value] = score
			}
			if name == "hash" {
				key.ZSet = nil
			} else {
				key.Hash = nil
			}
		}
	}
	if key.Type == "" {
		return key, bad(v, "key %s has no value: give one of %s", k.Value, strings.Join(redisTypes, ", "))
	}
	if key.Type != "string" && key.List == nil && key.Set == nil && len(key.Hash) == 0 && len(key.ZSet) == 0 {
		return key, bad(v, "key %s: an empty %s cannot exist in Redis", k.Value, key.Type)
	}
	return key, nil
}

// parseTTL reads a duration (90s, 30m, 1h30m) or a whole number of seconds.
func parseTTL(n *yaml.Node) (time.Duration, error) {
	if n.Kind != yaml.ScalarNode {
		return 0, fmt.Errorf("a duration such as 30s, 10m or 1h, or a number of seconds")
	}
	if secs, err := strconv.Atoi(n.Value); err == nil {
		if secs <= 0 {
			return 0, fmt.Errorf("must be positive, got %d", secs)
		}
		return time.Duration(secs) * time.Second, nil
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration such as 30s, 10m or 1h", n.Value)
	}
	if d < time.Millisecond {
		return 0, fmt.Errorf("%q is shorter than Redis's millisecond precision", n.Value)
	}
	return d, nil
}

// redisCommand is one line of a command file.
type redisCommand struct {
	Args []string
	Line int
}

// redisCommandReader streams a command file: one command per line, words split as a shell
// splits them (quotes for spaces), # comments and blank lines ignored. It is read line by line,
// so a large file is never held whole.
type redisCommandReader struct {
	shown string
	sc    *bufio.Scanner
	line  int
}

func newRedisCommandReader(shown string, r io.Reader) *redisCommandReader {
	sc := bufio.NewScanner(r)
	// A line may hold a large value (a serialized blob, say).
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	return &redisCommandReader{shown: shown, sc: sc}
}

func (r *redisCommandReader) Next() (redisCommand, error) {
	for r.sc.Scan() {
		r.line++
		text := strings.TrimSpace(r.sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		args, err := shellwords.Parse(text)
		if err != nil {
			return redisCommand{}, &FileError{File: r.shown, Line: r.line, Err: err, Statement: excerpt(text),
				Fix: "close the quote; a command is one line of words, quoted where they hold spaces"}
		}
		return redisCommand{Args: args, Line: r.line}, nil
	}
	if err := r.sc.Err(); err != nil {
		return redisCommand{}, &FileError{File: r.shown, Line: r.line + 1, Err: err}
	}
	return redisCommand{}, io.EOF
}

func readFile(f File) ([]byte, error) {
	data, err := os.ReadFile(f.Path)
	if err != nil {
		return nil, &FileError{File: f.Shown, Err: err}
	}
	return data, nil
}
