package artifact

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// replaceFile moves the finished temporary file tmp to full, in one step
// for readers: full names the old file or the new one, never neither.
//
// A plain rename over an existing file would do that too, but ext4 (its
// auto_da_alloc default) answers such a rename by writing the new file's
// data to disk at once: a safety net for programs that replace files
// without fsync, which makes every upload that overwrites a file cost a
// disk write and the unlink of the old one wait for it; on a 2-core machine
// 100 MB uploads ran at half speed. Exchanging the two names
// (RENAME_EXCHANGE) and unlinking the old file, now at tmp, keeps the
// atomic switch without it; Dir.Sync is how a caller asks for the disk.
// Where exchange is unsupported, or nothing is at full yet, it renames.
func replaceFile(tmp, full string) error {
	err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, full, unix.RENAME_EXCHANGE)
	switch {
	case err == nil:
	case errors.Is(err, unix.ENOENT), errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOSYS),
		errors.Is(err, unix.EOPNOTSUPP):
		return os.Rename(tmp, full)
	default:
		return &os.LinkError{Op: "renameat2", Old: tmp, New: full, Err: err}
	}
	// Put checked that full was no directory, but one may have been made
	// there since: swap it back rather than hide it under tmp's name.
	if st, err := os.Lstat(tmp); err == nil && st.IsDir() {
		if err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, full, unix.RENAME_EXCHANGE); err != nil {
			return &os.LinkError{Op: "renameat2", Old: tmp, New: full, Err: err}
		}
		return &os.LinkError{Op: "rename", Old: tmp, New: full, Err: unix.EISDIR}
	}
	// The old file's data go with it; if unlinking fails the upload still
	// stands, and the leftover is hidden from listings like any temporary.
	os.Remove(tmp)
	return nil
}
