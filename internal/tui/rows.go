package tui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/devenv/devenv/internal/engine"
)

// The services table is formatted by pure functions of the state, tested without a terminal.

// kindLabel says what a service is: an app's template, a dependency's kind, a job.
func kindLabel(s ServiceInfo) string {
	switch {
	case s.Kind == "dependency":
		return "dep:" + orDash(s.Dependency)
	case s.Job && s.Template != "":
		return "job:" + s.Template
	case s.Job:
		return "job"
	case s.Template != "":
		return "app:" + s.Template
	case s.Kind == "app":
		return "app"
	default:
		return "service"
	}
}

// stateLabel is the container's state, with the exit code of a stopped one.
func stateLabel(c ContainerState) string {
	switch c.State {
	case "":
		return "absent"
	case engine.StateExited, engine.StateDead:
		return string(c.State) + " " + strconv.Itoa(c.ExitCode)
	default:
		return string(c.State)
	}
}

func healthLabel(c ContainerState) string {
	if c.State != engine.StateRunning || c.Health == engine.HealthNone {
		return "-"
	}
	return string(c.Health)
}

// formatUptime is a compact duration: 42s, 7m, 3h05m, 2d04h.
func formatUptime(d time.Duration) string {
	switch {
	case d < 0:
		return "-"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	default:
		return fmt.Sprintf("%dd%02dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
	}
}

// formatBytes is a compact size in binary units: 900K, 12.5M, 1.2G.
func formatBytes(b uint64) string {
	const k = 1024
	switch {
	case b < k*k:
		return fmt.Sprintf("%dK", (b+k-1)/k)
	case b < 100*k*k:
		return fmt.Sprintf("%.1fM", float64(b)/(k*k))
	case b < k*k*k:
		return fmt.Sprintf("%dM", b/(k*k))
	default:
		return fmt.Sprintf("%.1fG", float64(b)/(k*k*k))
	}
}

func formatCPU(p float64) string {
	if p < 10 {
		return fmt.Sprintf("%.1f%%", p)
	}
	return fmt.Sprintf("%.0f%%", p)
}

// portsLabel lists the published host ports; the full mapping is in the details line.
func portsLabel(ps []Port) string {
	var parts []string
	for _, p := range ps {
		parts = append(parts, strconv.Itoa(int(p.HostPort)))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ",")
}

// portURL is where a browser reaches a published port.
func portURL(p Port) string {
	host := p.HostIP
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return fmt.Sprintf("http://%s:%d", host, p.HostPort)
}

// link makes text an OSC 8 hyperlink to url when the terminal shows them.
func link(text, url string, enabled bool) string {
	if !enabled {
		return text
	}
	return ansi.SetHyperlink(url) + text + ansi.ResetHyperlink()
}

// row is one service in the table: cells in column order.
type row struct {
	cells []string
}

// column is a column of the services table.
type column struct {
	title string
	width int
	flex  bool // takes the width the others leave
	right bool // numbers align right
	drop  int  // narrow screens drop columns with the highest drop first; 0 never
	cell  int  // index of the column's cell in a row
}

func tableColumns(nameWidth int) []column {
	cols := []column{
		{title: "SERVICE", width: nameWidth},
		{title: "KIND", width: 12, drop: 3},
		{title: "STATE", width: 10},
		{title: "HEALTH", width: 9, drop: 1},
		{title: "PORTS", width: 5, flex: true, drop: 2},
		{title: "UP", width: 6, right: true, drop: 5},
		{title: "RST", width: 3, right: true, drop: 7},
		{title: "CPU", width: 5, right: true, drop: 6},
		{title: "MEM", width: 6, right: true, drop: 4},
	}
	for i := range cols {
		cols[i].cell = i
	}
	return cols
}

// serviceRow formats one service; now is the clock for uptime, links turns ports into OSC 8
// hyperlinks.
func serviceRow(info ServiceInfo, c ContainerState, st *Stats, now time.Time, links bool) row {
	up, rst, cpu, mem := "-", "-", "-", "-"
	if c.State == engine.StateRunning && !c.StartedAt.IsZero() {
		up = formatUptime(now.Sub(c.StartedAt))
	}
	if c.State != "" {
		rst = strconv.Itoa(c.RestartCount)
	}
	if st != nil && c.State == engine.StateRunning {
		cpu, mem = formatCPU(st.CPUPercent), formatBytes(st.MemBytes)
	}
	ports := portsLabel(c.Ports)
	if links && info.Kind != "dependency" && len(c.Ports) > 0 {
		var parts []string
		for _, p := range c.Ports {
			parts = append(parts, link(strconv.Itoa(int(p.HostPort)), portURL(p), true))
		}
		ports = strings.Join(parts, ",")
	}
	return row{cells: []string{info.Name, kindLabel(info), stateLabel(c), healthLabel(c), ports, up, rst, cpu, mem}}
}

// fitColumns drops the least useful columns until the rest fit in width, then gives the
// flexible column what is left; 1-cell gaps separate columns.
func fitColumns(cols []column, width int) []column {
	out := append([]column(nil), cols...)
	used := func() int {
		n := len(out) - 1
		for _, c := range out {
			n += c.width
		}
		return n
	}
	for used() > width {
		worst := -1
		for i, c := range out {
			if c.drop > 0 && (worst < 0 || c.drop > out[worst].drop) {
				worst = i
			}
		}
		if worst < 0 {
			break
		}
		out = append(out[:worst], out[worst+1:]...)
	}
	if u := used(); u < width {
		for i := range out {
			if out[i].flex {
				out[i].width += width - u
			}
		}
	}
	return out
}

// formatCells lays cells out in cols, padding by display width (escape sequences take none)
// and cutting what does not fit with an ellipsis.
func formatCells(cols []column, cells []string) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		cell := ""
		if c.cell < len(cells) {
			cell = cells[c.cell]
		}
		if ansi.StringWidth(cell) > c.width {
			cell = ansi.Truncate(cell, c.width, "…")
		}
		pad := strings.Repeat(" ", c.width-ansi.StringWidth(cell))
		if c.right {
			b.WriteString(pad + cell)
		} else {
			b.WriteString(cell + pad)
		}
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
