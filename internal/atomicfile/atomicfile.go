package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// mode is the permission of the installed file: what os.Create gives under
// the usual umask 022. It is set with Chmod, so the umask does not apply.
const mode = 0o644

// existsError reports that the destination is already there.
type existsError struct{ path string }

func (e *existsError) Error() string {
	return fmt.Sprintf("atomicfile: %s already exists; not overwriting", e.path)
}

// Is lets errors.Is(err, fs.ErrExist) recognise the error.
func (e *existsError) Is(target error) bool { return target == fs.ErrExist }

// Write creates the file at path with the content that write produces.
//
// The content goes to a temporary file in the directory of path, which is
// synced and closed before it is hard-linked to path; the temporary name is
// then removed. If path already exists, Write returns an error that reads
// "atomicfile: <path> already exists; not overwriting" and matches
// fs.ErrExist, and leaves the existing file untouched. On every failure,
// including a panic in write (which Write lets continue after cleaning up),
// the temporary file is removed and path is not created.
//
// The installed file has mode 0644.
func Write(path string, write func(w io.Writer) error) error {
	// Fail early, before producing content, when the name is taken. The
	// link in install is what guarantees no clobbering; this only saves
	// work.
	if _, err := os.Lstat(path); err == nil && write != nil {
		return &existsError{path: path}
	}
	return install(path, write, false)
}

// Replace is Write for a file that may exist: the temporary file is
// renamed over path, so that a reader sees the old content or the new, never
// a part of either. On every failure path is left as it was.
func Replace(path string, write func(w io.Writer) error) error {
	return install(path, write, true)
}

// install writes the content to a temporary file beside path, syncs and
// closes it, and puts it in place: renamed over path with replace, else
// hard-linked to path, which fails if path exists, and the temporary name
// removed. Whatever fails, the temporary file is removed.
func install(path string, write func(w io.Writer) error, replace bool) error {
	if write == nil {
		return errors.New("atomicfile: nil write function")
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := inFlight.create(dir, base)
	if err != nil {
		return fmt.Errorf("atomicfile: create temporary file for %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		// Runs on errors and on panics alike; a successful path sets
		// tmp to "" once the temporary name is gone. After the Close
		// below, this second Close only returns os.ErrClosed.
		_ = f.Close()
		if tmp != "" {
			_ = os.Remove(tmp)
		}
		inFlight.forget(f.Name())
	}()

	if err := write(f); err != nil {
		return fmt.Errorf("atomicfile: write %s: %w", path, err)
	}
	if err := f.Chmod(mode); err != nil {
		return fmt.Errorf("atomicfile: chmod %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("atomicfile: sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("atomicfile: close %s: %w", tmp, err)
	}
	if replace {
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("atomicfile: install %s: %w", path, err)
		}
		tmp = ""
		syncDir(dir)
		return nil
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return &existsError{path: path}
		}
		return fmt.Errorf("atomicfile: install %s: %w", path, err)
	}
	if err := os.Remove(tmp); err != nil {
		tmp = "" // path is installed; do not retry the removal.
		return fmt.Errorf("atomicfile: %s installed, but removing the temporary file failed: %w", path, err)
	}
	tmp = ""
	syncDir(dir)
	return nil
}

// syncDir flushes the directory entry of the new file. It is best effort:
// some systems cannot sync a directory, and the file itself is already
// complete and durable.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

// ErrAborted is returned by Write and Replace once Abort has run.
var ErrAborted = errors.New("atomicfile: the process is ending (Abort); no new files")

// inFlight is the set of temporary files that Write and Replace have
// created and not yet installed or removed, for Abort.
var inFlight = &tempSet{names: map[string]struct{}{}}

type tempSet struct {
	mu      sync.Mutex
	names   map[string]struct{}
	aborted bool
}

// create makes a temporary file in dir and records its name, under the
// lock, so that Abort sees every file that exists.
func (s *tempSet) create(dir, base string) (*os.File, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.aborted {
		return nil, ErrAborted
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, err
	}
	s.names[f.Name()] = struct{}{}
	return f, nil
}

func (s *tempSet) forget(name string) {
	s.mu.Lock()
	delete(s.names, name)
	s.mu.Unlock()
}

// Abort removes every temporary file that a Write or Replace in progress
// has created, and makes every later Write and Replace fail with
// ErrAborted without creating anything. It is for a signal handler about
// to end the process (internal/cli.Run installs one for SIGINT and
// SIGTERM): the interrupted writes leave no partial files. A write whose
// file was already installed keeps it, whole. Abort returns the names it
// removed; it is safe to call from any goroutine, more than once.
func Abort() []string {
	s := inFlight
	s.mu.Lock()
	defer s.mu.Unlock()
	s.aborted = true
	var removed []string
	for name := range s.names {
		if err := os.Remove(name); err == nil {
			removed = append(removed, name)
		}
		delete(s.names, name)
	}
	return removed
}
