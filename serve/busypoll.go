package serve

import (
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// pollListener hands out connections that busy-poll for their next request
// for a short window after each answer before sleeping in Go's network
// poller. Where the poller's wake-up is slow — a virtual machine whose idle
// vCPU halts (Firecracker guests run without halt polling), so each wake is
// an interrupt through the hypervisor and the Go runtime's monitor thread
// wakes too — that wake-up is most of a small request's round trip at one
// client. One connection polls at a time, and it stops as soon as any other
// connection (or the listener) has something to read, since Go's scheduler
// does not look at the network while a goroutine stays runnable: the cost
// is at most one core, and never another connection's latency.
//
// The window adapts as the kernel's guest halt polling does: a request
// that came after the window but within the ceiling doubles it (a longer
// poll would have caught it), one that came after the ceiling halves it (no
// poll would have). Clients that send requests back to back keep the full
// window; sparse traffic shrinks it to nothing within a few requests, so an
// idle or lightly loaded server spends no CPU polling.
type pollListener struct {
	net.Listener
	ceiling time.Duration
	window  atomic.Int64 // current window in nanoseconds, 0..ceiling
	polling atomic.Bool  // held by the connection that is polling
	set     *sharedSet
	metrics *Metrics
	closed  atomic.Bool
	// quietUntil (time since epoch) holds polling off after a poll gave
	// way to another connection.
	quietUntil atomic.Int64
	// served counts reads that returned a request's bytes on connections
	// that were not polling. A poll that sees it move gives way even when
	// the other connection's readiness came and went between two of its
	// looks (its reader took the bytes first), which othersReady alone
	// would miss.
	served atomic.Uint64
}

// epoch is the origin of pollListener.quietUntil.
var epoch = time.Now()

// quietAfterYield is how many ceilings polling stays off after it gave way
// to another connection: with several clients active each poll would
// mostly give way again, two system calls for nothing per request (15% of
// the throughput of 1-row requests from 8 clients).
const quietAfterYield = 10

// adapt moves the window after an idle read that waited d for its data.
func (l *pollListener) adapt(d time.Duration) {
	w := time.Duration(l.window.Load())
	switch {
	case d <= w:
	case d <= l.ceiling:
		l.window.Store(int64(min(l.ceiling, max(2*w, l.ceiling/4))))
	case w > 0:
		if w /= 2; w < l.ceiling/16 {
			w = 0
		}
		l.window.Store(int64(w))
	}
}

// pollSet watches every connection's socket (and the listener's) for data,
// so a polling connection can tell that another one needs the core.
type pollSet interface {
	add(fd uintptr) error
	remove(fd uintptr)
	// othersReady reports whether a socket other than self has data.
	othersReady(self uintptr) bool
	close() error
}

// sharedSet closes its pollSet when the listener and every connection that
// may still poll are done with it, so no read polls a closed (or reused)
// descriptor.
type sharedSet struct {
	pollSet
	mu   sync.Mutex
	refs int
}

// hold takes a reference; it fails once the set is closed.
func (s *sharedSet) hold() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs == 0 {
		return false
	}
	s.refs++
	return true
}

// release drops a reference and closes the set with the last one.
func (s *sharedSet) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs--; s.refs == 0 {
		s.pollSet.close()
	}
}

// busyPoll wraps ln so its TCP connections poll for up to window. A window
// of 0, or a platform without a pollSet (busy polling is Linux only), give
// ln back as it is.
func busyPoll(ln net.Listener, window time.Duration, m *Metrics) (net.Listener, error) {
	if window <= 0 || !pollSupported {
		return ln, nil
	}
	ps, err := newPollSet()
	if err != nil {
		return nil, err
	}
	if err := control(ln, ps.add); err != nil {
		ps.close()
		return nil, err
	}
	l := &pollListener{Listener: ln, ceiling: window, set: &sharedSet{pollSet: ps, refs: 1}, metrics: m}
	l.window.Store(int64(window))
	return l, nil
}

// control runs f on the socket of c (a *net.TCPListener or *net.TCPConn).
func control(c any, f func(fd uintptr) error) error {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return errors.New("serve: busy polling needs TCP sockets")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = f(fd) }); err != nil {
		return err
	}
	return ferr
}

