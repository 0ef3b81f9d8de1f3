package tui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/devenv/devenv/internal/events"
)

// RunOptions say where the dashboard runs.
type RunOptions struct {
	Options
	In      io.Reader
	Out     io.Writer
	Environ []string
	// MetricsFile, if set, receives frame timings and per-service line counts when the
	// dashboard ends: what the benchmark reads.
	MetricsFile string
}

// Outcome is how the dashboard ended.
type Outcome struct {
	Down bool // the user took the stack down (D)
}

// Run shows the dashboard until the user quits or ctx ends. Controller.Watch runs alongside it
// and is stopped, and waited for, before Run returns.
func Run(ctx context.Context, ctrl Controller, inbox *Inbox, opts RunOptions) (Outcome, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // ends with ctx, cancelled when the dashboard ends
		defer wg.Done()
		if err := ctrl.Watch(ctx, inbox); err != nil && ctx.Err() == nil {
			inbox.Event(events.Event{Kind: events.Failed, Err: fmt.Errorf("watching the stack: %w", err)})
		}
	}()
	m := NewModel(ctx, ctrl, inbox, opts.Options)
	popts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithEnvironment(opts.Environ)}
	if opts.In != nil {
		popts = append(popts, tea.WithInput(opts.In))
	}
	if opts.Out != nil {
		popts = append(popts, tea.WithOutput(opts.Out))
	}
	if opts.NoColor {
		popts = append(popts, tea.WithColorProfile(colorprofile.Ascii))
	}
	_, err := tea.NewProgram(m, popts...).Run()
	inbox.close()
	cancel()
	wg.Wait()
	if opts.MetricsFile != "" {
		if werr := writeMetrics(opts.MetricsFile, m); werr != nil && err == nil {
			err = werr
		}
	}
	if errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, tea.ErrInterrupted) {
		err = nil // Ctrl-C from outside, or the parent's context: an ordinary quit
	}
	return Outcome{Down: m.Down()}, err
}

// Metrics is what MetricsFile holds.
type Metrics struct {
	Frames      int                      `json:"frames"`
	FrameMeanMS float64                  `json:"frame_mean_ms"`
	FrameP99MS  float64                  `json:"frame_p99_ms"`
	FrameMaxMS  float64                  `json:"frame_max_ms"`
	Services    map[string]ServiceMetric `json:"services"`
}

// ServiceMetric is what the dashboard received and kept of one service's log.
type ServiceMetric struct {
	Received uint64   `json:"received"`
	Kept     []string `json:"kept"`
}

func writeMetrics(path string, m *Model) error {
	fm := m.metrics
	out := Metrics{Frames: fm.count, Services: map[string]ServiceMetric{}}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	if fm.count > 0 {
		out.FrameMeanMS = ms(fm.total / time.Duration(fm.count))
		out.FrameMaxMS = ms(fm.max)
		s := slices.Clone(fm.samples)
		slices.Sort(s)
		out.FrameP99MS = ms(s[len(s)*99/100])
	}
	for _, s := range m.services {
		out.Services[s.Name] = ServiceMetric{Received: m.inbox.logs.Received(s.Name), Kept: m.inbox.logs.Lines(s.Name)}
	}
	data, err := json.Marshal(out)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("dashboard metrics: %w", err)
	}
	return nil
}
