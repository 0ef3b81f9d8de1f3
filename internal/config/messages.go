package config

import (
	"reflect"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// devenvName is devenv's name for a compose service key that devenv.yaml spells differently.
func devenvName(t reflect.Type, name string) string {
	if t != reflect.TypeFor[Service]() {
		return ""
	}
	switch name {
	case "environment":
		return "env"
	case "mem_limit", "memory":
		return "resources.memory"
	case "cpus":
		return "resources.cpus"
	}
	return ""
}

// composeOnlyServiceKey reports compose service keys devenv.yaml leaves to compose files.
func composeOnlyServiceKey(name string) bool {
	switch name {
	case "volumes", "healthcheck", "networks", "labels", "working_dir", "user", "entrypoint",
		"expose", "profiles", "hostname", "container_name", "network_mode", "secrets", "configs",
		"deploy", "develop", "logging", "ulimits", "cap_add", "cap_drop", "tmpfs", "privileged",
		"stop_signal", "stop_grace_period", "platform", "pull_policy", "init", "shm_size":
		return true
	}
	return false
}

// describe names what a node holds, for "expected X, got Y".
func describe(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.ShortTag() {
	case "!!null":
		return "nothing"
	case "!!bool":
		return "true/false (" + short(n.Value) + ")"
	case "!!int", "!!float":
		return "the number " + short(n.Value)
	}
	return "the string " + quote(n.Value)
}

// example is the fix for a wrong type: how the key is written.
func example(key string) string {
	if p := lastName(parentKey(key)); p == "env" || p == "args" {
		return "write the value as a string, e.g. " + lastName(key) + `: "a value"`
	}
	// port, and a kind's extra ports such as management_port
	if last := lastName(key); last == "port" || strings.HasSuffix(last, "_port") {
		return "write a port number, e.g. port: 3307"
	}
	switch lastName(key) {
	case "ports":
		return `list ports as strings, e.g. ports: ["8080:8080"]`
	case "depends_on":
		return "list names, e.g. depends_on: [mysql, api]"
	case "extra_hosts":
		return `list host:ip entries, e.g. extra_hosts: ["npm.internal:10.0.0.5"]`
	case "command":
		return `write a string or a list, e.g. command: npm run dev, or command: ["npm", "run", "dev"]`
	case "cpus":
		return "write a number of CPUs, e.g. cpus: 1.5"
	case "memory":
		return "write a size, e.g. memory: 512m"
	case "job":
		return "write job: true or job: false"
	case "env", "args":
		return "write a mapping, e.g. env: {NODE_ENV: development}"
	case "services":
		return "write a mapping of service names to services, e.g. services: {web: {template: frontend}}"
	case "dependencies":
		return "write a mapping, e.g. dependencies: {mysql: {}, redis: {}}"
	}
	return "see docs/config.md for what the key takes"
}

// lastName is the last name in a key path: services.web.ports[1] → ports.
func lastName(key string) string {
	if i := strings.IndexByte(key, '['); i >= 0 {
		key = key[:i]
	}
	return key[strings.LastIndexByte(key, '.')+1:]
}

// quote quotes s for a message, shortened: a value can be any length.
func quote(s string) string { return strconv.Quote(short(s)) }

func short(s string) string {
	const max = 60
	if len(s) <= max {
		return s
	}
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return string(r[:max]) + "…"
}
