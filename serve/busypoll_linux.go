//go:build linux

package serve

import "syscall"

// pollSupported says busy polling works here.
const pollSupported = true

// readFD is one non-blocking read(2) of the socket fd.
func readFD(fd uintptr, p []byte) (int, error) { return syscall.Read(int(fd), p) }

// epollSet is a pollSet on an epoll instance of its own (level-triggered,
// so a socket stays ready until it is read), apart from Go's.
type epollSet struct{ fd int }

func newPollSet() (pollSet, error) {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	return &epollSet{fd: fd}, nil
}

func (s *epollSet) add(fd uintptr) error {
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(fd)}
	return syscall.EpollCtl(s.fd, syscall.EPOLL_CTL_ADD, int(fd), &ev)
}

func (s *epollSet) remove(fd uintptr) {
	syscall.EpollCtl(s.fd, syscall.EPOLL_CTL_DEL, int(fd), nil)
}

func (s *epollSet) othersReady(self uintptr) bool {
	var evs [4]syscall.EpollEvent
	n, err := syscall.EpollWait(s.fd, evs[:], 0)
	for i := 0; err == nil && i < n; i++ {
		if uintptr(evs[i].Fd) != self {
			return true
		}
	}
	return false
}

func (s *epollSet) close() error { return syscall.Close(s.fd) }
