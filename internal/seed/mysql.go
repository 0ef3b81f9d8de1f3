package seed

import (
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// The record lives in a database of its own, so an application's schema tools (which often
// insist on owning every table of their database) never see it.
const (
	mysqlRecordDB    = "devenv"
	mysqlRecordTable = "`devenv`.`fixtures`"
	// mysqlBatchBytes bounds how much SQL goes to the server in one round trip. Batching is
	// what makes a dump of single-row INSERTs fast over TCP; the bound keeps a batch well under
	// max_allowed_packet.
	mysqlBatchBytes = 1 << 20
)

type mysqlApplier struct {
	db       *sql.DB
	database string
	batchMax int
}

// MySQLServer is a MySQL server to seed, as a client on the host reaches it.
type MySQLServer struct {
	Addr           string // host:port
	User, Password string
	// RootPassword, where set, is used instead of User: fixtures may create databases and
	// users.
	RootPassword string
	Database     string // the project's database: the default one, and recreated by a reset
}

// OpenMySQL logs in to the server t.
func OpenMySQL(ctx context.Context, t MySQLServer) (Applier, error) {
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr, cfg.DBName = "tcp", t.Addr, t.Database
	cfg.User, cfg.Passwd = t.User, t.Password
	if t.RootPassword != "" {
		// Fixtures may create databases and grant rights: that takes root.
		cfg.User, cfg.Passwd = "root", t.RootPassword
	}
	cfg.MultiStatements = true
	cfg.Logger = quietLogger{}
	cfg.Params = map[string]string{"foreign_key_checks": "1"}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(1)
	a := &mysqlApplier{db: db, database: t.Database, batchMax: mysqlBatchBytes}
	var packet int
	if err := db.QueryRowContext(ctx, "SELECT @@max_allowed_packet").Scan(&packet); err != nil {
		db.Close()
		return nil, fmt.Errorf("log in to mysql at %s as %s: %w", t.Addr, cfg.User, err)
	}
	if packet/2 < a.batchMax {
		a.batchMax = packet / 2
	}
	return a, nil
}

func (a *mysqlApplier) Close() error { return a.db.Close() }

func (a *mysqlApplier) Order(files []File) []File { return files }

func (a *mysqlApplier) ensureRecord(ctx context.Context) error {
	_, err := a.db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS `"+mysqlRecordDB+"`;"+
		"CREATE TABLE IF NOT EXISTS "+mysqlRecordTable+" ("+
		"file VARCHAR(768) NOT NULL PRIMARY KEY, checksum CHAR(64) NOT NULL, "+
		"applied_at DATETIME(3) NOT NULL, duration_ms BIGINT NOT NULL) ENGINE=InnoDB")
	return err
}

func (a *mysqlApplier) Applied(ctx context.Context) (map[string]string, error) {
	if err := a.ensureRecord(ctx); err != nil {
		return nil, err
	}
	rows, err := a.db.QueryContext(ctx, "SELECT file, checksum FROM "+mysqlRecordTable)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var file, sum string
		if err := rows.Scan(&file, &sum); err != nil {
			return nil, err
		}
		out[file] = sum
	}
	return out, rows.Err()
}

// systemDatabases are MySQL's and MariaDB's own; a reset keeps them.
var systemDatabases = map[string]bool{"mysql": true, "information_schema": true, "performance_schema": true, "sys": true}

func (a *mysqlApplier) Reset(ctx context.Context) error {
	rows, err := a.db.QueryContext(ctx, "SHOW DATABASES")
	if err != nil {
		return err
	}
	var drop []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		if !systemDatabases[strings.ToLower(name)] {
			drop = append(drop, name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, name := range drop {
		if _, err := a.db.ExecContext(ctx, "DROP DATABASE "+quoteIdent(name)); err != nil {
			return fmt.Errorf("drop database %s: %w", name, err)
		}
	}
	// The user's grants on the database outlive it, so recreating it is all that is needed.
	if a.database != "" {
		if _, err := a.db.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(a.database)); err != nil {
			return fmt.Errorf("create database %s: %w", a.database, err)
		}
		if _, err := a.db.ExecContext(ctx, "USE "+quoteIdent(a.database)); err != nil {
			return err
		}
	}
	return nil
}

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// Apply runs f's statements in one transaction with the record of f, so a failure leaves
// neither its rows nor its record. MySQL itself commits at once around schema statements
// (CREATE, ALTER, DROP, ...): those stay, which the error says.
func (a *mysqlApplier) Apply(ctx context.Context, f File) (err error) {
	start := time.Now()
	r, closeFile, err := openSQL(f.Path)
	if err != nil {
		return &FileError{File: f.Shown, Err: err, Fix: "check that the file is readable (and, for .sql.gz, gzip-compressed)"}
	}
	defer closeFile()
	conn, err := a.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// autocommit=0 rather than BEGIN: after a schema statement's implicit commit, the next
	// statements are again in a transaction instead of committing one by one.
	if _, err := conn.ExecContext(ctx, "SET autocommit=0"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SET autocommit=1")
		if a.database != "" {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "USE "+quoteIdent(a.database))
		}
	}()
	b := &mysqlBatch{conn: conn, file: f, max: a.batchMax}
	// The file is split while the server executes: reading and parsing overlap the round
	// trips instead of adding to them. The queue is short, so memory stays a few statements.
	pctx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	for item := range readStatements(pctx, r) {
		if item.err != nil {
			return &FileError{File: f.Shown, Line: item.line, Err: item.err, Fix: "fix the file, then run devenv seed mysql (or devenv up)"}
		}
		st := item.st
		kw := firstKeyword(st.Text)
		switch {
		case kw == "LOCK" || kw == "UNLOCK":
			// mysqldump writes LOCK TABLES around its INSERTs for speed; they would commit
			// this file's transaction halfway, and nothing else uses the tables meanwhile.
			continue
		case kw == "INSERT" || kw == "REPLACE" || kw == "UPDATE" || kw == "DELETE":
			if err := b.add(ctx, st); err != nil {
				return err
			}
		default:
			// Everything else runs alone: a schema statement's implicit commit inside a batch
			// would take the batch's savepoint with it.
			if err := b.flush(ctx); err != nil {
				return err
			}
			if err := b.single(ctx, st); err != nil {
				return err
			}
		}
	}
	if err := b.flush(ctx); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "REPLACE INTO "+mysqlRecordTable+" (file, checksum, applied_at, duration_ms) VALUES (?, ?, NOW(3), ?)",
		f.Name, f.Sum, time.Since(start).Milliseconds()); err != nil {
		return fmt.Errorf("record %s as applied: %w", f.Shown, err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return &FileError{File: f.Shown, Err: err, Fix: "run devenv seed mysql again"}
	}
	return nil
}

