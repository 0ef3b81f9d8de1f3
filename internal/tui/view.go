package tui

import (
	"fmt"
	"image/color"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/events"
	"github.com/devenv/devenv/internal/render"
)

// styles are the dashboard's; without colour only bold and reverse video remain.
type styles struct {
	title, header, selected     lipgloss.Style
	dim, ok, warn, bad, keyName lipgloss.Style
	service                     map[string]lipgloss.Style
}

func newStyles(noColor bool, services []string) styles {
	fg := func(s lipgloss.Style, c string) lipgloss.Style {
		if noColor {
			return s
		}
		var col color.Color = lipgloss.Color(c)
		return s.Foreground(col)
	}
	st := styles{
		title:    lipgloss.NewStyle().Bold(true),
		header:   lipgloss.NewStyle().Bold(true),
		selected: lipgloss.NewStyle().Reverse(true),
		dim:      fg(lipgloss.NewStyle(), "8"),
		ok:       fg(lipgloss.NewStyle(), "2"),
		warn:     fg(lipgloss.NewStyle(), "3"),
		bad:      fg(lipgloss.NewStyle(), "1"),
		keyName:  fg(lipgloss.NewStyle().Bold(true), "6"),
		service:  map[string]lipgloss.Style{},
	}
	// ANSI colours that read on dark and light backgrounds alike, as `devenv logs` uses.
	palette := []string{"6", "3", "2", "5", "4", "14", "11", "10", "13", "12"}
	sorted := append([]string(nil), services...)
	sort.Strings(sorted)
	for i, s := range sorted {
		st.service[s] = fg(lipgloss.NewStyle(), palette[i%len(palette)])
	}
	return st
}

// frameMetrics measures View, the cost of one frame.
type frameMetrics struct {
	count   int
	total   time.Duration
	max     time.Duration
	samples []time.Duration // the latest, for percentiles
}

const metricSamples = 8192

func (f *frameMetrics) add(d time.Duration) {
	f.count++
	f.total += d
	f.max = max(f.max, d)
	if len(f.samples) < metricSamples {
		f.samples = append(f.samples, d)
	} else {
		f.samples[f.count%metricSamples] = d
	}
}

// layout is how the screen's rows are shared out.
type layout struct {
	tableRows, body, strip int
}

func (m *Model) layout() layout {
	l := layout{tableRows: min(len(m.services), max(3, (m.height-8)/2))}
	if m.pane == paneLogs && m.height >= 16 {
		l.strip = 4 // a rule and the latest three events
	}
	l.body = max(m.height-(1+1+l.tableRows+1+1+l.strip+1), 1)
	return l
}

func (m *Model) bodyHeight() int { return m.layout().body }

// View draws the dashboard: exactly height lines, none wider than width.
func (m *Model) View() tea.View {
	start := time.Now()
	content := m.render()
	m.metrics.add(time.Since(start))
	v := tea.NewView(content)
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "devenv: " + m.opts.Project
	return v
}

func (m *Model) render() string {
	w := max(m.width, 20)
	l := m.layout()
	var lines []string
	lines = append(lines, m.titleLine())
	if m.help {
		lines = append(lines, m.helpLines()...)
	} else {
		lines = append(lines, m.tableLines(l.tableRows, w)...)
		lines = append(lines, m.detailsLine())
		lines = append(lines, m.paneTitle(w))
		var body []string
		switch m.pane {
		case paneLogs:
			body = m.logLines(l.body, w)
		case paneActivity:
			body = m.activityLines(l.body, w, true)
		case paneGraph:
			body = m.graphBody(l.body)
		}
		for len(body) < l.body {
			body = append(body, "")
		}
		lines = append(lines, body...)
		if l.strip > 0 {
			lines = append(lines, m.styles.dim.Render(rule("activity", w)))
			lines = append(lines, m.activityLines(l.strip-1, w, false)...)
		}
	}
	footer := m.footer()
	h := max(m.height, 1)
	if len(lines) > h-1 {
		lines = lines[:h-1]
	}
	for len(lines) < h-1 {
		lines = append(lines, "")
	}
	lines = append(lines, footer)
	for i, s := range lines {
		if ansi.StringWidth(s) > w {
			lines[i] = ansi.Truncate(s, w, "")
		}
	}
	return strings.Join(lines, "\n")
}

