//go:build !(linux && (amd64 || arm64))

package artifact

import "os"

// replaceFile moves the finished temporary file tmp to full, replacing any
// file there in one step for readers.
func replaceFile(tmp, full string) error { return os.Rename(tmp, full) }
