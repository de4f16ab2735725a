//go:build linux && (amd64 || arm64)

package artifact

import (
	"errors"
	"os"
	"syscall"
	"unsafe"
)

// renameat2's arguments: the current directory as the base of relative
// paths, and the flag that swaps two names. The syscall package has no
// wrapper, and artifact, a domain package, imports only the standard
// library, so the call is made here (its number per architecture is in
// renameat2_*.go).
const (
	atFDCWD        = -100
	renameExchange = 1 << 1
)

// exchange swaps the names a and b atomically.
func exchange(a, b string) error {
	pa, err := syscall.BytePtrFromString(a)
	if err != nil {
		return err
	}
	pb, err := syscall.BytePtrFromString(b)
	if err != nil {
		return err
	}
	fd := atFDCWD
	_, _, errno := syscall.Syscall6(sysRenameat2, uintptr(fd), uintptr(unsafe.Pointer(pa)),
		uintptr(fd), uintptr(unsafe.Pointer(pb)), renameExchange, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

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
	err := exchange(tmp, full)
	switch {
	case err == nil:
	case errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.EINVAL), errors.Is(err, syscall.ENOSYS),
		errors.Is(err, syscall.EOPNOTSUPP):
		return os.Rename(tmp, full)
	default:
		return &os.LinkError{Op: "renameat2", Old: tmp, New: full, Err: err}
	}
	// Put checked that full was no directory, but one may have been made
	// there since: swap it back rather than hide it under tmp's name.
	if st, err := os.Lstat(tmp); err == nil && st.IsDir() {
		if err := exchange(tmp, full); err != nil {
			return &os.LinkError{Op: "renameat2", Old: tmp, New: full, Err: err}
		}
		return &os.LinkError{Op: "rename", Old: tmp, New: full, Err: syscall.EISDIR}
	}
	// The old file's data go with it; if unlinking fails the upload still
	// stands, and the leftover is hidden from listings like any temporary.
	os.Remove(tmp)
	return nil
}
