package render

import (
	"encoding/xml"
	"fmt"
	"io"
	"time"

	"github.com/devenv/devenv/internal/events"
)

// JUnitReport is what a `devenv test` run reports to a CI server: one case per service's
// readiness and fixture seeding, taken from the events `up` emitted, and one for the command.
type JUnitReport struct {
	Project  string
	Started  time.Time
	Services []string       // the project's services, in the order the cases are listed
	Events   []events.Event // everything up reported
	// UpFailure is the step that stopped `up`, if one did; Service is empty for a failure that
	// is no single service's.
	UpFailure *StepFailure
	Command   *CommandResult // nil when the command did not run
	// CommandLine names the command's case whether or not it ran.
	CommandLine string
}

// StepFailure is one failed step of a service.
type StepFailure struct {
	Service string
	Step    string // pull, build, create, start, health, job, seed
	Message string
	Logs    string
}

// CommandResult is how the test command ended.
type CommandResult struct {
	ExitCode int
	Duration time.Duration
	Output   string // the tail of what it printed
	Err      error  // it could not be run at all
}

// The JUnit XML shape CI servers read (Jenkins, GitLab, GitHub test reporters, Azure): a
// <testsuites> of <testsuite>s of <testcase>s, each passed, or with <failure> or <skipped>.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes r as JUnit XML.
func WriteJUnit(w io.Writer, r JUnitReport) error {
	stack := junitSuite{Name: "devenv stack", Timestamp: r.Started.UTC().Format("2006-01-02T15:04:05"),
		Properties: []junitProperty{{Name: "project", Value: r.Project}}}
	for _, svc := range r.Services {
		stack.Cases = append(stack.Cases, readyCase(r, svc))
		if c, ok := seedCase(r, svc); ok {
			stack.Cases = append(stack.Cases, c)
		}
	}
	if r.UpFailure != nil && r.UpFailure.Service == "" {
		stack.Cases = append(stack.Cases, junitCase{Name: "up", Classname: "devenv.stack",
			Failure: &junitFailure{Message: r.UpFailure.Message, Type: "up", Text: r.UpFailure.Message}})
	}
	cmd := junitSuite{Name: "devenv test command", Timestamp: stack.Timestamp, Properties: stack.Properties}
	cmd.Cases = []junitCase{commandCase(r)}
	out := junitSuites{Name: "devenv test " + r.Project}
	var total time.Duration
	for _, s := range []*junitSuite{&stack, &cmd} {
		var d time.Duration
		for _, c := range s.Cases {
			s.Tests++
			switch {
			case c.Failure != nil:
				s.Failures++
			case c.Skipped != nil:
				s.Skipped++
			}
			cd, _ := time.ParseDuration(c.Time + "s")
			d += cd
		}
		s.Time = seconds(d)
		total += d
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Skipped += s.Skipped
		out.Suites = append(out.Suites, *s)
	}
	out.Time = seconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write junit report: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// readyCase is whether svc became ready: healthy, or a job that completed, or (with nothing
// that tells readiness) started.
func readyCase(r JUnitReport, svc string) junitCase {
	c := junitCase{Name: "ready", Classname: "devenv.stack." + svc, Time: seconds(0)}
	var started, waiting bool
	for _, e := range r.Events {
		if e.Service != svc {
			continue
		}
		switch e.Kind {
		case events.Healthy, events.Completed:
			c.Time = seconds(e.Duration)
			c.SystemOut = svc + " " + string(e.Kind)
			return c
		case events.Started, events.Unchanged:
			started = true
		case events.Waiting:
			waiting = true
		case events.Failed:
			c.Failure = &junitFailure{Message: fmt.Sprint(e.Err), Type: "failed", Text: fmt.Sprint(e.Err)}
		}
	}
	if f := r.UpFailure; f != nil && f.Service == svc && f.Step != "seed" {
		c.Failure = &junitFailure{Message: f.Step + ": " + f.Message, Type: f.Step, Text: joinLogs(f)}
	}
	switch {
	case c.Failure != nil:
	case started && !waiting:
		c.SystemOut = svc + " started (no readiness check)"
	case r.UpFailure == nil && started:
		c.SystemOut = svc + " started"
	default:
		c.Skipped = &junitSkipped{Message: "not reached: devenv up stopped at an earlier failure"}
	}
	return c
}

// seedCase is whether svc's fixtures were applied; only services with fixtures have one.
func seedCase(r JUnitReport, svc string) (junitCase, bool) {
	c := junitCase{Name: "seeded", Classname: "devenv.stack." + svc, Time: seconds(0)}
	seen := false
	for _, e := range r.Events {
		if e.Service != svc {
			continue
		}
		switch e.Kind {
		case events.Seeding:
			seen = true
		case events.Seeded:
			c.Time = seconds(e.Duration)
			c.SystemOut = svc + " seeded " + e.Message
			return c, true
		}
	}
	if f := r.UpFailure; f != nil && f.Service == svc && f.Step == "seed" {
		c.Failure = &junitFailure{Message: "seed: " + f.Message, Type: "seed", Text: joinLogs(f)}
		return c, true
	}
	if !seen {
		return c, false
	}
	c.Skipped = &junitSkipped{Message: "not finished: devenv up stopped at an earlier failure"}
	return c, true
}

func commandCase(r JUnitReport) junitCase {
	c := junitCase{Name: r.CommandLine, Classname: "devenv.command", Time: seconds(0)}
	res := r.Command
	switch {
	case res == nil:
		c.Skipped = &junitSkipped{Message: "not run: the stack did not come up"}
	case res.Err != nil:
		c.Time = seconds(res.Duration)
		c.Failure = &junitFailure{Message: res.Err.Error(), Type: "error", Text: res.Output}
	case res.ExitCode != 0:
		c.Time = seconds(res.Duration)
		c.Failure = &junitFailure{Message: fmt.Sprintf("exited with code %d", res.ExitCode), Type: "exit", Text: res.Output}
	default:
		c.Time = seconds(res.Duration)
		c.SystemOut = res.Output
	}
	return c
}

func joinLogs(f *StepFailure) string {
	if f.Logs == "" {
		return f.Message
	}
	return f.Message + "\n\nlast log lines of " + f.Service + ":\n" + f.Logs
}

func seconds(d time.Duration) string {
	return fmt.Sprintf("%.3f", d.Seconds())
}
