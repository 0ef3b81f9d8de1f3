package seed

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
)

// Statement is one SQL statement of a fixture file.
type Statement struct {
	Text string
	Line int // 1-based line of the file where the statement starts
}

// statementReader splits a stream of SQL into statements the way the mysql command-line client
// does, one statement at a time, so a dump of any size is applied in constant memory. It knows
// quoted strings and identifiers (with backslash escapes and doubled quotes), the three comment
// forms, executable comments (/*! ... */, kept: mysqldump puts settings in them), and the
// client's DELIMITER command (procedures and triggers in dumps need it).
type statementReader struct {
	r         *bufio.Reader
	line      int
	delimiter string
	// peeked holds bytes read ahead and not yet consumed.
	peeked []byte
	// plain marks the bytes that end a run of ordinary statement text, for the current
	// delimiter; quotedStop the bytes that end a run inside quotes.
	plain      [256]bool
	quotedStop [256]bool
}

func newStatementReader(r io.Reader) *statementReader {
	s := &statementReader{r: bufio.NewReaderSize(r, 256<<10), line: 1}
	s.setDelimiter(";")
	for _, b := range []byte("'\"`\\\n") {
		s.quotedStop[b] = true
	}
	return s
}

func (s *statementReader) setDelimiter(d string) {
	s.delimiter = d
	s.plain = [256]bool{}
	for _, b := range []byte("'\"`#-/\n") {
		s.plain[b] = true
	}
	s.plain[d[0]] = true
}

// run copies the buffered bytes before the first one marked in stop into text. Dumps are
// mostly long runs of plain bytes (quoted values, digits and commas); copying them in bulk
// rather than byte by byte is what makes splitting cheaper than the server's own parsing.
func (s *statementReader) run(text *strings.Builder, stop *[256]bool) {
	if len(s.peeked) > 0 {
		return
	}
	for {
		n := s.r.Buffered()
		if n == 0 {
			return
		}
		buf, _ := s.r.Peek(n)
		i := 0
		for i < len(buf) && !stop[buf[i]] {
			i++
		}
		text.Write(buf[:i])
		_, _ = s.r.Discard(i)
		if i < len(buf) {
			return
		}
	}
}

func (s *statementReader) readByte() (byte, error) {
	if n := len(s.peeked); n > 0 {
		b := s.peeked[0]
		s.peeked = s.peeked[1:]
		return b, nil
	}
	return s.r.ReadByte()
}

// peek returns the next n bytes without consuming them (fewer at the end of the stream).
func (s *statementReader) peek(n int) []byte {
	for len(s.peeked) < n {
		b, err := s.r.ReadByte()
		if err != nil {
			break
		}
		s.peeked = append(s.peeked, b)
	}
	if len(s.peeked) < n {
		return s.peeked
	}
	return s.peeked[:n]
}

// Next returns the next statement, or io.EOF after the last one. Statements that hold only
// white space and plain comments are skipped.
func (s *statementReader) Next() (Statement, error) {
	var text strings.Builder
	start := 0           // line of the first significant byte
	significant := false // seen something other than white space and plain comments
	atLineStart := true  // only white space since the statement began on this line
	mark := func() {
		if !significant {
			significant, start = true, s.line
		}
	}
	for {
		if significant {
			// Only bytes that may end the statement, start a quote or comment, or end a
			// line need a look of their own.
			s.run(&text, &s.plain)
		}
		b, err := s.readByte()
		if errors.Is(err, io.EOF) {
			if significant {
				return Statement{Text: strings.TrimSpace(text.String()), Line: start}, nil
			}
			return Statement{}, io.EOF
		}
		if err != nil {
			return Statement{}, err
		}
		// DELIMITER is a client command, not SQL: it stands alone on a line between statements.
		if !significant && atLineStart && (b == 'd' || b == 'D') && bytes.EqualFold(append([]byte{b}, s.peek(9)...), []byte("delimiter ")) {
			rest, err := s.readLine()
			if err != nil && !errors.Is(err, io.EOF) {
				return Statement{}, err
			}
			if d := strings.TrimSpace(rest[len("elimiter"):]); d != "" {
				s.setDelimiter(d)
			}
			text.Reset()
			continue
		}
		switch {
		case b == '\n':
			s.line++
			text.WriteByte(b)
			if !significant {
				atLineStart = true
			}
			continue
		case b == ' ' || b == '\t' || b == '\r':
			text.WriteByte(b)
			continue
		}
		atLineStart = false
		switch {
		case b == '\'' || b == '"' || b == '`':
			mark()
			text.WriteByte(b)
			if err := s.quoted(b, &text); err != nil {
				return Statement{}, err
			}
		case b == '#' || b == '-' && s.isDashComment():
			text.WriteByte(b)
			if err := s.lineComment(&text); err != nil {
				return Statement{}, err
			}
		case b == '/' && len(s.peek(1)) == 1 && s.peek(1)[0] == '*':
			// /*! and /*M! are executed by the server: they count as a statement.
			if p := s.peek(3); len(p) >= 2 && (p[1] == '!' || len(p) == 3 && p[1] == 'M' && p[2] == '!') {
				mark()
			}
			text.WriteByte(b)
			if err := s.blockComment(&text); err != nil {
				return Statement{}, err
			}
		case b == s.delimiter[0] && s.delimiterFollows():
			for range len(s.delimiter) - 1 {
				_, _ = s.readByte()
			}
			if significant {
				return Statement{Text: strings.TrimSpace(text.String()), Line: start}, nil
			}
			text.Reset()
		default:
			mark()
			text.WriteByte(b)
		}
	}
}

