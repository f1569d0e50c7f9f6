// Package cli holds what the commands (cmd/lossdemo, cmd/yoloval) share
// about failing and writing: the exit status of an error (0 success, 1 an
// internal or environment failure, 2 the user's flags or files), the
// marking of the user's errors, flag parsing that reports through them,
// and the writing of output files that never clobbers unless asked to.
package cli
