// Package render presents events to people and programs when the dashboard is not in use: plain
// progress lines for terminals and CI logs, or one JSON object per line for pipelines.
package render

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/devenv/devenv/internal/events"
)

// Plain writes one line per event: a fixed-width service column so a parallel start stays
// readable, then what happened and how long it took.
type Plain struct {
	mu         sync.Mutex
	w          io.Writer
	timestamps bool
	color      bool
}

// NewPlain renders to w; timestamps prefixes each line with the time (CI logs), color marks
// failures and readiness (terminals only).
func NewPlain(w io.Writer, timestamps, color bool) *Plain {
	return &Plain{w: w, timestamps: timestamps, color: color}
}

// Emit writes e.
func (p *Plain) Emit(e events.Event) {
	line := FormatPlain(e)
	if line == "" {
		return
	}
	if p.color {
		switch e.Kind {
		case events.Failed:
			line = "\x1b[31m" + line + "\x1b[0m"
		case events.Healthy, events.Completed, events.Reloaded:
			line = "\x1b[32m" + line + "\x1b[0m"
		case events.Port:
			line = "\x1b[33m" + line + "\x1b[0m"
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.timestamps {
		fmt.Fprintf(p.w, "%s ", e.Time.UTC().Format("15:04:05.000"))
	}
	fmt.Fprintln(p.w, line)
}

// FormatPlain is the text of one event, without colour or time; "" for events not worth a line.
func FormatPlain(e events.Event) string {
	subject := e.Service
	if subject == "" {
		subject = "project"
	}
	text := string(e.Kind)
	switch e.Kind {
	case events.Port:
		text = "published on " + e.Message
	case events.Failed:
		text = "failed: " + fmt.Sprint(e.Err)
	default:
		if e.Message != "" {
			text += " " + e.Message
		}
	}
	if e.Duration > 0 {
		text += fmt.Sprintf(" (%s)", roundDuration(e.Duration))
	}
	return fmt.Sprintf("%-12s %s", subject, text)
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	default:
		return d.Round(time.Millisecond)
	}
}

// JSON writes one JSON object per event and line, for pipelines (`--json`).
type JSON struct {
	mu  sync.Mutex
	enc *json.Encoder
}

// NewJSON renders to w.
func NewJSON(w io.Writer) *JSON { return &JSON{enc: json.NewEncoder(w)} }

type jsonEvent struct {
	Time       time.Time `json:"time"`
	Service    string    `json:"service,omitempty"`
	Event      string    `json:"event"`
	Message    string    `json:"message,omitempty"`
	DurationMS int64     `json:"duration_ms,omitempty"`
	Error      string    `json:"error,omitempty"`
}

// Emit writes e.
func (j *JSON) Emit(e events.Event) {
	out := jsonEvent{Time: e.Time.UTC(), Service: e.Service, Event: string(e.Kind), Message: e.Message, DurationMS: e.Duration.Milliseconds()}
	if e.Err != nil {
		out.Error = e.Err.Error()
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	_ = j.enc.Encode(out)
}