func rule(title string, w int) string {
	s := "─ " + title + " "
	return s + strings.Repeat("─", max(w-ansi.StringWidth(s), 0))
}

func (m *Model) titleLine() string {
	up := 0
	for _, s := range m.services {
		if whyNotUp(s, m.states, m.last[s.Name]) == "" && m.states[s.Name].State != "" {
			up++
		}
	}
	busy := ""
	if len(m.busy) > 0 {
		var names []string
		for s, verb := range m.busy {
			names = append(names, orProject(s, m.opts.Project)+" "+verb)
		}
		sort.Strings(names)
		busy = " · " + strings.Join(names, ", ") + "…"
	}
	return m.styles.title.Render("devenv "+m.opts.Project) + fmt.Sprintf(" · %d/%d up%s · ?: help · q: quit", up, len(m.services), busy)
}

func (m *Model) nameWidth() int {
	w := len("SERVICE")
	for _, s := range m.services {
		w = max(w, ansi.StringWidth(s.Name))
	}
	return min(w, 20)
}

func (m *Model) tableLines(rows, w int) []string {
	cols := fitColumns(tableColumns(m.nameWidth()), w-2)
	titles := make([]string, len(tableColumns(0)))
	for _, c := range cols {
		titles[c.cell] = c.title
	}
	out := []string{"  " + m.styles.header.Render(formatCells(cols, titles))}
	// Keep the selection in view when there are more services than rows.
	first := 0
	if m.sel >= rows {
		first = m.sel - rows + 1
	}
	now := m.opts.Now()
	for i := first; i < min(first+rows, len(m.services)); i++ {
		s := m.services[i]
		c := m.states[s.Name]
		var st *Stats
		if v, ok := m.stats[s.Name]; ok {
			st = &v
		}
		r := serviceRow(s, c, st, now, m.opts.Links && i != m.sel)
		if i == m.sel {
			out = append(out, m.styles.selected.Render("> "+formatCells(cols, r.cells)))
			continue
		}
		r.cells[2] = m.stateStyle(c).Render(r.cells[2])
		r.cells[3] = m.healthStyle(c).Render(r.cells[3])
		out = append(out, "  "+formatCells(cols, r.cells))
	}
	return out
}

func (m *Model) stateStyle(c ContainerState) lipgloss.Style {
	switch {
	case c.State == engine.StateRunning:
		return m.styles.ok
	case c.State == engine.StateExited && c.ExitCode == 0:
		return m.styles.dim
	case c.State == engine.StateExited || c.State == engine.StateDead:
		return m.styles.bad
	default:
		return m.styles.warn
	}
}

func (m *Model) healthStyle(c ContainerState) lipgloss.Style {
	switch c.Health {
	case "healthy":
		return m.styles.ok
	case "unhealthy":
		return m.styles.bad
	case "starting":
		return m.styles.warn
	}
	return lipgloss.NewStyle()
}

// detailsLine says more about the selected service: its ports as URLs and why it is not up.
func (m *Model) detailsLine() string {
	s, ok := m.selected()
	if !ok {
		return m.styles.dim.Render("no services")
	}
	c := m.states[s.Name]
	parts := []string{s.Name}
	var ports []string
	for _, p := range c.Ports {
		ports = append(ports, fmt.Sprintf("%s → %d", link(portURL(p), portURL(p), m.opts.Links), p.ContainerPort))
	}
	if len(ports) > 0 {
		parts = append(parts, strings.Join(ports, ", "))
	}
	if why := whyNotUp(s, m.states, m.last[s.Name]); why != "" {
		parts = append(parts, m.styles.warn.Render(why))
	} else if len(s.DependsOn) > 0 {
		var deps []string
		for _, d := range s.DependsOn {
			deps = append(deps, d.Service)
		}
		parts = append(parts, "waits on "+strings.Join(deps, ", ")+" ✓")
	}
	return strings.Join(parts, " · ")
}

func (m *Model) paneTitle(w int) string {
	var title string
	switch m.pane {
	case paneLogs:
		title = "logs: all services"
		if s, ok := m.selected(); ok && m.only {
			title = "logs: " + s.Name
		}
		if m.filter != "" {
			title += fmt.Sprintf(" · filter %q", m.filter)
		}
		if m.follow {
			title += " · following"
		} else {
			title += " · paused (end follows)"
		}
		if m.wrap {
			title += " · wrap"
		}
	case paneActivity:
		title = "activity"
	case paneGraph:
		title = "dependency graph"
	}
	return m.styles.dim.Render(rule(title, w))
}

