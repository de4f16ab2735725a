package artifact

import (
	"context"
	"io"
	"sync"
)

// copyBufSize is the chunk Put copies with. io.Copy's 32 KiB costs one
// read and one write system call per 32 KiB; a larger chunk lets one read
// take all the socket has buffered and one write hand it to the page cache,
// which is most of an upload's CPU once the data need not reach the disk.
const copyBufSize = 1 << 20

// copyBufs keeps copy buffers between uploads, so that concurrent uploads
// reuse a few megabytes instead of allocating per call.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}

// copyBody copies r into w through a pooled buffer, stopping when ctx is
// cancelled.
func copyBody(ctx context.Context, w io.Writer, r io.Reader) error {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, rerr := r.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return err
			}
		}
		switch rerr {
		case nil:
		case io.EOF:
			return nil
		default:
			return rerr
		}
	}
}
