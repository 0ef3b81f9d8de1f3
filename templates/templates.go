// Package templates holds devenv's built-in service templates, embedded in the binary. Each
// folder is one template: template.yaml (what devenv applies to the service) and files/ (what
// `devenv add service` writes into the service's directory).
package templates

import (
	"embed"
	"io/fs"
)

// go:embed can only fill a package-level variable; nothing writes to it.
//
//go:embed all:backend all:frontend all:worker
var builtin embed.FS

// FS returns the built-in templates, one folder each.
func FS() fs.FS { return builtin }
