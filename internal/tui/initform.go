// Package tui holds devenv's interactive terminal screens. It is the only package that imports
// the charm libraries; the CLI calls it only when both stdin and stdout are terminals.
package tui

import (
	"context"
	"errors"
	"fmt"
	"io"

	"charm.land/huh/v2"
)

// ServiceChoice is a service `devenv init` can create.
type ServiceChoice struct {
	Name, Template, Description string
}

// DependencyChoice is a dependency kind `devenv init` can enable.
type DependencyChoice struct {
	Name, Title, Summary string
}

// ErrAborted means the user left the form (Ctrl-C or Esc) without answering.
var ErrAborted = errors.New("init cancelled: nothing was written")

// AskInit asks which services and dependencies a new project has, everything preselected: on a
// first day, Enter twice gives the whole example stack.
func AskInit(ctx context.Context, in io.Reader, out io.Writer, services []ServiceChoice, deps []DependencyChoice) ([]ServiceChoice, []string, error) {
	var chosenNames, chosenDeps []string
	var serviceOpts []huh.Option[string]
	for _, s := range services {
		serviceOpts = append(serviceOpts, huh.NewOption(fmt.Sprintf("%-5s %s: %s", s.Name, s.Template, s.Description), s.Name).Selected(true))
	}
	var depOpts []huh.Option[string]
	for _, d := range deps {
		depOpts = append(depOpts, huh.NewOption(fmt.Sprintf("%-8s %s: %s", d.Name, d.Title, d.Summary), d.Name).Selected(true))
	}
	form := huh.NewForm(
		huh.NewGroup(huh.NewMultiSelect[string]().
			Title("Services: each gets a folder ./NAME scaffolded from its template").
			Options(serviceOpts...).
			Height(len(serviceOpts)+1).
			Value(&chosenNames)),
		huh.NewGroup(huh.NewMultiSelect[string]().
			Title("Dependencies: run, wired into the services' environment, checked for readiness").
			Options(depOpts...).
			Height(len(depOpts)+1).
			Value(&chosenDeps)),
	).WithInput(in).WithOutput(out)
	if err := form.RunWithContext(ctx); err != nil {
		if errors.Is(err, huh.ErrUserAborted) {
			return nil, nil, ErrAborted
		}
		return nil, nil, err
	}
	var chosen []ServiceChoice
	for _, s := range services {
		for _, n := range chosenNames {
			if s.Name == n {
				chosen = append(chosen, s)
			}
		}
	}
	return chosen, chosenDeps, nil
}
