package render

import (
	"fmt"
	"io"
	"time"

	"github.com/devenv/devenv/internal/logs"
)

// LogPrinter writes log lines as "service | text", the service column padded to the longest
// name and, on terminals, coloured per service, as docker compose logs does.
type LogPrinter struct {
	w          io.Writer
	width      int
	colors     map[string]string
	color      bool
	timestamps bool
}

var logPalette = []string{"36", "33", "32", "35", "34", "96", "93", "92", "95", "94"}

// NewLogPrinter prints to w the lines of services (their names size the column and pick the
// colours); timestamps adds each line's time after the prefix.
func NewLogPrinter(w io.Writer, services []string, color, timestamps bool) *LogPrinter {
	p := &LogPrinter{w: w, colors: map[string]string{}, color: color, timestamps: timestamps}
	for i, s := range services {
		p.width = max(p.width, len(s))
		p.colors[s] = logPalette[i%len(logPalette)]
	}
	return p
}

// Print writes one line. Not safe for concurrent use: logs.Follow never calls concurrently.
func (p *LogPrinter) Print(l logs.Line) {
	prefix := fmt.Sprintf("%-*s |", p.width, l.Service)
	if p.color {
		c, ok := p.colors[l.Service]
		if !ok { // a service that appeared while following
			c = logPalette[len(p.colors)%len(logPalette)]
			p.colors[l.Service] = c
		}
		prefix = "\x1b[" + c + "m" + prefix + "\x1b[0m"
	}
	if p.timestamps && !l.Time.IsZero() {
		prefix += " " + l.Time.UTC().Format(time.RFC3339Nano)
	}
	fmt.Fprintf(p.w, "%s %s\n", prefix, l.Text)
}
