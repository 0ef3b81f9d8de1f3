package render

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/devenv/devenv/internal/events"
)

// parsed is the JUnit shape CI servers read, decoded back.
type parsed struct {
	XMLName xml.Name `xml:"testsuites"`
	Tests   int      `xml:"tests,attr"`
	Fail    int      `xml:"failures,attr"`
	Skipped int      `xml:"skipped,attr"`
	Suites  []struct {
		Name  string `xml:"name,attr"`
		Tests int    `xml:"tests,attr"`
		Fail  int    `xml:"failures,attr"`
		Cases []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Time      string `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct{} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func writeAndParse(t *testing.T, r JUnitReport) (parsed, map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, r); err != nil {
		t.Fatal(err)
	}
	var p parsed
	if err := xml.Unmarshal(buf.Bytes(), &p); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	// outcome by "classname name": pass, fail: message, or skip.
	out := map[string]string{}
	for _, s := range p.Suites {
		for _, c := range s.Cases {
			v := "pass"
			switch {
			case c.Failure != nil:
				v = "fail: " + c.Failure.Message
			case c.Skipped != nil:
				v = "skip"
			}
			out[c.Classname+" "+c.Name] = v
		}
	}
	return p, out
}

func TestJUnitPassingRun(t *testing.T) {
	now := time.Now()
	r := JUnitReport{Project: "shop-1", Started: now, Services: []string{"api", "migrate", "mysql"}, CommandLine: "go test ./...",
		Events: []events.Event{
			{Service: "mysql", Kind: events.Started}, {Service: "mysql", Kind: events.Waiting},
			{Service: "mysql", Kind: events.Healthy, Duration: 1500 * time.Millisecond},
			{Service: "mysql", Kind: events.Seeding, Message: "01-schema.sql"},
			{Service: "mysql", Kind: events.Seeded, Message: "2 files", Duration: 300 * time.Millisecond},
			{Service: "migrate", Kind: events.Completed, Duration: time.Second},
			{Service: "api", Kind: events.Started},
		},
		Command: &CommandResult{ExitCode: 0, Duration: 2 * time.Second, Output: "ok"},
	}
	p, got := writeAndParse(t, r)
	want := map[string]string{
		"devenv.stack.api ready": "pass", "devenv.stack.migrate ready": "pass", "devenv.stack.mysql ready": "pass",
		"devenv.stack.mysql seeded": "pass", "devenv.command go test ./...": "pass",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	if len(got) != len(want) || p.Tests != 5 || p.Fail != 0 || len(p.Suites) != 2 {
		t.Errorf("cases %v; totals tests=%d failures=%d", got, p.Tests, p.Fail)
	}
}

func TestJUnitFailedUp(t *testing.T) {
	r := JUnitReport{Project: "shop-1", Services: []string{"api", "mysql", "redis"}, CommandLine: "go test ./...",
		Events: []events.Event{
			{Service: "redis", Kind: events.Healthy},
			{Service: "mysql", Kind: events.Started}, {Service: "mysql", Kind: events.Waiting},
		},
		UpFailure: &StepFailure{Service: "mysql", Step: "health", Message: "container exited with code 1", Logs: "InnoDB: corrupt\x1b[0m"},
	}
	p, got := writeAndParse(t, r)
	if got["devenv.stack.mysql ready"] != "fail: health: container exited with code 1" || got["devenv.stack.redis ready"] != "pass" ||
		got["devenv.stack.api ready"] != "skip" || got["devenv.command go test ./..."] != "skip" {
		t.Errorf("cases %v", got)
	}
	if p.Fail != 1 || p.Skipped != 2 {
		t.Errorf("totals failures=%d skipped=%d", p.Fail, p.Skipped)
	}
	for _, s := range p.Suites {
		for _, c := range s.Cases {
			if c.Failure != nil && !strings.Contains(c.Failure.Text, "InnoDB: corrupt") {
				t.Errorf("failure text lacks the logs: %q", c.Failure.Text)
			}
		}
	}
}

func TestJUnitFailingCommandAndSeed(t *testing.T) {
	r := JUnitReport{Project: "p", Services: []string{"mysql"}, CommandLine: "make it",
		Events:    []events.Event{{Service: "mysql", Kind: events.Healthy}, {Service: "mysql", Kind: events.Seeding}},
		UpFailure: &StepFailure{Service: "mysql", Step: "seed", Message: "02-data.sql: duplicate key"},
	}
	_, got := writeAndParse(t, r)
	if got["devenv.stack.mysql ready"] != "pass" || got["devenv.stack.mysql seeded"] != "fail: seed: 02-data.sql: duplicate key" {
		t.Errorf("cases %v", got)
	}
	r = JUnitReport{Project: "p", Services: []string{"redis"}, CommandLine: "make it",
		Events:  []events.Event{{Service: "redis", Kind: events.Healthy}},
		Command: &CommandResult{ExitCode: 3, Output: "FAIL"},
	}
	_, got = writeAndParse(t, r)
	if got["devenv.command make it"] != "fail: exited with code 3" {
		t.Errorf("cases %v", got)
	}
	r.Command = &CommandResult{ExitCode: -1, Err: errors.New(`run nope: executable file not found in $PATH`)}
	_, got = writeAndParse(t, r)
	if !strings.Contains(got["devenv.command make it"], "not found") {
		t.Errorf("cases %v", got)
	}
}
