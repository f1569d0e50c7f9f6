// Package cli holds what the commands (cmd/lossdemo, cmd/yoloval) share
// about failing and writing: the exit status of an error (0 success, 1 an
// internal or environment failure, 2 the user's flags or files, 130 and
// 143 after SIGINT and SIGTERM), the marking of the user's errors, flag
// parsing that reports through them (each problem once), the checks of an
// output file before any work (CheckOutput), and Run, which turns a
// command's error or panic into its message and status and, on SIGINT or
// SIGTERM, removes the output files half written before exiting.
// Output files themselves go through internal/atomicfile: Write, which
// never clobbers, or Replace, for -force. Input .npz files are read under
// MaxInputBytes, a lower cap than batchfile's default (ReadOptions), after
// OpenInput.
package cli
