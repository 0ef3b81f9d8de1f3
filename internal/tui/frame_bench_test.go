package tui

import (
	"context"
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// benchModel is the dashboard at 120x40 with six services' full rings (10 000 lines each).
func benchModel(b *testing.B) *Model {
	b.Helper()
	var services []ServiceInfo
	for i := range 6 {
		services = append(services, ServiceInfo{Name: fmt.Sprintf("flood%d", i+1), Kind: "app"})
	}
	inbox := NewInbox(10000)
	b.Cleanup(inbox.close)
	m := NewModel(context.Background(), &fakeController{services: services}, inbox, Options{Project: "bench", Now: time.Now})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	t0 := time.Now()
	for i := range 10000 {
		for j, s := range services {
			inbox.Log(s.Name, t0.Add(time.Duration(i*6+j)*time.Microsecond), fmt.Sprintf("%s line %d with some typical payload text", s.Name, i))
		}
	}
	return m
}

// BenchmarkFrame is one frame of the dashboard following six full logs.
func BenchmarkFrame(b *testing.B) {
	m := benchModel(b)
	b.ResetTimer()
	for range b.N {
		_ = m.View()
	}
}

// BenchmarkFrameFilterRare is one frame with a filter that matches one line per service: the
// worst case, every kept line is looked at.
func BenchmarkFrameFilterRare(b *testing.B) {
	m := benchModel(b)
	m.filter = "line 4242 "
	b.ResetTimer()
	for range b.N {
		_ = m.View()
	}
}

// BenchmarkLogAdd is the cost of taking one line in.
func BenchmarkLogAdd(b *testing.B) {
	s := NewLogStore(10000)
	t0 := time.Now()
	b.ReportAllocs()
	for i := range b.N {
		s.Add("svc", t0.Add(time.Duration(i)), "a typical line of log output, about sixty bytes long")
	}
}
