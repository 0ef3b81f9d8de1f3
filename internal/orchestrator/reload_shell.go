package orchestrator

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/devenv/devenv/internal/engine"
	"github.com/devenv/devenv/internal/watch"
)

// A sync through the Engine API's archive endpoint costs the engine a mount of the container's
// file system: 40-70 ms a call on a busy laptop, most of the save-to-visible time. A shell kept
// open in the container (one exec per container, fed commands on its stdin) writes small
// batches in a pipe round trip instead. Containers without sh and base64 (images built FROM
// scratch), and big batches, which tar streams better, use the archive endpoint.
const (
	shellMaxBytes = 256 << 10
	shellMaxFiles = 64
	shellTimeout  = 10 * time.Second
)

// syncShell is one long-lived `sh` in a container.
type syncShell struct {
	stdin *io.PipeWriter
	marks chan int      // exit status of each batch, from its end marker
	done  chan struct{} // closed when the shell ended (the container stopped or restarted)
	mu    sync.Mutex    // one batch at a time
	out   tailBuffer    // the last output, for errors
}

const shellMark = "__devenv_sync_done_"

// shells are the open sync shells by container ID, and the containers that have none.
type shells struct {
	mu    sync.Mutex
	open  map[string]*syncShell
	no    map[string]bool
	group sync.WaitGroup // the shells' exec goroutines
}

func newShells() *shells { return &shells{open: map[string]*syncShell{}, no: map[string]bool{}} }

// get returns the container's open shell, opening one if needed; nil when it has none.
func (s *shells) get(ctx context.Context, e Engine, id string) *syncShell {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.no[id] {
		return nil
	}
	if sh, ok := s.open[id]; ok {
		select {
		case <-sh.done:
			delete(s.open, id) // the container restarted: open a new one
		default:
			return sh
		}
	}
	sh := &syncShell{marks: make(chan int, 4), done: make(chan struct{})}
	pr, pw := io.Pipe()
	sh.stdin = pw
	started := make(chan struct{})
	s.group.Add(1)
	go func() { // ends when the shell exits: its container stops, or ctx ends
		defer s.group.Done()
		defer close(sh.done)
		close(started)
		_, _ = e.ExecAttached(ctx, id, engine.ExecSession{Cmd: []string{"sh"}, Stdin: pr, Stdout: &markWriter{sh: sh}, Stderr: &sh.out})
		_ = pr.Close()
	}()
	<-started
	// One round trip proves sh and base64 are there; a container without them never gets a
	// shell again.
	if err := sh.run(ctx, "command -v base64 >/dev/null"); err != nil {
		s.no[id] = true
		_ = pw.Close()
		return nil
	}
	s.open[id] = sh
	return sh
}

func (s *shells) close() {
	s.mu.Lock()
	for id, sh := range s.open {
		_ = sh.stdin.Close()
		delete(s.open, id)
	}
	s.mu.Unlock()
	s.group.Wait()
}

// run sends script and waits for its end marker; an exit status other than 0 is an error with
// the shell's last output.
func (sh *syncShell) run(ctx context.Context, script string) error {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, err := io.WriteString(sh.stdin, "__rc=0\n"+script+"\n"+`echo "`+shellMark+`$?_$__rc"`+"\n"); err != nil {
		return fmt.Errorf("sync shell: %w", err)
	}
	timer := time.NewTimer(shellTimeout)
	defer timer.Stop()
	select {
	case code := <-sh.marks:
		if code != 0 {
			return fmt.Errorf("sync shell: exit status %d: %s", code, strings.TrimSpace(sh.out.String()))
		}
		return nil
	case <-sh.done:
		return fmt.Errorf("sync shell ended: %s", strings.TrimSpace(sh.out.String()))
	case <-timer.C:
		_ = sh.stdin.Close()
		return fmt.Errorf("sync shell: no answer in %s", shellTimeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// shellScript writes files the way the archive endpoint would: deletions first, then
// directories, files (base64 in a here-document, so any byte is safe) and symlinks. false when
// the batch is too big for a shell or a file cannot be read.
func shellScript(files []watch.SyncFile) (string, bool) {
	var b strings.Builder
	var deletes []string
	total, count := 0, 0
	for _, f := range files {
		if f.Delete {
			if f.Container != "/" {
				deletes = append(deletes, shellQuote(f.Container))
			}
			continue
		}
		st, err := os.Lstat(f.Host)
		if err != nil {
			continue // gone again: its deletion is the next change
		}
		count++
		dst := shellQuote(f.Container)
		switch {
		case st.IsDir():
			fmt.Fprintf(&b, "mkdir -p %s || __rc=1\n", dst)
		case st.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(f.Host)
			if err != nil {
				return "", false
			}
			fmt.Fprintf(&b, "mkdir -p %s && ln -sfn %s %s || __rc=1\n", shellQuote(path.Dir(f.Container)), shellQuote(target), dst)
		case st.Mode().IsRegular():
			data, err := os.ReadFile(f.Host)
			if err != nil {
				return "", false
			}
			total += len(data)
			if total > shellMaxBytes {
				return "", false
			}
			fmt.Fprintf(&b, "mkdir -p %s && base64 -d > %s <<'__DEVENV_EOF__' || __rc=1\n", shellQuote(path.Dir(f.Container)), dst)
			enc := base64.StdEncoding.EncodeToString(data)
			for len(enc) > 76 {
				b.WriteString(enc[:76])
				b.WriteByte('\n')
				enc = enc[76:]
			}
			b.WriteString(enc)
			b.WriteString("\n__DEVENV_EOF__\n")
			fmt.Fprintf(&b, "chmod %o %s || __rc=1\n", st.Mode().Perm(), dst)
		}
	}
	if count > shellMaxFiles {
		return "", false
	}
	script := b.String()
	if len(deletes) > 0 {
		script = "rm -rf -- " + strings.Join(deletes, " ") + " || __rc=1\n" + script
	}
	return script + "test $__rc = 0", true
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// markWriter finds the end markers in the shell's output.
type markWriter struct {
	sh   *syncShell
	line []byte
}

func (w *markWriter) Write(p []byte) (int, error) {
	for _, c := range p {
		if c != '\n' {
			w.line = append(w.line, c)
			continue
		}
		if rest, ok := bytes.CutPrefix(w.line, []byte(shellMark)); ok {
			status, _, _ := bytes.Cut(rest, []byte("_"))
			code, err := strconv.Atoi(string(status))
			if err != nil {
				code = -1
			}
			w.sh.marks <- code
		} else {
			_, _ = w.sh.out.Write(append(w.line, '\n'))
		}
		w.line = w.line[:0]
	}
	return len(p), nil
}

// tailBuffer keeps the last 2 KB written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2048 {
		t.buf = t.buf[len(t.buf)-2048:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := string(t.buf)
	t.buf = nil
	return s
}
