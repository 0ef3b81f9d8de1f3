package seed

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

func split(t *testing.T, sql string) []Statement {
	t.Helper()
	r := newStatementReader(strings.NewReader(sql))
	var out []Statement
	for {
		st, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("split %q: %v", sql, err)
		}
		out = append(out, st)
	}
}

func TestStatementReaderSplitsLikeTheMySQLClient(t *testing.T) {
	tests := []struct {
		name string
		sql  string
		want []string // "line|text"
	}{
		{"two statements, lines counted", "CREATE TABLE a (id INT);\n\nINSERT INTO a VALUES (1);\n",
			[]string{"1|CREATE TABLE a (id INT)", "3|INSERT INTO a VALUES (1)"}},
		{"last statement needs no delimiter", "SELECT 1;\nSELECT 2", []string{"1|SELECT 1", "2|SELECT 2"}},
		{"delimiters inside quotes", "INSERT INTO t VALUES ('a;b', \"c;d\", `e;f`);",
			[]string{"1|INSERT INTO t VALUES ('a;b', \"c;d\", `e;f`)"}},
		{"escaped and doubled quotes", `INSERT INTO t VALUES ('it\'s; ok', 'it''s; ok');`,
			[]string{`1|INSERT INTO t VALUES ('it\'s; ok', 'it''s; ok')`}},
		{"multi-line string keeps counting lines", "INSERT INTO t VALUES ('a\nb;\nc');\nSELECT 1;",
			[]string{"1|INSERT INTO t VALUES ('a\nb;\nc')", "4|SELECT 1"}},
		{"comments only are skipped", "-- header; with a semicolon\n# another;\n/* block; */\nSELECT 1;",
			[]string{"4|-- header; with a semicolon\n# another;\n/* block; */\nSELECT 1"}},
		{"executable comments are statements", "/*!40101 SET NAMES utf8mb4 */;\n/*M!100616 SET NOTE_VERBOSITY=0 */;\n",
			[]string{"1|/*!40101 SET NAMES utf8mb4 */", "2|/*M!100616 SET NOTE_VERBOSITY=0 */"}},
		{"a trailing comment is not a statement", "SELECT 1;\n-- the end\n", []string{"1|SELECT 1"}},
		{"double dash without a space is arithmetic", "SELECT 1--1;", []string{"1|SELECT 1--1"}},
		{"delimiter command for procedures", "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END$$\nDELIMITER ;\nCALL p();\n",
			[]string{"2|CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END", "4|CALL p()"}},
		{"delimiter is case-insensitive", "delimiter //\nSELECT 1//\n", []string{"2|SELECT 1"}},
		{"a block comment closes only after it opened", "/*/ still a comment; */ SELECT 1;", []string{"1|/*/ still a comment; */ SELECT 1"}},
		{"CRLF line ends", "SELECT 1;\r\nSELECT 2;\r\n", []string{"1|SELECT 1", "2|SELECT 2"}},
		{"empty statements", ";;\n;SELECT 1;;", []string{"2|SELECT 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, st := range split(t, tt.sql) {
				got = append(got, fmt.Sprintf("%d|%s", st.Line, st.Text))
			}
			if strings.Join(got, "\n~\n") != strings.Join(tt.want, "\n~\n") {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestStatementReaderReportsUnclosedQuotes(t *testing.T) {
	for _, sql := range []string{"SELECT 'open;\n", "SELECT `x;", "/* open", `SELECT 'ends in a backslash\`} {
		r := newStatementReader(strings.NewReader(sql))
		_, err := r.Next()
		var ue *unterminatedError
		if !errors.As(err, &ue) {
			t.Errorf("%q: err = %v, want an unterminated quote or comment", sql, err)
		}
	}
}

func TestFirstKeyword(t *testing.T) {
	for stmt, want := range map[string]string{
		"insert into t values (1)":               "INSERT",
		"  -- note\n/* x */ UPDATE t SET a = 1":  "UPDATE",
		"# c\nCREATE TABLE t (a INT)":            "CREATE",
		"/*!40000 ALTER TABLE t DISABLE KEYS */": "",
		"LOCK TABLES `t` WRITE":                  "LOCK",
		"(SELECT 1)":                             "",
	} {
		if got := firstKeyword(stmt); got != want {
			t.Errorf("firstKeyword(%q) = %q, want %q", stmt, got, want)
		}
	}
}

// A dump is read one statement at a time: the reader never holds more than the statement it is
// building, however large the file.
func TestStatementReaderStreams(t *testing.T) {
	const rows = 20000
	src := &generatedSQL{rows: rows}
	r := newStatementReader(src)
	n := 0
	for {
		st, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if want := n; st.Line != want {
			t.Fatalf("statement %d starts at line %d, want %d", n, st.Line, want)
		}
	}
	if n != rows {
		t.Fatalf("read %d statements, want %d", n, rows)
	}
}

// generatedSQL produces one INSERT per line on the fly, like a dump that does not fit in memory.
type generatedSQL struct {
	rows, next int
	buf        []byte
}

func (g *generatedSQL) Read(p []byte) (int, error) {
	for len(g.buf) < len(p) && g.next < g.rows {
		g.next++
		g.buf = append(g.buf, fmt.Sprintf("INSERT INTO t VALUES (%d, 'row; %d');\n", g.next, g.next)...)
	}
	if len(g.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	return n, nil
}
