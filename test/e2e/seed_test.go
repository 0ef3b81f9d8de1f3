//go:build e2e

package e2e

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// seededStack writes a project with the three dependencies seeded from a copy of the
// repository's example fixtures, and a job that starts only once it can read the seeded rows.
func seededStack(t *testing.T, e *Env) {
	t.Helper()
	if err := os.CopyFS(filepath.Join(e.Dir, "fixtures"), os.DirFS(filepath.Join(repoRoot(), "fixtures"))); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(e.Dir, "devenv.yaml"), `
dependencies:
  mysql: {}
  redis: {}
  rabbitmq: {}
services:
  # Exits non-zero if it starts before the customers are in: an app never sees an empty
  # database. It asks only for mysql to be started, the weakest condition.
  reader:
    image: mysql:8.4
    command: ["sh", "-c", "test \"$(mysql -h mysql -uapp -papp -N -e 'SELECT COUNT(*) FROM customers' app)\" = 3"]
    depends_on: [mysql]
    job: true
`)
}

// rootDB connects to the project's MySQL as root, which can read devenv's record.
func (e *Env) rootDB(row psEntry) *sql.DB { return e.mysqlAs(row, "root", "root") }

func queryString(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	var s string
	if err := db.QueryRow(q).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

// seedLines are the files an up or seed run reported applying.
func seedLines(r Result) []string {
	var out []string
	for _, l := range strings.Split(r.Stderr, "\n") {
		if _, file, ok := strings.Cut(l, " seeding "); ok {
			out = append(out, strings.TrimSpace(file))
		}
	}
	return out
}

type rabbitAPI struct {
	t    *testing.T
	base string
}

func (r rabbitAPI) get(path string, out any) {
	r.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, r.base+path, nil)
	req.SetBasicAuth("app", "app")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		r.t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		r.t.Fatal(err)
	}
}

