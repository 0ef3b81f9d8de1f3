package seed

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseRedisKeysReadsEveryType(t *testing.T) {
	kf, err := parseRedisKeys("keys.yaml", []byte(`
db: 2
keys:
  greeting: hello
  "session:1": {string: abc, ttl: 30m}
  user:1:
    hash: {name: Ada, age: 36}
  queue: {list: [b, a, b]}
  tags: {set: [go, redis]}
  scores: {zset: {alice: 10, bob: 7.5}, ttl: 90}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := &redisKeyFile{DB: 2, Keys: []redisKey{
		{Name: "greeting", Line: 4, Type: "string", String: "hello"},
		{Name: "session:1", Line: 5, Type: "string", String: "abc", TTL: 30 * time.Minute},
		{Name: "user:1", Line: 6, Type: "hash", Hash: map[string]string{"name": "Ada", "age": "36"}},
		{Name: "queue", Line: 8, Type: "list", List: []string{"b", "a", "b"}},
		{Name: "tags", Line: 9, Type: "set", Set: []string{"go", "redis"}},
		{Name: "scores", Line: 10, Type: "zset", ZSet: map[string]float64{"alice": 10, "bob": 7.5}, TTL: 90 * time.Second},
	}}
	if !reflect.DeepEqual(kf, want) {
		t.Errorf("got  %+v\nwant %+v", kf, want)
	}
}

func TestParseRedisKeysReadsJSON(t *testing.T) {
	kf, err := parseRedisKeys("keys.json", []byte(`{"keys": {"a": "1", "b": {"list": ["x"]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(kf.Keys) != 2 || kf.Keys[1].Type != "list" {
		t.Errorf("got %+v", kf)
	}
}

func TestParseRedisKeysErrorsNameTheLine(t *testing.T) {
	tests := []struct{ file, want string }{
		{"keys:\n  a: {sett: [1]}\n", `keys.yaml:2: key a: unknown entry "sett"`},
		{"keys:\n  a: {set: [1], list: [2]}\n", "keys.yaml:2: key a has two values (set and list)"},
		{"keys:\n  a: {string: x, ttl: soon}\n", `keys.yaml:2: key a: ttl: "soon" is not a positive duration`},
		{"keys:\n  a:\n    zset: {m: high}\n", `keys.yaml:3: key a: member m: a score is a number, got "high"`},
		{"keys:\n  a: {ttl: 5}\n", "keys.yaml:2: key a has no value"},
		{"keys:\n  a: {hash: {}}\n", "keys.yaml:2: key a: an empty hash cannot exist in Redis"},
		{"kyes: {}\n", `keys.yaml:1: unknown entry "kyes"`},
		{"db: -1\n", "keys.yaml:1: db must be a database number"},
		{"keys: [a]\n", "keys.yaml:1: keys must be a mapping"},
	}
	for _, tt := range tests {
		_, err := parseRedisKeys("keys.yaml", []byte(tt.file))
		var fe *FileError
		if !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), tt.want) || fe.Hint() == "" {
			t.Errorf("%q: err = %v, want it to start with %q and carry a fix", tt.file, err, tt.want)
		}
	}
}

func TestRedisCommandReader(t *testing.T) {
	r := newRedisCommandReader("cmds.redis", strings.NewReader("# seed\nSET greeting \"hello world\"\n\n  HSET user:1 name 'Ada L'\nbad \"open\n"))
	var got []redisCommand
	for {
		c, err := r.Next()
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || fe.Line != 5 {
				t.Fatalf("err = %v, want a FileError at line 5", err)
			}
			break
		}
		got = append(got, c)
	}
	want := []redisCommand{{Args: []string{"SET", "greeting", "hello world"}, Line: 2}, {Args: []string{"HSET", "user:1", "name", "Ada L"}, Line: 4}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestParseRabbitMessages(t *testing.T) {
	msgs, err := parseRabbitMessages("m.yaml", []byte(`
messages:
  - exchange: events
    routing_key: job.created
    json: {id: 1, tags: [a]}
    headers: {source: fixtures}
  - routing_key: emails
    body: hello
    persistent: false
    vhost: /other
`), "/shop")
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 {
		t.Fatalf("got %d messages", len(msgs))
	}
	if m := msgs[0]; m.VHost != "/shop" || m.Exchange != "events" || string(m.Body) != `{"id":1,"tags":["a"]}` || m.ContentType != "application/json" || !m.Persistent || m.Headers["source"] != "fixtures" || m.Line != 3 {
		t.Errorf("first message = %+v", m)
	}
	if m := msgs[1]; m.VHost != "/other" || m.Exchange != "" || string(m.Body) != "hello" || m.Persistent {
		t.Errorf("second message = %+v", m)
	}
	for file, want := range map[string]string{
		"messages:\n  - exchange: x\n    routing_key: y\n":                "m.yaml:2: message 1 has no body",
		"messages:\n  - routing_key: q\n    body: a\n    json: {}\n":      "m.yaml:2: message 1 has both body and json",
		"messages:\n  - body: a\n":                                        "m.yaml:2: message 1 has no exchange and no routing_key",
		"messages:\n  - routing_key: q\n    body: a\n    routingkey: z\n": `m.yaml:4: message 1: unknown entry "routingkey"`,
	} {
		_, err := parseRabbitMessages("m.yaml", []byte(file), "/")
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", file, err, want)
		}
	}
}

func TestJSONErrorLine(t *testing.T) {
	data := []byte("{\n  \"queues\": [\n    {\"name\": \"a\",}\n  ]\n}")
	var v any
	err := json.Unmarshal(data, &v)
	if got := jsonErrorLine(data, err); got != 3 {
		t.Errorf("line = %d, want 3 (err %v)", got, err)
	}
}

func TestListOrdersAndReportsStrangers(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"02_data.sql", "01_schema.sql", "10_more.sql.gz", "notes.txt", "README.md", ".hidden.sql", "sub/03_x.sql"} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("SELECT 1;"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sql := []string{"*.sql", "*.sql.gz"}
	files, ignored, err := List(dir, filepath.Dir(dir), sql)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	if want := []string{"01_schema.sql", "02_data.sql", "10_more.sql.gz", "sub/03_x.sql"}; !reflect.DeepEqual(names, want) {
		t.Errorf("files = %v, want %v", names, want)
	}
	if want := []string{filepath.Join(filepath.Base(dir), "notes.txt")}; !reflect.DeepEqual(ignored, want) {
		t.Errorf("ignored = %v, want %v", ignored, want)
	}
	if files, _, err := List(filepath.Join(dir, "missing"), "", sql); err != nil || files != nil {
		t.Errorf("a missing folder: %v, %v; want nothing to apply and no error", files, err)
	}
}

func TestRabbitOrderPutsDefinitionsFirst(t *testing.T) {
	a := &rabbitApplier{}
	got := a.Order([]File{{Name: "a_messages.yaml"}, {Name: "definitions.json"}, {Name: "b.yml"}, {Name: "more.json"}})
	var names []string
	for _, f := range got {
		names = append(names, f.Name)
	}
	if want := []string{"definitions.json", "more.json", "a_messages.yaml", "b.yml"}; !reflect.DeepEqual(names, want) {
		t.Errorf("order = %v, want %v", names, want)
	}
}
