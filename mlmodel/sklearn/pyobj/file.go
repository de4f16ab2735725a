package pyobj

import (
	"fmt"
	"io"
	"os"
)

// ReadFile reads a model file that mlflow.sklearn saved, model.skops or
// model.pkl, telling the two apart by their first bytes: a zip is read as
// skops, anything starting with a pickle protocol marker as a pickle.
func ReadFile(path string, allow Allow) (any, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case n == 4 && string(head) == "PK\x03\x04":
		return ReadSkops(f, info.Size(), allow)
	case n >= 2 && head[0] == 0x80:
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		return ReadPickle(f, allow)
	}
	return nil, fmt.Errorf("%s is neither a skops file nor a pickle", path)
}