// waitQueueMessages waits until the management API, whose statistics lag by a few seconds,
// shows queue holding want messages.
func (r rabbitAPI) waitQueueMessages(queue string, want int) {
	r.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var q struct {
			Messages int `json:"messages"`
		}
		r.get("/api/queues/%2F/"+queue, &q)
		if q.Messages == want {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("queue %s holds %d messages, want %d", queue, q.Messages, want)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// Intent: issue 5's whole life cycle against real servers. After `up`, every dependency holds
// the fixtures (rows; keys with their types and TTLs; exchanges, queues, bindings, a policy and
// messages), applied before the job that reads them started; a second `up` applies nothing
// (data the app changed stays changed); editing one file applies only that file; data survives
// `down` + `up`; `seed --reset` restores the fixture state.
func TestFixturesAreSeededOnceAndReset(t *testing.T) {
	e := NewEnv(t)
	seededStack(t, e)
	first := e.up()
	if got, want := seedLines(first), []string{"fixtures/mysql/01_schema.sql", "fixtures/mysql/02_data.sql",
		"fixtures/rabbitmq/definitions.json", "fixtures/rabbitmq/messages.yaml", "fixtures/redis/keys.yaml"}; !sameSet(got, want) {
		t.Fatalf("first up applied %v, want %v\n%s", got, want, first.Stderr)
	}
	ps := e.ps()
	if ps["reader"].State != "exited" {
		t.Fatalf("reader job: %+v", ps["reader"])
	}

	// MySQL: rows, and the record with one checksum per file.
	db := e.rootDB(ps["mysql"])
	if n := queryString(t, db, "SELECT COUNT(*) FROM customers"); n != "3" {
		t.Errorf("customers = %s, want 3", n)
	}
	if n := queryString(t, db, "SELECT COUNT(*) FROM orders"); n != "2" {
		t.Errorf("orders = %s, want 2", n)
	}
	if got := queryString(t, db, "SELECT GROUP_CONCAT(file ORDER BY file) FROM devenv.fixtures WHERE LENGTH(checksum) = 64"); got != "01_schema.sql,02_data.sql" {
		t.Errorf("mysql record = %q", got)
	}

	// Redis: each type, with its TTL.
	ctx := e.Context(2 * time.Minute)
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + ps["redis"].hostPort(t, 6379)})
	defer rdb.Close()
	for key, typ := range map[string]string{"config:currency": "string", "feature:flags": "hash", "session:demo": "string",
		"recent:products": "list", "tags": "set", "leaderboard": "zset"} {
		if got := rdb.Type(ctx, key).Val(); got != typ {
			t.Errorf("redis %s is a %q, want %s", key, got, typ)
		}
	}
	if ttl := rdb.TTL(ctx, "session:demo").Val(); ttl < 23*time.Hour || ttl > 24*time.Hour {
		t.Errorf("session:demo TTL = %s, want about 24h", ttl)
	}
	if ttl := rdb.TTL(ctx, "tags").Val(); ttl != -1 {
		t.Errorf("tags TTL = %s, want none", ttl)
	}
	if got := rdb.LRange(ctx, "recent:products", 0, -1).Val(); !slices.Equal(got, []string{"KEY-1", "MUG-1", "BOOK-1"}) {
		t.Errorf("recent:products = %v", got)
	}
	if got := rdb.HGet(ctx, "feature:flags", "new_checkout").Val(); got != "on" {
		t.Errorf("feature:flags new_checkout = %q", got)
	}
	if got := rdb.ZScore(ctx, "leaderboard", "grace").Val(); got != 37.5 {
		t.Errorf("leaderboard grace = %v", got)
	}

	// RabbitMQ: definitions through the management API, messages through AMQP.
	api := rabbitAPI{t: t, base: "http://127.0.0.1:" + ps["rabbitmq"].hostPort(t, 15672)}
	var exchange struct{ Type string }
	api.get("/api/exchanges/%2F/shop.events", &exchange)
	if exchange.Type != "topic" {
		t.Errorf("exchange shop.events type = %q", exchange.Type)
	}
	var bindings []struct {
		Destination string `json:"destination"`
		RoutingKey  string `json:"routing_key"`
	}
	api.get("/api/exchanges/%2F/shop.events/bindings/source", &bindings)
	if len(bindings) != 2 {
		t.Errorf("bindings of shop.events = %+v, want jobs and emails", bindings)
	}
	var policy struct {
		Definition map[string]any `json:"definition"`
	}
	api.get("/api/policies/%2F/emails-expire", &policy)
	if policy.Definition["message-ttl"] != float64(86400000) {
		t.Errorf("policy emails-expire = %+v", policy)
	}
	api.waitQueueMessages("emails", 1)
	ch := e.amqpChannel(ps["rabbitmq"])
	msg, ok, err := ch.Get("emails", false)
	if err != nil || !ok || msg.ContentType != "application/json" || !strings.Contains(string(msg.Body), `"to":"ada@example.com"`) || msg.Headers["source"] != "fixtures" {
		t.Fatalf("emails message = %+v %v %v", msg, ok, err)
	}
	if err := msg.Nack(false, true); err != nil {
		t.Fatal(err)
	}

	// The app changes data; a second up applies nothing, so the change stays.
	mustExec(t, db, "UPDATE customers SET name = 'Changed by the app' WHERE id = 1")
	rdb.Set(ctx, "config:currency", "USD", 0)
	second := e.up()
	if got := seedLines(second); len(got) != 0 {
		t.Errorf("second up applied %v, want nothing\n%s", got, second.Stderr)
	}
	if !strings.Contains(second.Stderr, "fixtures up to date (2 files)") {
		t.Errorf("second up does not say the fixtures are up to date:\n%s", second.Stderr)
	}
	if got := queryString(t, db, "SELECT name FROM customers WHERE id = 1"); got != "Changed by the app" {
		t.Errorf("customer 1 = %q after a second up: fixtures were applied again", got)
	}
	api.waitQueueMessages("emails", 1)

	// Editing one file applies that file only: the data file does not run again.
	schema := filepath.Join(e.Dir, "fixtures", "mysql", "01_schema.sql")
	old, _ := os.ReadFile(schema)
	writeFile(t, schema, string(old)+"\nCREATE TABLE IF NOT EXISTS reviews (id INT PRIMARY KEY, body TEXT);\n")
	third := e.up()
	if got := seedLines(third); !slices.Equal(got, []string{"fixtures/mysql/01_schema.sql"}) {
		t.Errorf("after editing 01_schema.sql, up applied %v, want only that file\n%s", got, third.Stderr)
	}
	if got := queryString(t, db, "SELECT name FROM customers WHERE id = 1"); got != "Changed by the app" {
		t.Errorf("customer 1 = %q: 02_data.sql ran again", got)
	}
	queryString(t, db, "SELECT COUNT(*) FROM reviews")

	// Data survives down and up; the fixtures are not applied over it.
	e.devenvOK("down")
	fourth := e.up()
	if got := seedLines(fourth); len(got) != 0 {
		t.Errorf("up after down applied %v, want nothing", got)
	}
	ps = e.ps()
	db = e.rootDB(ps["mysql"])
	if got := queryString(t, db, "SELECT name FROM customers WHERE id = 1"); got != "Changed by the app" {
		t.Errorf("customer 1 = %q after down + up, want the app's change kept", got)
	}
	rdb = redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + ps["redis"].hostPort(t, 6379)})
	defer rdb.Close()
	if got := rdb.Get(ctx, "config:currency").Val(); got != "USD" {
		t.Errorf("config:currency = %q after down + up, want the app's USD", got)
	}
	api = rabbitAPI{t: t, base: "http://127.0.0.1:" + ps["rabbitmq"].hostPort(t, 15672)}
	api.waitQueueMessages("emails", 1)

	// --reset needs a confirmation it cannot ask for without a terminal.
	if r := e.Devenv(e.stackEnv(), "seed", "--reset", "mysql"); r.ExitCode != 2 || !strings.Contains(r.Stderr, "--yes") {
		t.Errorf("seed --reset without --yes and no terminal: exit %d\n%s", r.ExitCode, r.Stderr)
	}
	// seed --reset restores the fixture state everywhere.
	reset := e.devenvOK("seed", "--reset", "--yes")
	if got := seedLines(reset); len(got) != 8 { // 3 reset notices + 5 files
		t.Errorf("seed --reset reported %v\n%s", got, reset.Stderr)
	}
	if got := queryString(t, db, "SELECT name FROM customers WHERE id = 1"); got != "Ada Lovelace" {
		t.Errorf("customer 1 = %q after seed --reset", got)
	}
	if got := rdb.Get(ctx, "config:currency").Val(); got != "EUR" {
		t.Errorf("config:currency = %q after seed --reset", got)
	}
	api.waitQueueMessages("emails", 1)
	// And a plain seed has nothing left to do.
	if r := e.devenvOK("seed"); len(seedLines(r)) != 0 {
		t.Errorf("seed after reset applied %v", seedLines(r))
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// Intent: a broken SQL file fails `up` with its file name and the line of the failing statement,
// rolls back the rows it inserted, is not recorded as applied, and keeps the service that
// depends on the database from starting. Fixed, it is applied by the next `up`.
func TestBrokenFixtureFailsWithFileAndLine(t *testing.T) {
	e := NewEnv(t)
	writeFile(t, filepath.Join(e.Dir, "fixtures", "mysql", "01_schema.sql"), "CREATE TABLE t (id INT PRIMARY KEY);\n")
	bad := "-- data\nINSERT INTO t VALUES (1);\nINSERT INTO t\n  VALUES (2,);\n"
	writeFile(t, filepath.Join(e.Dir, "fixtures", "mysql", "02_data.sql"), bad)
	writeFile(t, filepath.Join(e.Dir, "devenv.yaml"), `
dependencies:
  mysql: {}
services:
  app:
    image: redis:7
    depends_on: [mysql]
`)
	r := e.Devenv(e.stackEnv(), "up", "-d", "--wait", "--timeout", "3m")
	if r.ExitCode != 1 || !strings.Contains(r.Stderr, "fixtures/mysql/02_data.sql:4:") || !strings.Contains(r.Stderr, "Error 1064") ||
		!strings.Contains(r.Stderr, "fix:") {
		t.Fatalf("up with a broken fixture: exit %d, want 1 with the file, line 4 and the server's error\n%s", r.ExitCode, r.Stderr)
	}
	ps := e.ps()
	if _, started := ps["app"]; started && ps["app"].State == "running" {
		t.Errorf("app started although its database's fixtures failed: %+v", ps["app"])
	}
	db := e.rootDB(ps["mysql"])
	if got := queryString(t, db, "SELECT COUNT(*) FROM t"); got != "0" {
		t.Errorf("t has %s rows: the failed file's inserts were not rolled back", got)
	}
	if got := queryString(t, db, "SELECT COALESCE(GROUP_CONCAT(file), '') FROM devenv.fixtures"); got != "01_schema.sql" {
		t.Errorf("record = %q, want only 01_schema.sql", got)
	}
	writeFile(t, filepath.Join(e.Dir, "fixtures", "mysql", "02_data.sql"), strings.Replace(bad, "(2,)", "(2)", 1))
	fixed := e.up()
	if got := seedLines(fixed); !slices.Equal(got, []string{"fixtures/mysql/02_data.sql"}) {
		t.Errorf("after the fix, up applied %v", got)
	}
	if got := queryString(t, db, "SELECT COUNT(*) FROM t"); got != "2" {
		t.Errorf("t has %s rows after the fix, want 2", got)
	}
	if e.ps()["app"].State != "running" {
		t.Errorf("app is not running after the fix")
	}
}

// Intent: the other fixture forms a real project has. MySQL: a gzipped mysqldump-style file
// (executable comments, LOCK TABLES, a second database via USE, a procedure behind DELIMITER),
// after which the next file runs in the project's own database again. Redis: a command file
// with quoting and SELECT. RabbitMQ: definitions without vhost fields (a per-vhost export), a
// message through the default exchange, and an unroutable message reported as an error.
func TestFixtureFormats(t *testing.T) {
	e := NewEnv(t)
	dump := `/*!40101 SET NAMES utf8mb4 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
CREATE DATABASE IF NOT EXISTS reports;
USE reports;
CREATE TABLE daily (day DATE PRIMARY KEY, note VARCHAR(100));
LOCK TABLES daily WRITE;
INSERT INTO daily VALUES ('2026-01-01','new year; quiet'),('2026-01-02','it''s busy');
UNLOCK TABLES;
DELIMITER ;;
CREATE PROCEDURE count_days() BEGIN SELECT COUNT(*) FROM daily; END ;;
DELIMITER ;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
`
	writeFile(t, filepath.Join(e.Dir, "fixtures", "mysql", "02_app.sql"), "CREATE TABLE in_app (id INT);\nINSERT INTO in_app VALUES (1);\n")
	writeGzip(t, filepath.Join(e.Dir, "fixtures", "mysql", "01_dump.sql.gz"), dump)
	writeFile(t, filepath.Join(e.Dir, "fixtures", "redis", "cmds.redis"), "# a command file\nSET greeting \"hello world\"\nHSET h a 1 b 2\nSELECT 1\nSET in_db1 yes\n")
	writeFile(t, filepath.Join(e.Dir, "fixtures", "rabbitmq", "queues.json"), `{"queues": [{"name": "audit", "durable": true, "auto_delete": false, "arguments": {}}]}`)
	writeFile(t, filepath.Join(e.Dir, "fixtures", "rabbitmq", "audit.yaml"), "messages:\n  - routing_key: audit\n    body: first\n")
	writeFile(t, filepath.Join(e.Dir, "devenv.yaml"), "dependencies:\n  mysql: {}\n  redis: {}\n  rabbitmq: {}\n")
	e.up()
	ps := e.ps()
	db := e.rootDB(ps["mysql"])
	if got := queryString(t, db, "SELECT note FROM reports.daily WHERE day = '2026-01-02'"); got != "it's busy" {
		t.Errorf("reports.daily = %q", got)
	}
	if got := queryString(t, db, "SELECT COUNT(*) FROM app.in_app"); got != "1" {
		t.Errorf("02_app.sql did not run in the project's database: %s rows in app.in_app", got)
	}
	if got := queryString(t, db, "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'reports' AND ROUTINE_NAME = 'count_days'"); got != "1" {
		t.Errorf("procedure count_days missing")
	}
	ctx := e.Context(time.Minute)
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + ps["redis"].hostPort(t, 6379)})
	defer rdb.Close()
	if got := rdb.Get(ctx, "greeting").Val(); got != "hello world" {
		t.Errorf("greeting = %q", got)
	}
	if got := rdb.HGet(ctx, "h", "b").Val(); got != "2" {
		t.Errorf("h.b = %q", got)
	}
	db1 := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + ps["redis"].hostPort(t, 6379), DB: 1})
	defer db1.Close()
	if got := db1.Get(ctx, "in_db1").Val(); got != "yes" || rdb.Exists(ctx, "in_db1").Val() != 0 {
		t.Errorf("SELECT 1 in the command file was not followed")
	}
	api := rabbitAPI{t: t, base: "http://127.0.0.1:" + ps["rabbitmq"].hostPort(t, 15672)}
	api.waitQueueMessages("audit", 1)

	writeFile(t, filepath.Join(e.Dir, "fixtures", "rabbitmq", "zz.yaml"), "messages:\n  - exchange: amq.topic\n    routing_key: nobody.listens\n    body: lost\n")
	r := e.Devenv(e.stackEnv(), "seed", "rabbitmq")
	if r.ExitCode != 1 || !strings.Contains(r.Stderr, "fixtures/rabbitmq/zz.yaml:2: message 1 was not routed to any queue") {
		t.Errorf("an unroutable message: exit %d\n%s", r.ExitCode, r.Stderr)
	}
	if r := e.Devenv(e.stackEnv(), "seed", "postgres"); r.ExitCode != 1 || !strings.Contains(r.Stderr, "postgres is not a dependency") {
		t.Errorf("seed of an unknown dependency: exit %d\n%s", r.ExitCode, r.Stderr)
	}
}

