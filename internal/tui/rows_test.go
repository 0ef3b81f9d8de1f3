package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/devenv/devenv/internal/events"
)

func TestFormatters(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{formatUptime(42 * time.Second), "42s"},
		{formatUptime(7*time.Minute + 59*time.Second), "7m"},
		{formatUptime(3*time.Hour + 5*time.Minute), "3h05m"},
		{formatUptime(50 * time.Hour), "2d02h"},
		{formatUptime(-time.Second), "-"},
		{formatBytes(900 << 10), "900K"},
		{formatBytes(12<<20 + 512<<10), "12.5M"},
		{formatBytes(300 << 20), "300M"},
		{formatBytes(3 << 29), "1.5G"},
		{formatCPU(1.234), "1.2%"},
		{formatCPU(154.6), "155%"},
		{kindLabel(ServiceInfo{Kind: "dependency", Dependency: "mysql"}), "dep:mysql"},
		{kindLabel(ServiceInfo{Kind: "app", Template: "backend"}), "app:backend"},
		{kindLabel(ServiceInfo{Kind: "app", Template: "worker", Job: true}), "job:worker"},
		{kindLabel(ServiceInfo{}), "service"},
		{stateLabel(ContainerState{State: "exited", ExitCode: 137}), "exited 137"},
		{stateLabel(ContainerState{}), "absent"},
		{healthLabel(ContainerState{State: "exited", Health: "unhealthy"}), "-"},
		{portsLabel([]Port{{HostPort: 8080}, {HostPort: 9090}}), "8080,9090"},
		{portURL(Port{HostIP: "0.0.0.0", HostPort: 80}), "http://127.0.0.1:80"},
		{portURL(Port{HostIP: "::1", HostPort: 80}), "http://[::1]:80"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestServiceRow(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	info := ServiceInfo{Name: "api", Kind: "app", Template: "backend"}
	c := ContainerState{State: "running", Health: "healthy", StartedAt: now.Add(-90 * time.Second), RestartCount: 2,
		Ports: []Port{{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80}}}
	r := serviceRow(info, c, &Stats{CPUPercent: 3.14, MemBytes: 64 << 20}, now, false)
	want := []string{"api", "app:backend", "running", "healthy", "8080", "1m", "2", "3.1%", "64.0M"}
	if fmt.Sprint(r.cells) != fmt.Sprint(want) {
		t.Fatalf("row = %q, want %q", r.cells, want)
	}
	// With OSC 8, the port is a link to the browser URL, and still 4 cells wide.
	linked := serviceRow(info, c, nil, now, true)
	if !strings.Contains(linked.cells[4], "\x1b]8;;http://127.0.0.1:8080\x07") {
		t.Fatalf("no OSC 8 link in %q", linked.cells[4])
	}
	line := formatCells(fitColumns(tableColumns(7), 78), linked.cells)
	plain := formatCells(fitColumns(tableColumns(7), 78), serviceRow(info, c, nil, now, false).cells)
	if stripLinks(line) != plain {
		t.Fatalf("a link changes the layout:\n%q\n%q", line, plain)
	}
	// A dependency's port is not an http link.
	if dep := serviceRow(ServiceInfo{Name: "mysql", Kind: "dependency"}, c, nil, now, true); strings.Contains(dep.cells[4], "\x1b]8") {
		t.Fatal("a database port became a web link")
	}
	// Stopped: no uptime, no stats.
	stopped := serviceRow(info, ContainerState{State: "exited", ExitCode: 1}, &Stats{CPUPercent: 5}, now, false)
	if stopped.cells[5] != "-" || stopped.cells[7] != "-" {
		t.Fatalf("a stopped service shows %q", stopped.cells)
	}
}

func stripLinks(s string) string {
	for {
		i := strings.Index(s, "\x1b]8;")
		if i < 0 {
			return s
		}
		j := strings.IndexByte(s[i:], '\x07')
		s = s[:i] + s[i+j+1:]
	}
}

func TestFitColumnsDropsTheLeastUseful(t *testing.T) {
	titles := func(w int) string {
		var out []string
		for _, c := range fitColumns(tableColumns(7), w) {
			out = append(out, c.title)
		}
		return strings.Join(out, " ")
	}
	if got := titles(78); got != "SERVICE KIND STATE HEALTH PORTS UP RST CPU MEM" {
		t.Errorf("at 78: %s", got)
	}
	if got := titles(40); got != "SERVICE STATE HEALTH PORTS" {
		t.Errorf("at 40: %s", got)
	}
}

func TestWhyNotUp(t *testing.T) {
	api := ServiceInfo{Name: "api", DependsOn: []Dependency{{Service: "mysql", Condition: "service_healthy"}, {Service: "migrate", Condition: "service_completed_successfully"}}}
	job := ServiceInfo{Name: "migrate", Job: true}
	for _, c := range []struct {
		name   string
		info   ServiceInfo
		states map[string]ContainerState
		last   *events.Event
		want   string
	}{
		{"up", api, map[string]ContainerState{"api": {State: "running"}}, nil, ""},
		{"waits", api, map[string]ContainerState{"mysql": {State: "running", Health: "starting"}, "migrate": {State: "running"}}, nil,
			"waits for mysql to be healthy (it is starting), migrate to be completed (it is running)"},
		{"failed dependency job", api, map[string]ContainerState{"mysql": {State: "running", Health: "healthy"}, "migrate": {State: "exited", ExitCode: 3}}, nil,
			"waits for migrate to be completed (it failed with code 3)"},
		{"building", api, map[string]ContainerState{"mysql": {State: "running", Health: "healthy"}, "migrate": {State: "exited"}},
			&events.Event{Kind: events.Building, Message: "step 3/7"}, "building step 3/7"},
		{"failed", api, map[string]ContainerState{}, &events.Event{Kind: events.Failed, Err: fmt.Errorf("port 8080 is taken")}, "failed: port 8080 is taken"},
		{"crashed", ServiceInfo{Name: "api"}, map[string]ContainerState{"api": {State: "exited", ExitCode: 2}}, nil, "exited with code 2 (its logs say why; s starts it)"},
		{"job done", job, map[string]ContainerState{"migrate": {State: "exited"}}, nil, ""},
		{"unhealthy", ServiceInfo{Name: "api"}, map[string]ContainerState{"api": {State: "running", Health: "unhealthy"}}, nil, "unhealthy: its healthcheck fails (see its logs)"},
		{"absent", ServiceInfo{Name: "api"}, map[string]ContainerState{}, nil, "not created (devenv up starts it)"},
	} {
		if got := whyNotUp(c.info, c.states, c.last); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestLogStoreKeepsTheNewestLinesInTimeOrder(t *testing.T) {
	s := NewLogStore(100)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1000 {
		s.Add("a", t0.Add(time.Duration(2*i)*time.Millisecond), fmt.Sprintf("a%d", i))
		s.Add("b", t0.Add(time.Duration(2*i+1)*time.Millisecond), fmt.Sprintf("b%d", i))
	}
	if got := s.Lines("a"); len(got) != 100 || got[0] != "a900" || got[99] != "a999" {
		t.Fatalf("kept %d lines, %q … %q", len(got), got[0], got[len(got)-1])
	}
	if s.Received("a") != 1000 {
		t.Fatalf("received %d", s.Received("a"))
	}
	var texts []string
	for _, l := range s.Before(Query{}, nil, 4) {
		texts = append(texts, l.Text)
	}
	if strings.Join(texts, " ") != "a998 b998 a999 b999" {
		t.Fatalf("newest interleaved: %q", texts)
	}
	first := s.After(Query{}, nil, 1)[0]
	if first.Text != "a900" {
		t.Fatalf("oldest kept: %q", first.Text)
	}
	k := first.key()
	texts = nil
	for _, l := range s.After(Query{Services: map[string]bool{"b": true}}, &k, 2) {
		texts = append(texts, l.Text)
	}
	if strings.Join(texts, " ") != "b900 b901" {
		t.Fatalf("b after a900: %q", texts)
	}
	if got := s.Before(Query{Match: matcher("b95")}, nil, 100); len(got) != 10 {
		t.Fatalf("filter b95 matched %d lines", len(got))
	}
	// A clock that steps back does not break the order.
	s.Add("a", t0, "late")
	if got := s.Before(Query{Services: map[string]bool{"a": true}}, nil, 1)[0].Text; got != "late" {
		t.Fatalf("newest a = %q", got)
	}
	// Escape sequences and tabs would break the layout.
	s.Add("c", t0, "\x1b[31mred\x1b[0m\tx\r")
	if got := s.Lines("c")[0]; got != "red    x" {
		t.Fatalf("cleaned line %q", got)
	}
}

func TestContainsFold(t *testing.T) {
	for _, c := range []struct {
		s, sub string
		want   bool
	}{{"Hello World", "world", true}, {"ERROR x", "error", true}, {"abc", "abcd", false}, {"", "", true}, {"xyz", "y", true}, {"XYZ", "q", false},
		{"aaab", "aab", true}, {"AaAB", "aab", true}, {"line 4242 x", "line 4242 ", true}, {"line 424", "line 4242", false},
		{"x done 300000", " done ", true}, {"Done", " done", false}, {"ab", "b", true}, {"a", "ab", false}} {
		if got := containsFold(c.s, c.sub); got != c.want {
			t.Errorf("containsFold(%q, %q) = %v", c.s, c.sub, got)
		}
	}
}
