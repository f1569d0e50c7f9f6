//go:build xla

package main

// The XLA backend (cgo): select it with -backend xla:<plugin>, a PJRT plugin's
// name ("cpu", "cuda") or path. GoMLX would otherwise download a plugin it
// does not find; this command never does, whatever GOMLX_NO_AUTO_INSTALL says.

import "github.com/gomlx/gomlx/backends/xla"

func init() { xla.EnableAutoInstall(false) }