type statementOrError struct {
	st   Statement
	err  error
	line int // where reading stopped, for err
}

// readStatements splits r in its own goroutine, which ends at the end of r, on a read error,
// or when ctx is cancelled (the consumer stopped early); it closes the channel it returns.
func readStatements(ctx context.Context, r io.Reader) <-chan statementOrError {
	out := make(chan statementOrError, 4)
	go func() {
		defer close(out)
		sr := newStatementReader(r)
		for {
			st, err := sr.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			item := statementOrError{st: st, err: err, line: sr.line}
			select {
			case out <- item:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return out
}

// openSQL opens a .sql or .sql.gz file as a stream of SQL text.
func openSQL(path string) (io.Reader, func(), error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	if !strings.HasSuffix(path, ".gz") {
		return file, func() { file.Close() }, nil
	}
	gz, err := gzip.NewReader(file)
	if err != nil {
		file.Close()
		return nil, nil, fmt.Errorf("not gzip data: %w", err)
	}
	return gz, func() { gz.Close(); file.Close() }, nil
}

// mysqlBatch sends data statements several to a round trip. When a batch fails, it is rolled
// back to its savepoint and replayed one statement at a time, so the error names the
// statement's own line.
type mysqlBatch struct {
	conn  *sql.Conn
	file  File
	max   int
	stmts []Statement
	size  int
	// schemaChanged is set once a statement that MySQL commits at once has run: a later
	// failure cannot roll that back, and the error says so.
	schemaChanged bool
}

// implicitCommit lists the statements after which MySQL commits by itself.
var implicitCommit = map[string]bool{"CREATE": true, "ALTER": true, "DROP": true, "RENAME": true, "TRUNCATE": true, "GRANT": true, "REVOKE": true}

func (b *mysqlBatch) add(ctx context.Context, st Statement) error {
	if b.size+len(st.Text) > b.max && len(b.stmts) > 0 {
		if err := b.flush(ctx); err != nil {
			return err
		}
	}
	b.stmts = append(b.stmts, st)
	b.size += len(st.Text) + 2
	return nil
}

func (b *mysqlBatch) flush(ctx context.Context) error {
	if len(b.stmts) == 0 {
		return nil
	}
	stmts := b.stmts
	b.stmts, b.size = b.stmts[:0:0], 0
	if len(stmts) == 1 {
		return b.single(ctx, stmts[0])
	}
	var sqlText strings.Builder
	sqlText.WriteString("SAVEPOINT devenv_batch")
	for _, st := range stmts {
		// A newline first: a statement may end in a -- comment.
		sqlText.WriteString(";\n")
		sqlText.WriteString(st.Text)
		sqlText.WriteString("\n")
	}
	_, err := b.conn.ExecContext(ctx, sqlText.String())
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if _, rerr := b.conn.ExecContext(ctx, "ROLLBACK TO SAVEPOINT devenv_batch"); rerr != nil {
		return b.fail(stmts[0], err)
	}
	for _, st := range stmts {
		if err := b.single(ctx, st); err != nil {
			return err
		}
	}
	// The server refused the batch but accepts each statement alone: report the batch.
	return b.fail(stmts[0], err)
}

func (b *mysqlBatch) single(ctx context.Context, st Statement) error {
	if _, err := b.conn.ExecContext(ctx, st.Text); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return b.fail(st, err)
	}
	if implicitCommit[firstKeyword(st.Text)] {
		b.schemaChanged = true
	}
	return nil
}

// atLine finds MySQL's "at line N" in a syntax error, which counts from the statement's start.
var atLine = regexp.MustCompile(`at line (\d+)$`)

func (b *mysqlBatch) fail(st Statement, err error) error {
	line := st.Line
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		if m := atLine.FindStringSubmatch(me.Message); m != nil {
			if n, convErr := strconv.Atoi(m[1]); convErr == nil && n > 0 {
				line = st.Line + n - 1
			}
		}
	}
	fix := "fix the statement, then run devenv seed mysql (or devenv up): nothing of this file was recorded as applied and its data changes were rolled back"
	if b.schemaChanged {
		fix += "; the schema statements (CREATE, ALTER, DROP, ...) before it were committed by MySQL itself and stay: write them with IF NOT EXISTS / IF EXISTS, or start over with devenv seed --reset mysql"
	}
	return &FileError{File: b.file.Shown, Line: line, Statement: excerpt(st.Text), Err: err, Fix: fix}
}

type quietLogger struct{}

func (quietLogger) Print(...any) {}
