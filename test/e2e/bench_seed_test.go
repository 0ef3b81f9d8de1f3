//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/devenv/devenv/internal/engine"
)

// BenchmarkSeedMySQL applies a generated 100k-row SQL fixture with `devenv seed` and compares
// it with piping the same file into the mysql client inside the container (the way people load
// a dump by hand), and reports devenv's peak RSS: the file is streamed, never held whole.
//
// Two shapes of file, both 100,000 rows of about 1 KB: one INSERT per row (what a script that
// generates fixtures writes) and mysqldump's extended INSERTs of 1,000 rows each. devenv's time
// includes everything `devenv seed --reset --yes mysql` does: start, log in, drop and recreate
// the database, checksum the file, apply it in one transaction, record it.
func BenchmarkSeedMySQL(b *testing.B) {
	for _, shape := range []struct {
		name       string
		rowsPerRow int
	}{{"one-insert-per-row", 1}, {"extended-inserts", 1000}} {
		b.Run(shape.name, func(b *testing.B) {
			e := NewEnv(b)
			file := filepath.Join(e.Dir, "fixtures", "mysql", "01_rows.sql")
			size := generateRows(b, file, 100_000, shape.rowsPerRow)
			writeFile(b, filepath.Join(e.Dir, "devenv.yaml"), "dependencies:\n  mysql: {}\n")
			e.up()
			id := e.ps()["mysql"].ID
			var devenvTimes, clientTimes []time.Duration
			var peakRSS int64
			for i := 0; i < b.N; i++ {
				start := time.Now()
				rss := e.devenvRSS("seed", "--reset", "--yes", "mysql")
				devenvTimes = append(devenvTimes, time.Since(start))
				peakRSS = max(peakRSS, rss)
				e.checkRows(id, 100_000)

				e.resetDatabase(id)
				start = time.Now()
				e.pipeIntoMySQLClient(id, file)
				clientTimes = append(clientTimes, time.Since(start))
				e.checkRows(id, 100_000)
			}
			b.ReportMetric(float64(size)/1e6, "file-MB")
			b.ReportMetric(median(devenvTimes), "devenv-s")
			b.ReportMetric(median(clientTimes), "mysql-client-s")
			b.ReportMetric(median(devenvTimes)/median(clientTimes), "devenv/client")
			b.ReportMetric(float64(peakRSS)/1024, "devenv-peak-RSS-MB")
		})
	}
}

// generateRows writes a fixture of n rows, perStatement rows to an INSERT, and returns its size.
func generateRows(b *testing.B, path string, n, perStatement int) int64 {
	b.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "CREATE TABLE IF NOT EXISTS people (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, email VARCHAR(128) NOT NULL, bio TEXT NOT NULL, joined DATETIME NOT NULL);")
	rng := rand.New(rand.NewPCG(1, 2))
	const letters = "abcdefghijklmnopqrstuvwxyz     "
	bio := make([]byte, 900)
	for i := 1; i <= n; i++ {
		if (i-1)%perStatement == 0 {
			fmt.Fprint(w, "INSERT INTO people (id, name, email, bio, joined) VALUES\n")
		} else {
			fmt.Fprint(w, ",\n")
		}
		for j := range bio {
			bio[j] = letters[rng.IntN(len(letters))]
		}
		fmt.Fprintf(w, "(%d, 'Person %d', 'person%d@example.com', '%s it''s row %d', '2026-01-01 10:%02d:%02d')", i, i, i, bio, i, i%60, i%60)
		if i%perStatement == 0 || i == n {
			fmt.Fprint(w, ";\n")
		}
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	f.Close()
	return st.Size()
}

// devenvRSS runs devenv and returns its peak resident set size in KiB.
func (e *Env) devenvRSS(args ...string) int64 {
	e.t.Helper()
	cmd := exec.CommandContext(e.Context(30*time.Minute), shared.binary, args...)
	cmd.Dir = e.Dir
	cmd.Env = append(os.Environ(), e.stackEnv()...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		e.t.Fatalf("devenv %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
}

func (e *Env) mysqlExec(id string, stdin io.Reader, args ...string) string {
	e.t.Helper()
	var out bytes.Buffer
	code, err := e.Engine.ExecAttached(e.Context(30*time.Minute), id, engine.ExecSession{
		Cmd: append([]string{"mysql", "-uroot", "-proot", "app"}, args...), Stdin: stdin, Stdout: &out, Stderr: &out,
	})
	if err != nil || code != 0 {
		e.t.Fatalf("mysql %v in the container: exit %d, %v\n%s", args, code, err, out.String())
	}
	return out.String()
}

func (e *Env) resetDatabase(id string) {
	e.t.Helper()
	e.mysqlExec(id, nil, "-e", "DROP DATABASE app; CREATE DATABASE app")
}

func (e *Env) pipeIntoMySQLClient(id, file string) {
	e.t.Helper()
	f, err := os.Open(file)
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	e.mysqlExec(id, f)
}

func (e *Env) checkRows(id string, want int) {
	e.t.Helper()
	out := e.mysqlExec(id, nil, "-N", "-e", "SELECT COUNT(*) FROM people")
	if strings.TrimSpace(out) != fmt.Sprint(want) {
		e.t.Fatalf("people has %q rows, want %d", out, want)
	}
}
