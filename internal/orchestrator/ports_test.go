package orchestrator

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/events"
)

// takenPort holds a loopback port for the test, as a host MySQL would hold 3306.
func takenPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

func dbProject(published string, fallback bool) *types.Project {
	return &types.Project{Name: "shop", Services: types.Services{"db": {Name: "db",
		WorkloadSpec: types.WorkloadSpec{Ports: []types.ServicePortConfig{{Target: 3306, Published: published, HostIP: "127.0.0.1"}}},
		Extensions:   types.Extensions{"x-devenv": map[string]any{"port_fallback": fallback}}}}}
}

func TestTakenDefaultPortFallsBackAndIsRemembered(t *testing.T) {
	taken := takenPort(t)
	mem := &FilePortMemory{Dir: t.TempDir()}
	rec := &events.Recorder{}
	o := New(newFakeEngine(), rec, mem)

	got, err := o.hostPorts(dbProject(taken, true), nil)
	if err != nil {
		t.Fatal(err)
	}
	chosen := got["db"][3306]
	if chosen == "" || chosen == taken {
		t.Fatalf("host port = %q, want a free one instead of the taken %s", chosen, taken)
	}
	evs := rec.Events()
	if len(evs) != 1 || evs[0].Kind != events.Port || !strings.Contains(evs[0].Message, "127.0.0.1:"+chosen) {
		t.Errorf("events = %+v, want one announcing 127.0.0.1:%s", evs, chosen)
	}
	if p, ok := mem.Get("shop", "db", 3306); !ok || p != chosen {
		t.Errorf("remembered %q, %v; want %s", p, ok, chosen)
	}
	again, err := New(newFakeEngine(), &events.Recorder{}, mem).hostPorts(dbProject(taken, true), nil)
	if err != nil || again["db"][3306] != chosen {
		t.Errorf("next up chose %v (%v), want the remembered %s", again, err, chosen)
	}
}

func TestExistingContainerKeepsItsPort(t *testing.T) {
	taken := takenPort(t)
	o := New(newFakeEngine(), &events.Recorder{}, &FilePortMemory{Dir: t.TempDir()})
	existing := map[string]engine.Container{"db": {Ports: []engine.PublishedPort{{HostIP: "127.0.0.1", HostPort: 41234, ContainerPort: 3306}}}}
	got, err := o.hostPorts(dbProject(taken, true), existing)
	if err != nil || got["db"][3306] != "41234" {
		t.Fatalf("got %v, %v; want the port the running container has", got, err)
	}
}

func TestPinnedPortIsNeverMoved(t *testing.T) {
	taken := takenPort(t)
	o := New(newFakeEngine(), &events.Recorder{}, &FilePortMemory{Dir: t.TempDir()})
	got, err := o.hostPorts(dbProject(taken, false), nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("a pinned port was moved: %v, %v", got, err)
	}
	x := &execution{o: o, p: dbProject(taken, false), hostPorts: got}
	err = x.checkPorts(context.Background(), x.p.Services["db"])
	var pt *PortTakenError
	if !errors.As(err, &pt) || pt.Addr != "127.0.0.1:"+taken || !strings.Contains(pt.Holder, "process on this host") {
		t.Fatalf("err = %v; want the port and its holder", err)
	}
}
