// Package atomicfile writes a file so that it appears whole or not at all:
// Write never replaces a file that is already there, Replace replaces it in
// one step.
//
// Write sends the content to a temporary file in the destination's own
// directory, flushes it to stable storage and closes it, and only then
// installs it under its final name with a hard link. Creating a link fails
// when the name is taken, so an existing file is never clobbered, not even
// by a concurrent writer that got there first. Whatever goes wrong, the
// temporary file is removed: when the content callback returns an error or
// panics, when flushing or closing fails, and when the link is refused.
//
// Replace installs with a rename over the destination instead, which
// replaces an existing file in one step: a reader sees the old content or
// the new one, never a part.
//
// The temporary files in flight are tracked: Abort removes them all and
// refuses new ones, for a process ending on a signal (internal/cli.Run
// calls it on SIGINT and SIGTERM), so that an interrupted write leaves
// nothing behind either.
//
// Write's installing relies on hard links. On a file system that has none the
// write fails with an error; it does not fall back to renaming, which
// would overwrite.
package atomicfile
