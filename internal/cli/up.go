package cli

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/devenv/devenv/internal/events"
	"github.com/devenv/devenv/internal/logs"
	"github.com/devenv/devenv/internal/orchestrator"
	"github.com/devenv/devenv/internal/render"
	"github.com/spf13/cobra"
)

// UpOptions holds what `devenv up` needs.
type UpOptions struct {
	Services      []string
	Detach        bool
	Wait          bool
	Timeout       time.Duration
	NoTUI         bool
	NoWatch       bool
	Build         bool
	ForceRecreate bool
	JSON          bool
	Debounce      time.Duration
}

// NewCmdUp builds `devenv up`; runF replaces the run step in tests.
func NewCmdUp(f *factory, runF func(context.Context, *UpOptions) error) *cobra.Command {
	opts := &UpOptions{}
	cmd := &cobra.Command{
		Use:   "up [SERVICE...]",
		Short: "Create and start the stack (or the named services and what they depend on)",
		Long: "up pulls and builds images, creates the project's network and volumes, and starts every service as soon\n" +
			"as the services it depends on are ready. Run again, it changes only what changed.\n\n" +
			"With -d it returns once everything is started (with --wait: ready); without, it then follows the logs\n" +
			"and applies source edits to the running services (hot reload, see devenv watch; --no-watch turns it\n" +
			"off) until Ctrl-C, which leaves the stack running (devenv down stops it). On a terminal, without -d, the\n" +
			"dashboard opens at once and shows the progress, then the running stack (--no-tui: plain lines).",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Services = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runUp(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&opts.Detach, "detach", "d", false, "return once the stack is up instead of following its logs")
	fl.BoolVar(&opts.Wait, "wait", false, "wait until every service is ready (healthy, or finished for jobs)")
	fl.DurationVar(&opts.Timeout, "timeout", 5*time.Minute, "give up waiting for readiness after this long")
	fl.BoolVar(&opts.NoTUI, "no-tui", false, "plain progress and log lines instead of the dashboard on a terminal")
	fl.BoolVar(&opts.NoWatch, "no-watch", false, "do not watch source files for hot reload")
	fl.DurationVar(&opts.Debounce, "debounce", 0, "hot reload: how long files must be quiet before a reload (default: devenv.yaml's watch.debounce, else 20ms)")
	fl.BoolVar(&opts.Build, "build", false, "rebuild images of services that are built, even if they exist")
	fl.BoolVar(&opts.ForceRecreate, "force-recreate", false, "replace containers even if their configuration is unchanged")
	fl.BoolVar(&opts.JSON, "json", false, "report progress as one JSON object per line on stdout")
	return cmd
}

func (f *factory) progressSink(json bool) events.Sink {
	if json {
		return render.NewJSON(f.streams.Out)
	}
	return render.NewPlain(f.streams.ErrOut, f.isCI(), f.colorOK(f.streams.ErrOut))
}

func runUp(ctx context.Context, f *factory, opts *UpOptions) error {
	cfg, p, err := f.Project(ctx)
	if err != nil {
		return err
	}
	if !opts.Detach && !opts.JSON && !opts.NoTUI && f.dashboardOK() {
		return runUpDashboard(ctx, f, opts, cfg, p)
	}
	sink := f.progressSink(opts.JSON)
	o, err := f.Orchestrator(ctx, sink)
	if err != nil {
		return err
	}
	start := time.Now()
	err = o.Up(ctx, p, orchestrator.UpOptions{
		Services: opts.Services, Build: opts.Build, Wait: opts.Wait || !opts.Detach, Timeout: opts.Timeout,
		ForceRecreate: opts.ForceRecreate, ImageTags: gitDescribeTags(ctx, p.Name, p.WorkingDir),
	})
	if err != nil {
		if opts.JSON {
			// Pipelines read stdout only; people get the error (once) from report().
			sink.Emit(orchestrator.FailedEvent(err))
		}
		return err
	}
	if err := o.ReportEndpoints(ctx, p); err != nil {
		return err
	}
	sink.Emit(events.Event{Time: time.Now(), Kind: events.Info, Message: fmt.Sprintf("%s is up", p.Name), Duration: time.Since(start)})
	if opts.Detach {
		return nil
	}
	if !opts.NoWatch {
		wctx, stopWatch := context.WithCancel(ctx)
		watched := make(chan struct{})
		go func() { // ends with the logs: stopWatch below
			defer close(watched)
			watchAlongside(wctx, o, cfg, p, opts, func(err error) { report(f.streams.ErrOut, err) })
		}()
		defer func() { stopWatch(); <-watched }()
	}
	e, err := f.Engine(ctx)
	if err != nil {
		return err
	}
	printer := render.NewLogPrinter(f.streams.Out, opts.Services, f.colorOK(f.streams.Out), false)
	err = logs.Follow(ctx, e, p.Name, logs.Options{Services: opts.Services, Tail: 20}, printer.Print)
	if ctx.Err() != nil {
		fmt.Fprintf(f.streams.ErrOut, "\n%s is still running: `devenv down` stops it, `devenv logs -f` follows it again\n", p.Name)
		return nil
	}
	return err
}

// gitDescribeTags tags built images with the source's `git describe` (e.g. 1.0.1-22-7e56158), so
// a running container can be traced to its commit; :dev stays the tag devenv runs.
func gitDescribeTags(ctx context.Context, projectName, dir string) func(service string) []string {
	out, err := exec.CommandContext(ctx, "git", "-C", dir, "describe", "--tags", "--long", "--always", "--dirty").Output()
	if err != nil {
		return nil
	}
	desc := strings.TrimSpace(string(out))
	// git's own form is v1.0.1-22-g7e56158; the short form drops the 'g' marker.
	desc = strings.Replace(desc, "-g", "-", 1)
	return func(service string) []string {
		return []string{projectName + "-" + service + ":" + sanitizeTag(desc)}
	}
}

func sanitizeTag(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	tag := strings.TrimLeft(b.String(), ".-")
	if len(tag) > 128 {
		tag = tag[:128]
	}
	return tag
}
