// Package watch turns file-system changes into hot-reload actions: a recursive fsnotify watcher
// that honours ignore rules, a debouncer that coalesces bursts, and compose develop.watch rules
// that map a batch of changed paths to one action per service. It never talks to the engine.
package watch

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// DefaultIgnores are ignored everywhere in a watched tree: version control, dependency folders
// a package manager owns, build outputs and editors' scratch files. None of them is source a
// running service reloads from, and node_modules alone can hold 100,000 directories.
func DefaultIgnores() []string {
	return []string{
		"**/.git", "**/.hg", "**/.svn", "**/node_modules", "**/dist", "**/build", "**/target",
		"**/__pycache__", "**/.next", "**/.cache", "**/.devenv",
		"**/*.swp", "**/*.swx", "**/*~", "**/.#*", "**/#*#", "**/4913", "**/.DS_Store",
	}
}

// Ignorer decides which paths are not worth a reload: the default ignores, extra globs
// (devenv.yaml's watch.ignore), each build context's .dockerignore and every .gitignore found
// in the watched tree, each scoped to its own directory. Safe for concurrent use.
type Ignorer struct {
	mu     sync.RWMutex
	scopes map[string]scope // directory → its rules
}

type scope struct {
	pm   *patternmatcher.PatternMatcher
	kind string // what the rules came from, for error messages
}

// NewIgnorer ignores the defaults anywhere under root, plus globs (.dockerignore syntax,
// relative to root).
func NewIgnorer(root string, globs []string) (*Ignorer, error) {
	ig := &Ignorer{scopes: map[string]scope{}}
	if err := ig.add(filepath.Clean(root), "default", append(DefaultIgnores(), globs...)); err != nil {
		return nil, err
	}
	return ig, nil
}

func (ig *Ignorer) add(dir, kind string, patterns []string) error {
	if len(patterns) == 0 {
		return nil
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return fmt.Errorf("%s ignore patterns of %s: %w", kind, dir, err)
	}
	ig.mu.Lock()
	defer ig.mu.Unlock()
	key := dir + "\x00" + kind
	ig.scopes[key] = scope{pm: pm, kind: kind}
	return nil
}

func (ig *Ignorer) drop(dir, kind string) {
	ig.mu.Lock()
	defer ig.mu.Unlock()
	delete(ig.scopes, dir+"\x00"+kind)
}

// AddDockerignore reads dir/.dockerignore, if there is one: a build context's own exclusions.
func (ig *Ignorer) AddDockerignore(dir string) error {
	f, err := os.Open(filepath.Join(dir, ".dockerignore"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name(), err)
	}
	return ig.add(filepath.Clean(dir), ".dockerignore", patterns)
}

// LoadGitignore reads (or re-reads, after it changed) dir/.gitignore; a removed file drops its
// rules.
func (ig *Ignorer) LoadGitignore(dir string) error {
	dir = filepath.Clean(dir)
	data, err := os.ReadFile(filepath.Join(dir, ".gitignore"))
	if errors.Is(err, fs.ErrNotExist) {
		ig.drop(dir, ".gitignore")
		return nil
	}
	if err != nil {
		return err
	}
	return ig.add(dir, ".gitignore", GitignorePatterns(string(data)))
}

// GitignorePatterns translates .gitignore lines into patternmatcher's .dockerignore syntax. A
// pattern without a slash matches at any depth (git's rule); one with a slash is anchored to the
// .gitignore's folder; a trailing slash (directories only) is dropped, so such a pattern also
// matches a file of that name, which is rare and harmless for a watcher.
func GitignorePatterns(text string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \t\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		neg := strings.HasPrefix(line, "!")
		line = strings.TrimPrefix(line, "!")
		line = strings.TrimPrefix(line, `\`) // \# and \! escape a leading character
		line = strings.TrimSuffix(line, "/")
		if line == "" {
			continue
		}
		if strings.Contains(line, "/") {
			line = strings.TrimPrefix(line, "/")
		} else {
			line = "**/" + line
		}
		if neg {
			line = "!" + line
		}
		out = append(out, line)
	}
	return out
}

// Ignored reports whether path (absolute) is excluded by any rules of a folder it is in.
func (ig *Ignorer) Ignored(path string) bool {
	path = filepath.Clean(path)
	ig.mu.RLock()
	defer ig.mu.RUnlock()
	for key, s := range ig.scopes {
		dir, _, _ := strings.Cut(key, "\x00")
		rel, err := filepath.Rel(dir, path)
		if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		if ok, err := s.pm.MatchesOrParentMatches(rel); err == nil && ok {
			return true
		}
	}
	return false
}
