package serve

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBusyPollAnswers checks that connections that poll answer every
// request exactly as sleeping ones do: back-to-back requests on one
// connection (served by polling), many connections at once (one polls,
// the others sleep), a request split by a pause longer than the window
// (the poll gives up and the poller wakes the connection), and a client
// that hangs up.
func TestBusyPollAnswers(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("busy polling is Linux only")
	}
	s := mustOpen(t, loadedFake(newFakeModel(), "1"), func(s *Server) { s.BusyPoll = 20 * time.Millisecond })
	defer s.Close()
	body := func(age int) string {
		return fmt.Sprintf(`{"dataframe_split": {"columns": ["age", "job"], "data": [[%d, "admin."]]}}`, age)
	}
	want := func(age int) string {
		label := "no"
		if age > 50 {
			label = "yes"
		}
		return fmt.Sprintf(`{"predictions":[{"probability":%g,"label":%q}]}`, float64(age)/100, label)
	}
	check := func(t *testing.T, client *http.Client, age int) {
		t.Helper()
		resp, err := client.Post(s.URL()+"/invocations", "application/json", strings.NewReader(body(age)))
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("age %d: %d %s %v", age, resp.StatusCode, b, err)
		}
		if got := string(b); got != want(age) {
			t.Fatalf("age %d: got %s, want %s", age, got, want(age))
		}
	}

	t.Run("one connection", func(t *testing.T) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		defer client.CloseIdleConnections()
		for age := range 100 {
			check(t, client, age)
		}
		if hits := s.Metrics.pollHits.Load(); hits == 0 {
			t.Errorf("no read was served by polling after 100 back-to-back requests")
		}
	})

	t.Run("many connections", func(t *testing.T) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
		defer client.CloseIdleConnections()
		var wg sync.WaitGroup
		for c := range 16 {
			wg.Go(func() {
				for i := range 25 {
					check(t, client, (c*25+i)%100)
				}
			})
		}
		wg.Wait()
	})

	t.Run("pause longer than the window", func(t *testing.T) {
		// The connections above made polls give way, which holds polling
		// off for a while, and a slow test machine may have shrunk the
		// window: start afresh.
		pl := s.ln.(*pollListener)
		pl.quietUntil.Store(0)
		pl.window.Store(int64(pl.ceiling))
		misses := s.Metrics.pollMisses.Load()
		conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		b := body(64)
		req := fmt.Sprintf("POST /invocations HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(b), b)
		// Split in the headers: the body is read by the handler, with the
		// request in flight, when no connection polls.
		half := strings.Index(req, "Content-Type")
		r := bufio.NewReader(conn)
		for range 2 {
			if _, err := io.WriteString(conn, req[:half]); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond) // five windows
			if _, err := io.WriteString(conn, req[half:]); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(r, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(got) != want(64) {
				t.Fatalf("got %d %s", resp.StatusCode, got)
			}
		}
		if s.Metrics.pollMisses.Load() == misses {
			t.Errorf("no poll gave up although the body paused for five windows")
		}
	})

	t.Run("client hangs up", func(t *testing.T) {
		conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL(), "http://"))
		if err != nil {
			t.Fatal(err)
		}
		b := body(10)
		fmt.Fprintf(conn, "POST /invocations HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\nContent-Type: application/json\r\n\r\n%s", len(b), b)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		conn.Close()
		// The server must still answer others, and Close below must not
		// wait on the closed connection.
		check(t, http.DefaultClient, 20)
	})

	var metrics bytes.Buffer
	s.Metrics.Write(&metrics)
	if !strings.Contains(metrics.String(), `weir_serve_busy_polls_total{result="hit"}`) {
		t.Errorf("/metrics lacks the busy-poll counter:\n%s", metrics.String())
	}
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return within 10 s with polling connections")
	}
}