// delimiterFollows reports whether the rest of the delimiter follows the first byte just read.
func (s *statementReader) delimiterFollows() bool {
	if len(s.delimiter) == 1 {
		return true
	}
	rest := s.delimiter[1:]
	return string(s.peek(len(rest))) == rest
}

// isDashComment reports whether the '-' just read starts a comment: MySQL needs "-- " with white
// space (or the line's end) after the dashes, so 1--1 stays arithmetic.
func (s *statementReader) isDashComment() bool {
	p := s.peek(2)
	if len(p) == 0 || p[0] != '-' {
		return false
	}
	return len(p) == 1 || p[1] == ' ' || p[1] == '\t' || p[1] == '\n' || p[1] == '\r'
}

func (s *statementReader) readLine() (string, error) {
	var b strings.Builder
	for {
		c, err := s.readByte()
		if err != nil {
			return b.String(), err
		}
		if c == '\n' {
			s.line++
			return b.String(), nil
		}
		b.WriteByte(c)
	}
}

func (s *statementReader) quoted(q byte, text *strings.Builder) error {
	for {
		s.run(text, &s.quotedStop)
		b, err := s.readByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return &unterminatedError{what: "quoted text (" + string(q) + ")"}
			}
			return err
		}
		text.WriteByte(b)
		switch {
		case b == '\n':
			s.line++
		case b == '\\' && q != '`':
			next, err := s.readByte()
			if err != nil {
				return &unterminatedError{what: "quoted text (" + string(q) + ")"}
			}
			if next == '\n' {
				s.line++
			}
			text.WriteByte(next)
		case b == q:
			// A doubled quote is the quote character itself.
			if p := s.peek(1); len(p) == 1 && p[0] == q {
				_, _ = s.readByte()
				text.WriteByte(q)
				continue
			}
			return nil
		}
	}
}

func (s *statementReader) lineComment(text *strings.Builder) error {
	for {
		b, err := s.readByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		text.WriteByte(b)
		if b == '\n' {
			s.line++
			return nil
		}
	}
}

func (s *statementReader) blockComment(text *strings.Builder) error {
	// The opener's '*' must not also count as the closer's: "/*/" is still open.
	if opener, err := s.readByte(); err == nil {
		text.WriteByte(opener)
	}
	prev := byte(0)
	for {
		b, err := s.readByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return &unterminatedError{what: "comment (/*)"}
			}
			return err
		}
		text.WriteByte(b)
		if b == '\n' {
			s.line++
		}
		if prev == '*' && b == '/' {
			return nil
		}
		prev = b
	}
}

// unterminatedError is a file that ends inside a string or comment.
type unterminatedError struct{ what string }

func (e *unterminatedError) Error() string {
	return "the file ends inside " + e.what + ": a quote or comment is not closed"
}

// firstKeyword is the statement's first word, upper-cased, after comments; "" when it starts
// with an executable comment.
func firstKeyword(stmt string) string {
	s := stmt
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		switch {
		case strings.HasPrefix(s, "/*!"), strings.HasPrefix(s, "/*M!"):
			return ""
		case strings.HasPrefix(s, "/*"):
			end := strings.Index(s[2:], "*/")
			if end < 0 {
				return ""
			}
			s = s[end+4:]
			continue
		case strings.HasPrefix(s, "#"), strings.HasPrefix(s, "-- "), strings.HasPrefix(s, "--\t"), strings.HasPrefix(s, "--\n"):
			nl := strings.IndexByte(s, '\n')
			if nl < 0 {
				return ""
			}
			s = s[nl+1:]
			continue
		}
		end := strings.IndexFunc(s, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_')
		})
		if end < 0 {
			end = len(s)
		}
		return strings.ToUpper(s[:end])
	}
}