// query is what the logs pane shows: which services and which lines.
func (m *Model) query() Query {
	var q Query
	if s, ok := m.selected(); ok && m.only {
		q.Services = map[string]bool{s.Name: true}
	}
	if f := m.filter; f != "" {
		q.Match = matcher(f)
	}
	return q
}

// matcher is smart-case: a filter in lower case ignores case, one with capitals does not.
func matcher(f string) func(string) bool {
	if strings.ToLower(f) != f {
		return func(s string) bool { return strings.Contains(s, f) }
	}
	return func(s string) bool { return containsFold(s, f) }
}

// containsFold reports whether s contains the lower-case sub, ignoring ASCII case, without
// allocating: it runs on every kept line of every frame while a filter is set, so it jumps from
// one possible first byte to the next instead of trying every position.
func containsFold(s, sub string) bool {
	n := len(sub)
	if n == 0 {
		return true
	}
	lo, up := sub[0], sub[0]
	if 'a' <= lo && lo <= 'z' {
		up = lo - 'a' + 'A'
	}
	for i := 0; i+n <= len(s); i++ {
		rest := s[i : len(s)-n+1]
		j := strings.IndexByte(rest, lo)
		if up != lo {
			if k := strings.IndexByte(rest, up); k >= 0 && (j < 0 || k < j) {
				j = k
			}
		}
		if j < 0 {
			return false
		}
		i += j
		if equalFoldLower(s[i+1:i+n], sub[1:]) {
			return true
		}
	}
	return false
}

// equalFoldLower reports whether s equals the lower-case t, ignoring ASCII case.
func equalFoldLower(s, t string) bool {
	for k := 0; k < len(t); k++ {
		c := s[k]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != t[k] {
			return false
		}
	}
	return true
}

func (m *Model) window(n int) []LogLine {
	q := m.query()
	if m.follow || m.anchor == nil {
		return m.inbox.logs.Before(q, nil, n)
	}
	lines := m.inbox.logs.Before(q, m.anchor, n)
	if len(lines) < n {
		// At the top, or the anchor's line was evicted: show the oldest kept lines.
		lines = m.inbox.logs.After(q, nil, n)
	}
	return lines
}

func (m *Model) logLines(h, w int) []string {
	lines := m.window(h)
	if len(lines) == 0 {
		msg := "no log lines yet"
		if m.filter != "" {
			msg = fmt.Sprintf("no kept line matches %q (esc clears the filter)", m.filter)
		}
		return []string{m.styles.dim.Render(msg)}
	}
	nw := m.nameWidth()
	var rows []string
	for _, l := range lines {
		prefix := fmt.Sprintf("%-*s │ ", nw, l.Service)
		if m.timestamps {
			prefix += l.At.In(m.opts.Location).Format("15:04:05.000") + " "
		}
		pw := ansi.StringWidth(prefix)
		styled := m.styles.service[l.Service].Render(prefix)
		avail := max(w-pw, 1)
		if !m.wrap || ansi.StringWidth(l.Text) <= avail {
			rows = append(rows, styled+l.Text)
			continue
		}
		for i, part := range strings.Split(ansi.Wrap(l.Text, avail, ""), "\n") {
			if i == 0 {
				rows = append(rows, styled+part)
			} else {
				rows = append(rows, strings.Repeat(" ", pw)+part)
			}
		}
	}
	if len(rows) > h {
		rows = rows[len(rows)-h:]
	}
	return rows
}