// TestBusyPollYields checks that a connection polling with a long window
// gives the core up as soon as another connection sends a request, and
// stops when the server closes it.
func TestBusyPollYields(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("busy polling is Linux only")
	}
	// With more than one P an idle one would serve the second client
	// while the first polls, and nothing would need to give way; one P is
	// the case polling must not starve (a server pinned to one CPU).
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	s := mustOpen(t, loadedFake(newFakeModel(), "1"), func(s *Server) { s.BusyPoll = 5 * time.Second })
	a := &http.Client{Transport: &http.Transport{}}
	b := &http.Client{Transport: &http.Transport{}}
	if code, err := postWith(a, s.URL(), oneRow); err != nil || code != 200 {
		t.Fatalf("first client: %d %v", code, err)
	}
	// a's connection now polls for its next request; b's request must
	// make it stop rather than wait for the window or the runtime's
	// occasional look at the network.
	pl := s.ln.(*pollListener)
	for deadline := time.Now().Add(5 * time.Second); !pl.polling.Load(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first client's connection never started polling")
		}
	}
	misses := s.Metrics.pollMisses.Load()
	start := time.Now()
	if code, err := postWith(b, s.URL(), oneRow); err != nil || code != 200 {
		t.Fatalf("second client: %d %v", code, err)
	}
	if waited := time.Since(start); waited > 2500*time.Millisecond {
		t.Errorf("second client waited %v behind a polling connection", waited)
	}
	// The poll notices at its next look, which one P may run only after
	// the second client has its answer.
	for deadline := time.Now().Add(time.Second); s.Metrics.pollMisses.Load() == misses && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if s.Metrics.pollMisses.Load() == misses {
		t.Errorf("the polling connection did not stop when another had a request (hits %d, misses %d)", s.Metrics.pollHits.Load(), s.Metrics.pollMisses.Load())
	}
	// Having given way, polling stays off for a while: the next requests
	// from both clients are not polled for.
	polls := s.Metrics.pollHits.Load() + s.Metrics.pollMisses.Load()
	for range 3 {
		postWith(a, s.URL(), oneRow)
		postWith(b, s.URL(), oneRow)
	}
	if got := s.Metrics.pollHits.Load() + s.Metrics.pollMisses.Load(); got != polls {
		t.Errorf("%d polls right after one gave way to another connection, want none", got-polls)
	}
	start = time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited > 2500*time.Millisecond {
		t.Errorf("Close took %v with a polling connection", waited)
	}
}

func postWith(c *http.Client, url, body string) (int, error) {
	resp, err := c.Post(url+"/invocations", "application/json", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.ReadAll(resp.Body)
	return resp.StatusCode, err
}

// TestBusyPollAdapts checks the window's rule: grow when a request came
// after the window but within the ceiling, shrink when it came after the
// ceiling, to nothing after a few.
func TestBusyPollAdapts(t *testing.T) {
	us := time.Microsecond
	l := &pollListener{ceiling: 200 * us}
	l.window.Store(int64(200 * us))
	steps := []struct{ waited, want time.Duration }{
		{100 * us, 200 * us}, // caught: no change
		{300 * us, 100 * us}, // no poll would have caught it: halve
		{300 * us, 50 * us},
		{300 * us, 25 * us},
		{300 * us, 12500 * time.Nanosecond},
		{300 * us, 0}, // below a sixteenth of the ceiling: off
		{300 * us, 0},
		{100 * us, 50 * us}, // a poll would have caught it: a quarter of the ceiling
		{60 * us, 100 * us}, // double
		{150 * us, 200 * us},
		{199 * us, 200 * us},
		{10 * us, 200 * us},
	}
	for i, st := range steps {
		l.adapt(st.waited)
		if got := time.Duration(l.window.Load()); got != st.want {
			t.Fatalf("step %d (waited %v): window %v, want %v", i, st.waited, got, st.want)
		}
	}
}

// TestBusyPollStopsWhenSparse checks that requests further apart than the
// ceiling turn polling off, and back-to-back ones turn it on again.
func TestBusyPollStopsWhenSparse(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("busy polling is Linux only")
	}
	s := mustOpen(t, loadedFake(newFakeModel(), "1"), func(s *Server) { s.BusyPoll = 2 * time.Millisecond })
	defer s.Close()
	pl := s.ln.(*pollListener)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer client.CloseIdleConnections()
	for range 10 {
		if code, err := postWith(client, s.URL(), oneRow); err != nil || code != 200 {
			t.Fatalf("%d %v", code, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if w := pl.window.Load(); w != 0 {
		t.Fatalf("window %v after 10 requests 10 ms apart with a 2 ms ceiling, want 0", time.Duration(w))
	}
	polls := s.Metrics.pollHits.Load() + s.Metrics.pollMisses.Load()
	for range 3 {
		postWith(client, s.URL(), oneRow)
		time.Sleep(10 * time.Millisecond)
	}
	if got := s.Metrics.pollHits.Load() + s.Metrics.pollMisses.Load(); got != polls {
		t.Errorf("%d polls while the window was 0", got-polls)
	}
	hits := s.Metrics.pollHits.Load()
	for range 50 {
		postWith(client, s.URL(), oneRow)
	}
	// A pause of the shared test machine can halve the window on the way,
	// so this asks only that polling came back and caught requests.
	if w := time.Duration(pl.window.Load()); w == 0 || s.Metrics.pollHits.Load() < hits+10 {
		t.Errorf("window %v and %d hits after 50 back-to-back requests, want polling back on", w, s.Metrics.pollHits.Load()-hits)
	}
}

func TestBusyPollRefusesNegative(t *testing.T) {
	s := NewServer()
	s.Model = loadedFake(newFakeModel(), "1")
	s.BusyPoll = -time.Millisecond
	if err := s.Init(); err == nil || !strings.Contains(err.Error(), "BusyPoll") {
		t.Fatalf("got %v, want an error naming BusyPoll", err)
	}
}