// Intent: fixtures that fill tables a migration job creates. With fixtures_after the job runs on
// the bare database, the fixtures after it, and the app only after both.
func TestFixturesAfterMigration(t *testing.T) {
	e := NewEnv(t)
	writeFile(t, filepath.Join(e.Dir, "fixtures", "mysql", "01_accounts.sql"), "INSERT INTO accounts VALUES (1, 'ada'), (2, 'grace');\n")
	writeFile(t, filepath.Join(e.Dir, "devenv.yaml"), `
dependencies:
  mysql:
    fixtures_after: [migrate]
services:
  migrate:
    image: mysql:8.4
    command: ["mysql", "-h", "mysql", "-uapp", "-papp", "app", "-e", "CREATE TABLE accounts (id INT PRIMARY KEY, name TEXT)"]
    depends_on: [mysql]
    job: true
  app:
    image: mysql:8.4
    command: ["sh", "-c", "test \"$(mysql -h mysql -uapp -papp -N -e 'SELECT COUNT(*) FROM accounts' app)\" = 2"]
    depends_on: [mysql]
    job: true
`)
	r := e.up()
	if got := seedLines(r); !slices.Equal(got, []string{"fixtures/mysql/01_accounts.sql"}) {
		t.Fatalf("up applied %v\n%s", got, r.Stderr)
	}
	ps := e.ps()
	if ps["migrate"].State != "exited" || ps["app"].State != "exited" {
		t.Fatalf("migrate %+v, app %+v: both jobs should have finished", ps["migrate"], ps["app"])
	}
	if got := queryString(t, e.rootDB(ps["mysql"]), "SELECT COUNT(*) FROM accounts"); got != "2" {
		t.Errorf("accounts = %s", got)
	}
}
