package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/devenv/devenv/internal/config"
	"github.com/devenv/devenv/internal/dashboard"
	"github.com/devenv/devenv/internal/events"
	"github.com/devenv/devenv/internal/orchestrator"
	"github.com/devenv/devenv/internal/tui"
	"github.com/spf13/cobra"
)

// TUIOptions holds what `devenv tui` needs.
type TUIOptions struct {
	Timeout time.Duration
}

// NewCmdTUI builds `devenv tui`.
func NewCmdTUI(f *factory, runF func(context.Context, *TUIOptions) error) *cobra.Command {
	opts := &TUIOptions{}
	cmd := &cobra.Command{
		Use:   "tui",
		Short: "Open the dashboard of a running stack: services, logs, activity, and keys to act on them",
		Long: "tui attaches the dashboard `devenv up` opens on a terminal to a stack that is already running.\n" +
			"q leaves it; the stack keeps running. docs/dashboard.md lists every key.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runTUI(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 5*time.Minute, "how long a rebuild (b) waits for readiness")
	return cmd
}

// dashboardOK reports whether the dashboard can own the terminal: input and both outputs are
// terminals and this is not CI.
func (f *factory) dashboardOK() bool {
	return isTerminal(f.streams.In) && isTerminal(f.streams.Out) && isTerminal(f.streams.ErrOut) && !f.isCI()
}

func (f *factory) getenv(key string) string {
	for _, kv := range f.environ() {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// linksOK is whether the terminal is likely to show OSC 8 hyperlinks: most do, and the rest
// print the text without the link, except these.
func (f *factory) linksOK() bool {
	switch f.getenv("TERM") {
	case "dumb", "linux", "":
		return false
	}
	return f.getenv("TERM_PROGRAM") != "Apple_Terminal"
}

func (f *factory) dashboardOptions(projectName string) tui.RunOptions {
	return tui.RunOptions{
		Options: tui.Options{Project: projectName, Links: f.linksOK(), NoColor: !f.colorOK(f.streams.ErrOut)},
		In:      f.streams.In, Out: f.streams.ErrOut, Environ: f.environ(),
		MetricsFile: f.getenv("DEVENV_TUI_METRICS"),
	}
}

// dashboardWiring is what both ways into the dashboard wire up: an orchestrator reporting into
// the dashboard's inbox, and the controller its keys call.
type dashboardWiring struct {
	inbox *tui.Inbox
	o     *orchestrator.Orchestrator
	ctrl  *dashboard.Controller
	tags  func(service string) []string
}

func (f *factory) newDashboard(ctx context.Context, p *types.Project, timeout time.Duration) (*dashboardWiring, error) {
	inbox := tui.NewInbox(dashboard.LogLines)
	o, err := f.Orchestrator(ctx, events.SinkFunc(inbox.Event))
	if err != nil {
		return nil, err
	}
	e, err := f.Engine(ctx)
	if err != nil {
		return nil, err
	}
	tags := gitDescribeTags(ctx, p.Name, p.WorkingDir)
	ctrl := dashboard.New(e, o, p, dashboard.Options{Timeout: timeout, ImageTags: tags})
	return &dashboardWiring{inbox: inbox, o: o, ctrl: ctrl, tags: tags}, nil
}

func runTUI(ctx context.Context, f *factory, opts *TUIOptions) error {
	if !f.dashboardOK() {
		return &usageError{errors.New("devenv tui needs a terminal (stdin and stdout); devenv ps and devenv logs -f show the same without one")}
	}
	cfg, p, err := f.Project(ctx)
	if err != nil {
		return err
	}
	d, err := f.newDashboard(ctx, p, opts.Timeout)
	if err != nil {
		return err
	}
	out, err := tui.Run(ctx, d.ctrl, d.inbox, f.dashboardOptions(cfg.Name))
	if err != nil {
		return err
	}
	f.afterDashboard(p.Name, out, nil)
	return nil
}

// runUpDashboard is `devenv up` on a terminal: the dashboard opens at once and shows the
// progress of the Up that runs behind it, then the running stack.
func runUpDashboard(ctx context.Context, f *factory, opts *UpOptions, cfg *config.Config, p *types.Project) error {
	d, err := f.newDashboard(ctx, p, opts.Timeout)
	if err != nil {
		return err
	}
	inbox, o, ctrl, tags := d.inbox, d.o, d.ctrl, d.tags
	upCtx, cancelUp := context.WithCancel(ctx)
	defer cancelUp()
	type upResult struct {
		err       error
		cancelled bool // by quitting the dashboard, not a failure of the stack
	}
	upDone := make(chan upResult, 1)
	watched := make(chan struct{})
	go func() { // ends when Up returns, or with hot reload after it; quitting the dashboard cancels both
		defer close(watched)
		start := time.Now()
		err := o.Up(upCtx, p, orchestrator.UpOptions{
			Services: opts.Services, Build: opts.Build, Wait: true, Timeout: opts.Timeout,
			ForceRecreate: opts.ForceRecreate, ImageTags: tags,
		})
		if err == nil {
			err = o.ReportEndpoints(upCtx, p)
		}
		cancelled := upCtx.Err() != nil
		switch {
		case err == nil:
			inbox.Event(events.Event{Kind: events.Info, Message: p.Name + " is up", Duration: time.Since(start)})
		case !cancelled:
			inbox.Event(events.Event{Kind: events.Failed, Err: err})
		}
		upDone <- upResult{err: err, cancelled: cancelled}
		if err == nil && !opts.NoWatch {
			// Hot reload's reports (which files, which action, how long) go to the activity pane.
			watchAlongside(upCtx, o, cfg, p, opts, func(err error) { inbox.Event(events.Event{Kind: events.Failed, Err: err}) })
		}
	}()
	out, runErr := tui.Run(ctx, ctrl, inbox, f.dashboardOptions(cfg.Name))
	cancelUp()
	up := <-upDone
	<-watched
	if runErr != nil {
		return runErr
	}
	if up.err != nil && !up.cancelled && !out.Down {
		return up.err // the dashboard showed it; the exit code and the fix say it again
	}
	f.afterDashboard(p.Name, out, up.err)
	return nil
}

// afterDashboard says, once the terminal is the shell's again, what state the stack is left in.
func (f *factory) afterDashboard(project string, out tui.Outcome, upErr error) {
	w := f.streams.ErrOut
	switch {
	case out.Down:
		fmt.Fprintf(w, "%s is down (volumes kept): devenv up starts it again\n", project)
	case upErr != nil:
		fmt.Fprintf(w, "%s: up was stopped before every service was ready: devenv up goes on, devenv down removes it\n", project)
	default:
		fmt.Fprintf(w, "%s is still running: `devenv down` stops it, `devenv tui` reopens the dashboard, `devenv logs -f` follows it\n", project)
	}
}
