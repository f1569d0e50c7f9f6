package cli

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/yolo-loss/yololoss/internal/atomicfile"
)

// childEnv, when set, makes the test binary the child of TestSignal: it
// runs Run over a Write that has written part of its file and then waits.
const childEnv = "CLI_TEST_SIGNAL_CHILD"

func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		os.Exit(Run("cmd", os.Stderr, func() error {
			return atomicfile.Write(path, func(w io.Writer) error {
				if _, err := w.Write(make([]byte, 1<<20)); err != nil {
					return err
				}
				os.Stdout.WriteString("writing\n")
				select {} // until the signal
			})
		}))
	}
	os.Exit(m.Run())
}

// TestSignal: SIGINT or SIGTERM while an output file is half written
// removes its temporary file and exits with 128 + the signal's number,
// saying so on stderr.
func TestSignal(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{
		{syscall.SIGINT, 130},
		{syscall.SIGTERM, 143},
	} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childEnv+"="+filepath.Join(dir, "out.npz"))
			var stderr strings.Builder
			cmd.Stderr = &stderr
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil || line != "writing\n" {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("child said %q, %v", line, err)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 1 || !strings.Contains(ents[0].Name(), ".tmp-") {
				t.Fatalf("while writing, the folder holds %v, want one temporary file", ents)
			}
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatal("the child did not end on the signal")
			}
			if code := cmd.ProcessState.ExitCode(); code != tc.code {
				t.Errorf("exit status %d (%v), want %d", code, cmd.ProcessState, tc.code)
			}
			if want := "cmd: " + tc.sig.String(); !strings.HasPrefix(stderr.String(), want) {
				t.Errorf("stderr %q, want it to start with %q", stderr.String(), want)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("left behind: %v", ents)
			}
		})
	}
}
