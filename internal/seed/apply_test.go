package seed

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fakeApplier keeps its record in memory and logs what Apply asked of it.
type fakeApplier struct {
	record map[string]string
	calls  []string
	fail   string // a file name whose apply fails
}

func (a *fakeApplier) Applied(context.Context) (map[string]string, error) {
	a.calls = append(a.calls, "applied")
	return a.record, nil
}

func (a *fakeApplier) Apply(_ context.Context, f File) error {
	if f.Name == a.fail {
		return &FileError{File: f.Shown, Line: 1, Err: errors.New("broken")}
	}
	a.calls = append(a.calls, "apply "+f.Name)
	a.record[f.Name] = f.Sum
	return nil
}

func (a *fakeApplier) Reset(context.Context) error {
	a.calls = append(a.calls, "reset")
	a.record = map[string]string{}
	return nil
}

// Order runs files in reverse name order, so the test sees that Apply follows it.
func (a *fakeApplier) Order(files []File) []File {
	out := make([]File, len(files))
	for i, f := range files {
		out[len(files)-1-i] = f
	}
	return out
}

func (a *fakeApplier) Close() error {
	a.calls = append(a.calls, "close")
	return nil
}

// Apply is the core every kind shares: the files a kind's patterns match, pending when the
// record lacks their checksum, in the kind's order; a reset first when asked.
func TestApplyAppliesWhatTheRecordLacks(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.sql", "A")
	write("b.sql", "B")
	write("notes.txt", "not a fixture")
	a := &fakeApplier{record: map[string]string{}}
	target := Target{Dependency: "fake", Dir: dir, Patterns: []string{"*.sql"},
		Open: func(context.Context) (Applier, error) { return a, nil }}
	var reported []string
	opts := Options{BaseDir: dir, Report: func(p Progress) {
		if !p.Done {
			reported = append(reported, p.File)
		}
	}}

	steps := []struct {
		name     string
		before   func()
		reset    bool
		calls    []string
		applied  []string
		upToDate int
	}{
		{name: "first run applies everything, in the kind's order",
			calls: []string{"applied", "apply b.sql", "apply a.sql", "close"}, applied: []string{"b.sql", "a.sql"}},
		{name: "second run applies nothing",
			calls: []string{"applied", "close"}, upToDate: 2},
		{name: "an edited file applies alone", before: func() { write("a.sql", "A2") },
			calls: []string{"applied", "apply a.sql", "close"}, applied: []string{"a.sql"}, upToDate: 1},
		{name: "reset applies everything again", reset: true,
			calls: []string{"reset", "applied", "apply b.sql", "apply a.sql", "close"}, applied: []string{"b.sql", "a.sql"}},
	}
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		a.calls, reported = nil, nil
		opts.Reset = st.reset
		res, err := Apply(context.Background(), target, opts)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if !reflect.DeepEqual(a.calls, st.calls) {
			t.Errorf("%s: calls %v, want %v", st.name, a.calls, st.calls)
		}
		if !reflect.DeepEqual(res.Applied, st.applied) || !reflect.DeepEqual(reported, st.applied) || res.UpToDate != st.upToDate {
			t.Errorf("%s: result %+v (reported %v), want applied %v and %d up to date", st.name, res, reported, st.applied, st.upToDate)
		}
		if !reflect.DeepEqual(res.Ignored, []string{"notes.txt"}) {
			t.Errorf("%s: ignored %v, want notes.txt", st.name, res.Ignored)
		}
	}
}

func TestApplyStopsAtAFailingFile(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.sql", "b.sql"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a := &fakeApplier{record: map[string]string{}, fail: "b.sql"}
	_, err := Apply(context.Background(), Target{Dependency: "fake", Dir: dir, Patterns: []string{"*.sql"},
		Open: func(context.Context) (Applier, error) { return a, nil }}, Options{})
	var fe *FileError
	if !errors.As(err, &fe) || fe.File != "b.sql" || a.record["b.sql"] != "" {
		t.Errorf("err = %v, record %v: want b.sql's error and no record of it", err, a.record)
	}
	if strings.Join(a.calls, ",") != "applied,close" {
		t.Errorf("calls = %v: b.sql runs first in the fake's order and stops the rest", a.calls)
	}
}
