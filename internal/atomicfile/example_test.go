package atomicfile_test

import (
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"github.com/yolo-loss/yololoss/internal/atomicfile"
)

func ExampleWrite() {
	dir, err := os.MkdirTemp("", "atomicfile-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "report.txt")

	write := func(w io.Writer) error {
		_, err := fmt.Fprintln(w, "loss 1.25")
		return err
	}
	if err := atomicfile.Write(path, write); err != nil {
		log.Fatal(err)
	}
	// A second write to the same name is refused; the first file stays.
	err = atomicfile.Write(path, write)
	fmt.Println(err != nil)

	data, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(data))
	// Output:
	// true
	// loss 1.25
}
