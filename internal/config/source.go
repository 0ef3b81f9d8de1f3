package config

import (
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// pos is a 1-based place in the file.
type pos struct{ line, col int }

func nodePos(n *yaml.Node) pos { return pos{n.Line, n.Column} }

// source is what an error needs to point into devenv.yaml: the file, where each key path is, and
// which values came from DEVENV_* variables instead (those have no line, so errors name the
// variable).
type source struct {
	file  string // absolute
	shown string // as the user should read it
	// index maps a key path (services.web.ports[1]) to where its key, or its list item, is.
	index map[string]pos
	// given holds the key paths of scalars the file set to a non-empty value: the file layer
	// of the DEVENV_* overridable keys (see settings.go).
	given map[string]bool
	// fromEnv maps a key path to the variable that set it.
	fromEnv map[string]string
}

func newSource(file, shown string) *source {
	return &source{file: file, shown: shown, index: map[string]pos{}, given: map[string]bool{}, fromEnv: map[string]string{}}
}

// errAt is a problem with key: at the variable that set it, else where it is in the file, else
// (a default, or a key the file left out) where its nearest parent is.
func (s *source) errAt(key, msg, fix string) *Error {
	e := &Error{File: s.file, shown: s.shown, Key: key, Message: msg, Fix: fix}
	if v, ok := s.fromEnv[key]; ok {
		e.Var = v
		return e
	}
	p := s.lookup(key)
	e.Line, e.Column = p.line, p.col
	return e
}

// errNode is a problem at a node that has no key path of its own in the index (an unknown
// key, a duplicate).
func (s *source) errNode(key string, n *yaml.Node, msg, fix string) *Error {
	return &Error{File: s.file, shown: s.shown, Line: n.Line, Column: n.Column, Key: key, Message: msg, Fix: fix}
}

func (s *source) lookup(key string) pos {
	for {
		if p, ok := s.index[key]; ok {
			return p
		}
		if key == "" {
			return pos{1, 1}
		}
		key = parentKey(key)
	}
}

// where describes key's place for messages that point at a second place ("already published
// by ... (line 12)").
func (s *source) where(key string) string {
	if v, ok := s.fromEnv[key]; ok {
		return key + " (" + v + ")"
	}
	if p, ok := s.index[key]; ok {
		return key + " (line " + strconv.Itoa(p.line) + ")"
	}
	return key
}

// parentKey strips the last element of a key path: services.web.ports[1] → services.web.ports
// → services.web → services → "".
func parentKey(k string) string {
	i := strings.LastIndexAny(k, ".[")
	if i < 0 {
		return ""
	}
	return k[:i]
}

func joinKey(parent, child string) string {
	if parent == "" {
		return child
	}
	return parent + "." + child
}