func (l *pollListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return c, err
	}
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c, nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return c, nil
	}
	if !l.set.hold() {
		return c, nil
	}
	var addErr error
	if err := rc.Control(func(fd uintptr) { addErr = l.set.add(fd) }); err != nil || addErr != nil {
		l.set.release()
		return c, nil // served without polling
	}
	return &pollConn{TCPConn: tc, rc: rc, l: l}, nil
}

// Close closes the listener; the poll set lives on until the last
// connection is closed.
func (l *pollListener) Close() error {
	err := l.Listener.Close()
	if l.closed.CompareAndSwap(false, true) {
		l.set.release()
	}
	return err
}

// pollConn is a TCP connection whose reads poll before they sleep.
type pollConn struct {
	*net.TCPConn
	rc     syscall.RawConn
	l      *pollListener
	closed atomic.Bool
}

// Read polls the socket for up to the listener's window when no other
// connection is polling and no scoring request is in flight, then waits in
// the network poller as usual (read deadlines apply throughout). While
// requests are in flight the server is not idle, so sleeping costs no
// wake-up and polling would only add system calls. Reads of one byte,
// which net/http makes to notice a client hanging up while a handler runs,
// never poll: they would take the core from the handler.
func (c *pollConn) Read(p []byte) (int, error) {
	l := c.l
	if len(p) <= 1 || l.metrics.inflight.Load() > 0 {
		return c.plainRead(p)
	}
	// An idle read: the connection waits for its next request.
	start := time.Now()
	window := time.Duration(l.window.Load())
	if window <= 0 || time.Since(epoch) < time.Duration(l.quietUntil.Load()) || !l.polling.CompareAndSwap(false, true) {
		n, err := c.plainRead(p)
		if n > 0 {
			l.adapt(time.Since(start))
		}
		return n, err
	}
	if !l.set.hold() { // closed while we were getting here
		l.polling.Store(false)
		return c.TCPConn.Read(p)
	}
	defer l.set.release()
	var n int
	var errno error
	polling := true
	served := l.served.Load()
	stop := func() {
		polling = false
		l.polling.Store(false)
		l.metrics.pollMisses.Add(1)
	}
	err := c.rc.Read(func(fd uintptr) bool {
		for {
			n, errno = readFD(fd, p)
			if errno == syscall.EINTR {
				continue
			}
			if errno != syscall.EAGAIN {
				return true
			}
			if !polling {
				return false // sleep in the poller until readable
			}
			if time.Since(start) >= window || c.closed.Load() {
				stop()
				return false
			}
			if l.set.othersReady(fd) || l.served.Load() != served {
				// Several clients are active: their requests keep the
				// server awake, and polling would only yield again.
				l.quietUntil.Store(int64(time.Since(epoch) + quietAfterYield*l.ceiling))
				stop()
				return false
			}
			runtime.Gosched()
		}
	})
	if polling {
		l.polling.Store(false)
		l.metrics.pollHits.Add(1)
	}
	if err == nil && errno == nil && n > 0 {
		l.adapt(time.Since(start))
	}
	switch {
	case err != nil:
		return 0, &net.OpError{Op: "read", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
	case errno != nil:
		return 0, &net.OpError{Op: "read", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: os.NewSyscallError("read", errno)}
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// Close stops watching the socket, then closes it.
// plainRead reads without polling and counts a read that brought bytes,
// so that a connection polling meanwhile gives way.
func (c *pollConn) plainRead(p []byte) (int, error) {
	n, err := c.TCPConn.Read(p)
	if n > 0 {
		c.l.served.Add(1)
	}
	return n, err
}

func (c *pollConn) Close() error {
	if c.closed.CompareAndSwap(false, true) {
		c.rc.Control(func(fd uintptr) { c.l.set.remove(fd) })
		defer c.l.set.release()
	}
	return c.TCPConn.Close()
}

// errNoPoll says this platform reads sockets without polling.
var errNoPoll = errors.New("serve: busy polling is Linux only")
