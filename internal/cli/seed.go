package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/devenv/devenv/internal/events"
	"github.com/devenv/devenv/internal/orchestrator"
	"github.com/spf13/cobra"
)

// SeedOptions holds what `devenv seed` needs.
type SeedOptions struct {
	Dependencies []string
	Reset        bool
	Yes          bool
	JSON         bool
}

// NewCmdSeed builds `devenv seed`.
func NewCmdSeed(f *factory, runF func(context.Context, *SeedOptions) error) *cobra.Command {
	opts := &SeedOptions{}
	cmd := &cobra.Command{
		Use:   "seed [DEPENDENCY...]",
		Short: "Apply the fixtures not yet applied to the running dependencies (all by default)",
		Long: "seed loads each dependency's fixtures folder (fixtures/<dependency>, or the folder devenv.yaml names) into\n" +
			"the running dependency. Each dependency records the files it applied with their checksums, so only new\n" +
			"and changed files are applied; `up` does the same before the services that depend on it start.\n\n" +
			"--reset deletes all of the dependency's data (every database, key or vhost) and applies every fixture\n" +
			"again; it says what it deletes and asks first on a terminal, and needs --yes otherwise.",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dependencies = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runSeed(cmd.Context(), f, opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Reset, "reset", false, "delete the dependency's data and apply every fixture again")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask before --reset deletes data")
	fl.BoolVar(&opts.JSON, "json", false, "report progress as one JSON object per line on stdout")
	return cmd
}

func runSeed(ctx context.Context, f *factory, opts *SeedOptions) error {
	_, p, err := f.Project(ctx)
	if err != nil {
		return err
	}
	if opts.Reset && !opts.Yes {
		scope, err := orchestrator.ResetScope(p, opts.Dependencies)
		if err != nil {
			return err
		}
		what := "every dependency with fixtures"
		if len(opts.Dependencies) > 0 {
			what = strings.Join(opts.Dependencies, ", ")
		}
		if !f.interactive() {
			return &usageError{fmt.Errorf("--reset deletes all data of %s in project %s: add --yes to confirm (there is no terminal to ask on)", what, p.Name)}
		}
		fmt.Fprintf(f.streams.ErrOut, "--reset deletes, in project %s:\n", p.Name)
		for _, line := range scope {
			fmt.Fprintf(f.streams.ErrOut, "  %s\n", line)
		}
		ok, err := confirm(f, "Delete this data and apply the fixtures again? [y/N] ")
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("nothing was changed")
		}
	}
	sink := f.progressSink(opts.JSON)
	o, err := f.Orchestrator(ctx, sink)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := o.Seed(ctx, p, orchestrator.SeedOptions{Dependencies: opts.Dependencies, Reset: opts.Reset}); err != nil {
		if opts.JSON {
			sink.Emit(events.Event{Time: time.Now(), Kind: events.Failed, Err: err})
		}
		return err
	}
	sink.Emit(events.Event{Time: time.Now(), Kind: events.Info, Message: "fixtures applied", Duration: time.Since(start)})
	return nil
}

// confirm asks a yes/no question on the terminal; anything but y or yes is no.
func confirm(f *factory, question string) (bool, error) {
	fmt.Fprint(f.streams.ErrOut, question)
	line, err := bufio.NewReader(f.streams.In).ReadString('\n')
	if err != nil && line == "" {
		return false, nil
	}
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes", nil
}
