package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/devenv/devenv/internal/events"
)

func TestPlainLines(t *testing.T) {
	var buf bytes.Buffer
	p := NewPlain(&buf, false, false)
	p.Emit(events.Event{Service: "mysql", Kind: events.Healthy, Duration: 3456 * time.Millisecond})
	p.Emit(events.Event{Service: "mysql", Kind: events.Port, Message: "127.0.0.1:40123 (port 3306 is taken)"})
	p.Emit(events.Event{Kind: events.Network, Message: "shop_default"})
	want := "mysql        healthy (3.46s)\n" +
		"mysql        published on 127.0.0.1:40123 (port 3306 is taken)\n" +
		"project      network shop_default\n"
	if buf.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestJSONLines(t *testing.T) {
	var buf bytes.Buffer
	j := NewJSON(&buf)
	j.Emit(events.Event{Time: time.Unix(0, 0), Service: "api", Kind: events.Failed, Err: errors.New("boom"), Duration: time.Second})
	var got map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(buf.Bytes()), &got); err != nil {
		t.Fatal(err)
	}
	if got["service"] != "api" || got["event"] != "failed" || got["error"] != "boom" || got["duration_ms"] != float64(1000) {
		t.Errorf("json event = %v", got)
	}
	if strings.Count(buf.String(), "\n") != 1 {
		t.Errorf("want one line per event: %q", buf.String())
	}
}
