//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/devenv/devenv/internal/tui"
)

// The dashboard under a log flood: six services each printing 10k lines/s for 30 s.
const (
	floodServices = 6
	floodRate     = 10000
	floodSeconds  = 30
	floodLines    = floodRate * floodSeconds
)

// BenchmarkDashboardFlood runs `devenv tui` in a real terminal (tmux) while six FROM scratch
// services flood their logs, and reports what the issue asks of it: the dashboard's peak RSS, its
// frame render time (the model's View, measured inside the real binary), how far it lags the
// engine, and whether the window of lines it keeps per service is exactly the last lines
// `devenv logs` returns. One iteration is one 30 s flood; run it with -benchtime 1x.
func BenchmarkDashboardFlood(b *testing.B) {
	for range b.N {
		floodOnce(b)
	}
}

func floodOnce(b *testing.B) {
	b.StopTimer()
	e := NewEnv(b)
	yaml := "services:\n"
	var names []string
	for i := 1; i <= floodServices; i++ {
		name := fmt.Sprintf("flood%d", i)
		names = append(names, name)
		// The delay lets the dashboard attach before the first line, so it sees every one.
		yaml += talkerService(b, e.Dir, name, map[string]string{
			"NAME": name, "RATE": strconv.Itoa(floodRate), "TOTAL": strconv.Itoa(floodLines), "DELAY": "10s"}, "")
	}
	writeFile(b, filepath.Join(e.Dir, "devenv.yaml"), yaml)
	e.up()

	metrics := filepath.Join(e.Dir, "tui-metrics.json")
	pidFile := filepath.Join(e.Dir, "tui.pid")
	term := newTerminal(b, e, 120, 40, "DEVENV_TUI_METRICS="+metrics+" sh -c 'echo $$ > "+pidFile+"; exec "+shared.binary+" tui'")
	term.waitFor("the six services", time.Minute, func(s string) bool { return strings.Contains(rowOf(s, "flood6"), "running") })
	pid := readPID(b, pidFile)
	b.StartTimer()

	// Sample the dashboard's memory until every service has printed its last line.
	start := time.Now()
	var maxRSS int64
	done := func() bool {
		for _, n := range names {
			r := e.devenvOK("logs", "--tail", "1", n)
			if !strings.Contains(r.Stdout, n+" done") {
				return false
			}
		}
		return true
	}
	for deadline := start.Add(5 * time.Minute); ; {
		maxRSS = max(maxRSS, procStatus(b, pid, "VmRSS"))
		if done() {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("the flood did not end within 5 minutes:\n%s", term.tmux("capture-pane", "-p", "-t", "main"))
		}
		time.Sleep(time.Second)
	}
	engineDone := time.Now()
	// The dashboard has kept up when its filter finds every service's last line.
	term.keys("/")
	term.text(" done ")
	term.keys("Enter")
	term.waitFor("every service's last line in the dashboard", time.Minute, func(s string) bool {
		return len(logRows(s)) == floodServices
	})
	lag := time.Since(engineDone)
	maxRSS = max(maxRSS, procStatus(b, pid, "VmRSS"))
	hwm := procStatus(b, pid, "VmHWM")
	cpu := procCPU(b, pid)
	b.StopTimer()
	term.keys("q")
	term.waitText(30*time.Second, "devenv-exited-0")

	data, err := os.ReadFile(metrics)
	if err != nil {
		b.Fatal(err)
	}
	var m tui.Metrics
	if err := json.Unmarshal(data, &m); err != nil {
		b.Fatal(err)
	}
	var received uint64
	var floodTime time.Duration // the slowest service's, from its first line to its last
	for _, n := range names {
		last := e.devenvOK("logs", "--tail", "1", n).Stdout
		d, err := time.ParseDuration(strings.TrimSpace(last[strings.LastIndex(last, " in ")+4:]))
		if err != nil {
			b.Fatalf("%s's last line: %q", n, last)
		}
		floodTime = max(floodTime, d)
		got := m.Services[n]
		received += got.Received
		// The window the dashboard kept is exactly the last lines the engine has.
		r := e.devenvOK("logs", "--tail", strconv.Itoa(len(got.Kept)), n)
		var want []string
		for _, line := range strings.Split(strings.TrimRight(r.Stdout, "\n"), "\n") {
			_, text, _ := strings.Cut(line, " | ")
			want = append(want, text)
		}
		if len(got.Kept) != 10000 || strings.Join(got.Kept, "\n") != strings.Join(want, "\n") {
			b.Fatalf("%s: the dashboard kept %d lines that differ from `devenv logs --tail` (first %q, want %q)",
				n, len(got.Kept), first(got.Kept), first(want))
		}
	}
	total := uint64(floodServices * (floodLines + 1)) // + each "done" line
	if received != total {
		b.Errorf("the dashboard received %d of %d lines", received, total)
	}
	if maxRSS > 80<<20 {
		b.Errorf("RSS peaked at %d MB, over 80 MB", maxRSS>>20)
	}
	if m.FrameP99MS > 50 {
		b.Errorf("p99 frame took %.1f ms, over 50 ms", m.FrameP99MS)
	}
	b.ReportMetric(float64(maxRSS)/(1<<20), "rss-max-MB")
	b.ReportMetric(float64(hwm)/(1<<20), "rss-hwm-MB")
	b.ReportMetric(m.FrameMeanMS, "frame-mean-ms")
	b.ReportMetric(m.FrameP99MS, "frame-p99-ms")
	b.ReportMetric(m.FrameMaxMS, "frame-max-ms")
	b.ReportMetric(float64(m.Frames), "frames")
	b.ReportMetric(float64(received)/float64(total)*100, "received-%")
	b.ReportMetric(float64(lag.Milliseconds()), "lag-ms")
	b.ReportMetric(float64(total)/floodTime.Seconds(), "lines/s")
	b.ReportMetric(cpu.Seconds(), "tui-cpu-s")
}

func first(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return lines[0]
}

func readPID(b *testing.B, path string) int {
	b.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		b.Fatal(err)
	}
	return pid
}

// procStatus reads a memory field of /proc/PID/status in bytes.
func procStatus(b *testing.B, pid int, field string) int64 {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatalf("the dashboard process is gone: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	b.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// procCPU is the user and system CPU time the process has used.
func procCPU(b *testing.B, pid int) time.Duration {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	f := strings.Fields(string(data)[strings.LastIndex(string(data), ")")+2:])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
}
