// Package atomicfile writes a file so that it appears whole or not at all,
// and never replaces a file that is already there.
//
// Write sends the content to a temporary file in the destination's own
// directory, flushes it to stable storage and closes it, and only then
// installs it under its final name with a hard link. Creating a link fails
// when the name is taken, so an existing file is never clobbered, not even
// by a concurrent writer that got there first. Whatever goes wrong, the
// temporary file is removed: when the content callback returns an error or
// panics, when flushing or closing fails, and when the link is refused.
//
// Installing relies on hard links. On a file system that has none the
// write fails with an error; it does not fall back to renaming, which
// would overwrite.
package atomicfile