// activityLines is the newest h rows of the activity. The strip gives each entry one row; the
// full pane (wrap) shows all of a long entry, a failure's log tail included.
func (m *Model) activityLines(h, w int, wrap bool) []string {
	if h <= 0 {
		return nil
	}
	var out []string
	start := max(len(m.activity)-h, 0)
	for _, a := range m.activity[start:] {
		stamp := a.at.In(m.opts.Location).Format("15:04:05") + " "
		var rows []string
		for i, part := range strings.Split(a.text, "\n") {
			indent := stamp
			if i > 0 {
				indent = strings.Repeat(" ", len(stamp))
			}
			if !wrap {
				rows = append(rows, indent+part)
				break
			}
			for j, r := range strings.Split(ansi.Wrap(part, max(w-len(stamp), 1), ""), "\n") {
				if j > 0 {
					indent = strings.Repeat(" ", len(stamp))
				}
				rows = append(rows, indent+r)
			}
		}
		for _, r := range rows {
			switch a.kind {
			case events.Failed:
				r = m.styles.bad.Render(r)
			case events.Healthy, events.Completed, events.Seeded:
				r = m.styles.ok.Render(r)
			}
			out = append(out, r)
		}
	}
	if len(out) > h {
		out = out[len(out)-h:]
	}
	return out
}

// formatEvent is an event's activity line: any kind, known or new, reads as kind and message.
func formatEvent(e events.Event) string {
	if e.Kind == events.Info && e.Message != "" {
		// "info" says nothing the message does not.
		line := fmt.Sprintf("%-12s %s", orProject(e.Service, "project"), e.Message)
		if e.Duration > 0 {
			line += fmt.Sprintf(" (%s)", e.Duration.Round(10*time.Millisecond))
		}
		return line
	}
	line := render.FormatPlain(e)
	if line == "" {
		line = strings.TrimSpace(string(e.Kind) + " " + e.Message)
	}
	return line
}

func (m *Model) graphBody(h int) []string {
	lines := graphLines(m.services, m.states, m.last)
	if len(lines) > h {
		// Keep the selected service's part in view.
		start := 0
		if s, ok := m.selected(); ok {
			for i, l := range lines {
				if strings.HasPrefix(l, s.Name+"  ") {
					start = min(i, len(lines)-h)
					break
				}
			}
		}
		lines = lines[start : start+h]
	}
	return lines
}

func (m *Model) helpLines() []string {
	out := []string{m.styles.header.Render("keys")}
	for _, k := range keyHelp()[min(m.helpTop, len(keyHelp())):] {
		out = append(out, fmt.Sprintf("  %s %s", m.styles.keyName.Render(fmt.Sprintf("%-10s", k.keys)), k.what))
	}
	return out
}

func (m *Model) footer() string {
	switch {
	case m.editing:
		return "/" + m.input + "█  " + m.styles.dim.Render("enter: filter · esc: cancel")
	case m.confirmDown:
		return m.styles.warn.Render("stop and remove the stack (volumes are kept)? y/n")
	case m.help && len(keyHelp())-m.helpTop > m.height-3:
		return m.styles.dim.Render("↓: more keys · esc or ?: close help")
	case m.help:
		return m.styles.dim.Render("esc or ?: close help")
	}
	return m.styles.dim.Render("r restart  b rebuild  s stop/start  f seed  e shell  / filter  g graph  ? keys")
}

// scrollUp moves the logs window n lines back and stops following.
func (m *Model) scrollUp(n int) {
	q := m.query()
	h := m.bodyHeight()
	var k *Key
	if !m.follow {
		k = m.anchor
	}
	lines := m.inbox.logs.Before(q, k, n+1)
	if len(lines) == 0 {
		return
	}
	nk := lines[0].key()
	if len(m.inbox.logs.Before(q, &nk, h)) < h {
		// Not a screenful above: the window starts at the oldest line.
		top := m.inbox.logs.After(q, nil, h)
		nk = top[len(top)-1].key()
	}
	m.follow, m.anchor = false, &nk
}

// scrollDown moves the window n lines on; reaching the newest line follows again.
func (m *Model) scrollDown(n int) {
	if m.follow || m.anchor == nil {
		return
	}
	lines := m.inbox.logs.After(m.query(), m.anchor, n)
	if len(lines) < n {
		m.follow, m.anchor = true, nil
		return
	}
	k := lines[n-1].key()
	m.anchor = &k
}

func (m *Model) scrollTop() {
	top := m.inbox.logs.After(m.query(), nil, m.bodyHeight())
	if len(top) == 0 {
		return
	}
	k := top[len(top)-1].key()
	m.follow, m.anchor = false, &k
}

// pauseHere stops following at the newest line.
func (m *Model) pauseHere() {
	lines := m.inbox.logs.Before(m.query(), nil, 1)
	if len(lines) == 0 {
		return
	}
	k := lines[0].key()
	m.follow, m.anchor = false, &k
}
