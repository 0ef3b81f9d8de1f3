package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem with a devenv.yaml: where it is, which key, what is wrong and how to fix
// it. Error() is the single line editors and CI logs can jump to; Hint() is the fix, which the
// CLI prints on its own line.
type Error struct {
	// File is the absolute path of the file the problem is in.
	File string
	// Line and Column are 1-based. Both are 0 when the value came from a DEVENV_* variable (see
	// Var) or the parser could not tell where the problem is.
	Line, Column int
	// Key is the key path the problem is about, e.g. services.web.ports[1] (list indices count
	// from 0). Empty for the file as a whole.
	Key string
	// Var is the environment variable the bad value came from, e.g. DEVENV_DEPENDENCIES_MYSQL_PORT.
	// A variable has no line, so the message names it instead.
	Var     string
	Message string
	Fix     string
	// shown is File as the user should read it: relative to the working directory at load time
	// when that is shorter.
	shown string
}

// Error reads like "devenv.yaml:12:5: services.web.template: unknown template ...", or, for a
// bad DEVENV_* variable, "env DEVENV_NAME: name: ...".
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.Var != "":
		b.WriteString("env " + e.Var)
	case e.Line > 0 && e.Column > 0:
		fmt.Fprintf(&b, "%s:%d:%d", e.file(), e.Line, e.Column)
	case e.Line > 0: // the YAML parser reports lines only
		fmt.Fprintf(&b, "%s:%d", e.file(), e.Line)
	default:
		b.WriteString(e.file())
	}
	if e.Key != "" {
		b.WriteString(": " + e.Key)
	}
	b.WriteString(": " + e.Message)
	return b.String()
}

// Hint says how to fix the problem; the CLI prints it as "fix: ...".
func (e *Error) Hint() string { return e.Fix }

func (e *Error) file() string {
	if e.shown != "" {
		return e.shown
	}
	return e.File
}

// Errors is every problem found in one load, in file order (variables last). Load returns all
// of them at once so a user fixes a file in one round instead of one error per run.
// errors.As(err, new(*Error)) finds the first.
type Errors []*Error

// Error is the one problem's line, or a header and one line per problem, each followed by its
// fix: a single Hint could not carry several fixes.
func (es Errors) Error() string {
	if len(es) == 1 {
		return es[0].Error()
	}
	var b strings.Builder
	file := ""
	if len(es) > 0 {
		file = " in " + es[0].file()
	}
	fmt.Fprintf(&b, "%d problems%s:", len(es), file)
	for _, e := range es {
		b.WriteString("\n  " + e.Error())
		if e.Fix != "" {
			b.WriteString("\n    fix: " + e.Fix)
		}
	}
	return b.String()
}

// Hint is the fix of a lone problem. With several, each fix is already in Error's text, and
// an empty hint keeps the CLI from printing one of them a second time.
func (es Errors) Hint() string {
	if len(es) == 1 {
		return es[0].Fix
	}
	return ""
}

// Unwrap lets errors.As and errors.Is see each problem.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// sortErrors puts problems in file order so output is stable run to run.
func sortErrors(es Errors) { slices.SortStableFunc(es, compareErrors) }

// compareErrors orders by place in the file; problems from variables, which have no line,
// come last, by variable name.
func compareErrors(a, b *Error) int {
	return cmp.Or(
		cmp.Compare(a.Var, b.Var), // "" (in the file) sorts first
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Column, b.Column),
		cmp.Compare(a.Key, b.Key),
		cmp.Compare(a.Message, b.Message),
	)
}

// NotFoundError is Find's answer when neither a devenv.yaml nor a compose file is there.
type NotFoundError struct {
	Dir string // the directory the search started in, absolute
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no devenv.yaml or devenv.yml in %s or any parent directory, and no compose file in %s", e.Dir, e.Dir)
}

// Hint names the two ways out.
func (e *NotFoundError) Hint() string {
	return "create a devenv.yaml here (devenv.yaml.example in the devenv repository shows every key), or point at a file with -f <file>"
}
