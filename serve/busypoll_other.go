//go:build !linux

package serve

// pollSupported says busy polling works here: it needs epoll.
const pollSupported = false

// newPollSet fails where there is no epoll: --busy-poll is Linux only.
func newPollSet() (pollSet, error) { return nil, errNoPoll }

// readFD is never called where busy polling is not supported.
func readFD(fd uintptr, p []byte) (int, error) { return 0, errNoPoll }
