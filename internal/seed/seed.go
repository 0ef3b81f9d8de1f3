// Package seed loads fixture files into a running dependency through its own protocol (MySQL,
// Redis, RabbitMQ's AMQP and management API) over the ports published on the host. Apply is the
// core every kind shares; each kind's file (mysql.go, redis.go, rabbitmq.go) opens an Applier.
// Each kind keeps a record of the files it applied, with their checksums, inside the dependency
// itself, so the record lives and dies with the dependency's data volume: a file is applied when
// it is new or changed, never twice as it is.
package seed

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Target is one dependency's fixtures and the way into it. Which kinds there are, and how each
// is logged in to, is the dependency registry's business (internal/dependency): each kind hands
// Apply an Open that returns its Applier.
type Target struct {
	Dependency string   // the dependency's kind, for messages: mysql
	Dir        string   // the fixtures folder
	Patterns   []string // the file names the kind applies, e.g. *.sql
	Open       func(ctx context.Context) (Applier, error)
}

// Options change how fixtures are applied.
type Options struct {
	// Reset wipes the dependency's data (every database, key or vhost, and the record) first,
	// so every fixture is applied again onto an empty server.
	Reset bool
	// BaseDir is what file names in reports and errors are shown relative to (the project's
	// directory); empty shows them relative to the fixtures folder.
	BaseDir string
	// Report is told when a file starts (Duration 0) and when it is applied.
	Report func(Progress)
}

// Progress is one file's progress.
type Progress struct {
	File     string // as shown to the user
	Done     bool
	Duration time.Duration
}

// Result says what Apply did.
type Result struct {
	Applied  []string // files applied now, as shown
	UpToDate int      // files already applied with the same checksum
	Ignored  []string // files in the folder that are not fixtures of this kind, as shown
}

// File is one fixture file.
type File struct {
	Name  string // relative to the fixtures folder, with forward slashes: the record's key
	Path  string // absolute
	Shown string // as reports and errors show it
	Sum   string // sha256 of the file's bytes, hex
}

// Applier is one kind's way of applying and recording files in a running dependency, which
// it is logged in to until Close.
type Applier interface {
	// Applied returns the record: file name → checksum.
	Applied(ctx context.Context) (map[string]string, error)
	// Apply applies f and records it; on failure nothing of f is recorded.
	Apply(ctx context.Context, f File) error
	// Reset deletes the dependency's data and the record.
	Reset(ctx context.Context) error
	// Order puts the pending files in the order they must run (default: name order).
	Order(files []File) []File
	Close() error
}

// Apply applies the fixtures in t.Dir that t's record does not have with the same checksum.
func Apply(ctx context.Context, t Target, opts Options) (Result, error) {
	files, ignored, err := List(t.Dir, opts.BaseDir, t.Patterns)
	if err != nil {
		return Result{}, fmt.Errorf("read fixtures of %s: %w", t.Dependency, err)
	}
	res := Result{Ignored: ignored}
	a, err := t.Open(ctx)
	if err != nil {
		return res, err
	}
	defer a.Close()
	if opts.Reset {
		if err := a.Reset(ctx); err != nil {
			return res, fmt.Errorf("reset %s: %w", t.Dependency, err)
		}
	}
	if len(files) == 0 {
		return res, nil
	}
	done, err := a.Applied(ctx)
	if err != nil {
		return res, fmt.Errorf("read the record of applied fixtures: %w", err)
	}
	var pending []File
	for _, f := range files {
		if f.Sum, err = checksum(f.Path); err != nil {
			return res, err
		}
		if done[f.Name] == f.Sum {
			res.UpToDate++
			continue
		}
		pending = append(pending, f)
	}
	for _, f := range a.Order(pending) {
		start := time.Now()
		report(opts, Progress{File: f.Shown})
		if err := a.Apply(ctx, f); err != nil {
			return res, err
		}
		res.Applied = append(res.Applied, f.Shown)
		report(opts, Progress{File: f.Shown, Done: true, Duration: time.Since(start)})
	}
	return res, nil
}

func report(opts Options, p Progress) {
	if opts.Report != nil {
		opts.Report(p)
	}
}

// List returns the files under dir (sub-folders included) that match one of patterns, in name
// order, and the other files found there, which are not applied (a README, say) but reported, so
// a file with a mistyped extension does not go silently unseeded. Hidden files and folders are
// skipped.
func List(dir, baseDir string, patterns []string) (files []File, ignored []string, err error) {
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		shown := show(path, dir, baseDir)
		if !slices.ContainsFunc(patterns, func(p string) bool { ok, _ := filepath.Match(p, d.Name()); return ok }) {
			if !strings.EqualFold(d.Name(), "README.md") {
				ignored = append(ignored, shown)
			}
			return nil
		}
		files = append(files, File{Name: filepath.ToSlash(rel), Path: path, Shown: shown})
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return files, ignored, nil
}

func show(path, dir, baseDir string) string {
	base := baseDir
	if base == "" {
		base = dir
	}
	if rel, err := filepath.Rel(base, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

func checksum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// FileError is a fixture that could not be applied: which file, where in it, what the server
// (or the parser) said, and what to do. Nothing of the file is recorded as applied.
type FileError struct {
	File      string // as shown
	Line      int    // 0 when the error is about the whole file
	Statement string // the start of the statement or command that failed, if any
	Err       error
	Fix       string
}

func (e *FileError) Error() string {
	where := e.File
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	msg := fmt.Sprintf("%s: %v", where, e.Err)
	if e.Statement != "" {
		msg += "\n  in: " + e.Statement
	}
	return msg
}

func (e *FileError) Unwrap() error { return e.Err }

// Hint is the fix the CLI prints.
func (e *FileError) Hint() string { return e.Fix }

// excerpt is the start of a statement, on one line, for error messages.
func excerpt(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 100 {
		return string(r[:100]) + "…"
	}
	return s
}
