package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/devenv/devenv/internal/engine"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"
)

// LogsOptions holds what `devenv logs` needs.
type LogsOptions struct {
	Services   []string
	Follow     bool
	Since      string
	Tail       int
	Timestamps bool
}

// NewCmdLogs builds `devenv logs`.
func NewCmdLogs(f *factory, runF func(context.Context, *LogsOptions) error) *cobra.Command {
	opts := &LogsOptions{}
	cmd := &cobra.Command{
		Use:   "logs [SERVICE...]",
		Short: "Show the services' logs, interleaved in time order with a prefix per service",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Services = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runLogs(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	// -f means --follow here, as in docker compose logs and tail; the global --file keeps its
	// long form. A local "file" flag stops cobra from merging the global one and its -f.
	fl.StringVar(&f.file, "file", "", "devenv.yaml (or compose file) to use; default: found in this directory or a parent")
	fl.BoolVarP(&opts.Follow, "follow", "f", false, "keep printing new lines until Ctrl-C")
	fl.StringVar(&opts.Since, "since", "", "only lines newer than this: a duration (10m) or a time (2026-11-24T10:00:00)")
	fl.IntVarP(&opts.Tail, "tail", "n", 0, "only the last N lines of each service (0: all)")
	fl.BoolVarP(&opts.Timestamps, "timestamps", "t", false, "show each line's time")
	return cmd
}

func runLogs(ctx context.Context, f *factory, opts *LogsOptions) error {
	cfg, e, all, err := f.ProjectContainers(ctx)
	if err != nil {
		return err
	}
	containers, err := selectServices(cfg.Name, all, opts.Services)
	if err != nil {
		return err
	}
	color := f.colorOK(f.streams.Out)
	if opts.Follow {
		err := followLogsWith(ctx, e, containers, opts, f.streams.Out, color)
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	return printLogs(ctx, e, containers, opts, f.streams.Out, color)
}

// selectServices picks the containers of services, failing on an unknown service name; no
// services means all.
func selectServices(project string, all []engine.Container, services []string) ([]engine.Container, error) {
	if len(services) == 0 {
		return all, nil
	}
	var out []engine.Container
	for _, s := range services {
		found := false
		for _, c := range all {
			if c.Service == s {
				out = append(out, c)
				found = true
			}
		}
		if !found {
			return nil, &usageError{fmt.Errorf("project %s has no container for service %q", project, s)}
		}
	}
	return out, nil
}

type logLine struct {
	at      time.Time
	service string
	text    string
}

// printLogs fetches every container's logs with timestamps and prints them merged in time order.
func printLogs(ctx context.Context, e *engine.Client, containers []engine.Container, opts *LogsOptions, w io.Writer, color bool) error {
	var mu sync.Mutex
	var lines []logLine
	g, gctx := errgroup.WithContext(ctx)
	for _, c := range containers {
		g.Go(func() error {
			var buf bytes.Buffer
			if err := e.StreamLogs(gctx, c.ID, engine.LogOptions{Since: opts.Since, Tail: opts.Tail, Timestamps: true}, &buf, &buf); err != nil {
				return err
			}
			parsed := parseTimestamped(c.Service, buf.String())
			mu.Lock()
			lines = append(lines, parsed...)
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].at.Before(lines[j].at) })
	p := newPrefixer(serviceNames(containers), color, opts.Timestamps)
	bw := bufio.NewWriter(w)
	for _, l := range lines {
		p.write(bw, l.service, l.at, l.text)
	}
	return bw.Flush()
}

func parseTimestamped(service, out string) []logLine {
	var lines []logLine
	for _, raw := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if raw == "" {
			continue
		}
		ts, text, _ := strings.Cut(raw, " ")
		at, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			text = raw
		}
		lines = append(lines, logLine{at: at, service: service, text: text})
	}
	return lines
}

func serviceNames(cs []engine.Container) []string {
	var names []string
	for _, c := range cs {
		if !slices.Contains(names, c.Service) {
			names = append(names, c.Service)
		}
	}
	sort.Strings(names)
	return names
}

func followLogsWith(ctx context.Context, e *engine.Client, containers []engine.Container, opts *LogsOptions, w io.Writer, color bool) error {
	p := newPrefixer(serviceNames(containers), color, opts.Timestamps)
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	for _, c := range containers {
		g.Go(func() error {
			lw := &lineWriter{flush: func(line string) {
				ts, text, _ := strings.Cut(line, " ")
				at, err := time.Parse(time.RFC3339Nano, ts)
				if err != nil {
					text = line
				}
				mu.Lock()
				defer mu.Unlock()
				p.write(w, c.Service, at, text)
			}}
			err := e.StreamLogs(gctx, c.ID, engine.LogOptions{Follow: true, Since: opts.Since, Tail: opts.Tail, Timestamps: true}, lw, lw)
			lw.Close()
			return err
		})
	}
	return g.Wait()
}

// lineWriter cuts a byte stream into lines; a log line split across reads is printed whole.
type lineWriter struct {
	buf   []byte
	flush func(line string)
}

func (l *lineWriter) Write(b []byte) (int, error) {
	l.buf = append(l.buf, b...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		l.flush(string(l.buf[:i]))
		l.buf = l.buf[i+1:]
	}
}

// Close prints a last line that had no newline.
func (l *lineWriter) Close() {
	if len(l.buf) > 0 {
		l.flush(string(l.buf))
		l.buf = nil
	}
}

// prefixer writes "service | text" with the service column padded and, on terminals, coloured.
type prefixer struct {
	width      int
	colors     map[string]string
	color      bool
	timestamps bool
}

var palette = []string{"36", "33", "32", "35", "34", "96", "93", "92", "95", "94"}

func newPrefixer(services []string, color, timestamps bool) *prefixer {
	p := &prefixer{colors: map[string]string{}, color: color, timestamps: timestamps}
	for i, s := range services {
		p.width = max(p.width, len(s))
		p.colors[s] = palette[i%len(palette)]
	}
	return p
}

func (p *prefixer) write(w io.Writer, service string, at time.Time, text string) {
	prefix := fmt.Sprintf("%-*s |", p.width, service)
	if p.color {
		prefix = "\x1b[" + p.colors[service] + "m" + prefix + "\x1b[0m"
	}
	if p.timestamps && !at.IsZero() {
		prefix += " " + at.UTC().Format(time.RFC3339Nano)
	}
	fmt.Fprintf(w, "%s %s\n", prefix, text)
}
