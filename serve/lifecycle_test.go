package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const oneRow = `{"instances": [{"age": 30, "job": "x", "balance": 1}]}`

// gatedModel blocks every Predict until release is closed, and reports each
// arrival on entered.
func gatedModel() (m *fakeModel, entered chan struct{}, release chan struct{}) {
	m = newFakeModel()
	entered = make(chan struct{}, 100)
	release = make(chan struct{})
	m.predict = func(rows [][]any, out []Prediction) error {
		entered <- struct{}{}
		<-release
		return agePredict(rows, out)
	}
	return m, entered, release
}

func TestConcurrencyLimitRejects(t *testing.T) {
	m, entered, release := gatedModel()
	s := mustServer(t, &Loaded{Model: m, Name: "bank", Version: "1"}, func(s *Server) {
		s.MaxConcurrency, s.MaxQueue = 2, 0
	})
	var wg sync.WaitGroup
	codes := make(chan int, 2)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- do(t, s.Handler(), "POST", "/invocations", "application/json", oneRow).code
		}()
	}
	<-entered
	<-entered
	got := do(t, s.Handler(), "POST", "/invocations", "application/json", oneRow)
	if got.code != 503 || !strings.Contains(got.body, "TEMPORARILY_UNAVAILABLE") {
		t.Errorf("third request = %d %s, want 503 TEMPORARILY_UNAVAILABLE", got.code, got.body)
	}
	close(release)
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != 200 {
			t.Errorf("admitted request = %d, want 200", c)
		}
	}
	if n := s.Metrics.rejected.Load(); n != 1 {
		t.Errorf("rejected = %d, want 1", n)
	}
}

func TestConcurrencyLimitQueues(t *testing.T) {
	m, entered, release := gatedModel()
	s := mustServer(t, &Loaded{Model: m, Name: "bank", Version: "1"}, func(s *Server) {
		s.MaxConcurrency, s.MaxQueue = 1, 4
	})
	var wg sync.WaitGroup
	var ok atomic.Int64
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if do(t, s.Handler(), "POST", "/invocations", "application/json", oneRow).code == 200 {
				ok.Add(1)
			}
		}()
	}
	<-entered
	// Only one request may be inside the model while the others queue.
	select {
	case <-entered:
		t.Fatal("two requests ran at once with MaxConcurrency 1")
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	wg.Wait()
	if ok.Load() != 5 {
		t.Errorf("%d of 5 queued requests succeeded, want all", ok.Load())
	}
}

// mustOpen opens s on a free port.
func mustOpen(tb testing.TB, m *Loaded, configure func(*Server)) *Server {
	tb.Helper()
	s := NewServer()
	s.Addr = "127.0.0.1:0"
	s.Model = m
	s.Logger = discardLogger()
	if configure != nil {
		configure(s)
	}
	if err := s.Open(); err != nil {
		tb.Fatal(err)
	}
	return s
}

func post(url, body string) (int, string, error) {
	resp, err := http.Post(url+"/invocations", "application/json", strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func TestGracefulDrain(t *testing.T) {
	m, entered, release := gatedModel()
	s := mustOpen(t, &Loaded{Model: m, Name: "bank", Version: "1"}, nil)
	url := s.URL()
	type answer struct {
		code int
		err  error
	}
	inflight := make(chan answer, 3)
	for range 3 {
		go func() {
			code, _, err := post(url, oneRow)
			inflight <- answer{code, err}
		}()
	}
	for range 3 {
		<-entered
	}
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	// Close must wait for the requests in flight.
	select {
	case err := <-closed:
		t.Fatalf("Close returned %v before in-flight requests finished", err)
	case <-time.After(50 * time.Millisecond):
	}
	if _, _, err := post(url, oneRow); err == nil {
		t.Error("a new request was accepted while draining")
	}
	close(release)
	for range 3 {
		if a := <-inflight; a.err != nil || a.code != 200 {
			t.Errorf("in-flight request = %d, %v; want 200", a.code, a.err)
		}
	}
	if err := <-closed; err != nil {
		t.Errorf("Close = %v", err)
	}
}

// fakeSource is a VersionSource double: the alias points to version, and
// Load builds the model load returns.
type fakeSource struct {
	mu      sync.Mutex
	version string
	err     error
	load    func(version string) (*Loaded, error)
}

func (f *fakeSource) Version(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.version, f.err
}

func (f *fakeSource) Load(_ context.Context, v string) (*Loaded, error) { return f.load(v) }

func (f *fakeSource) point(v string) {
	f.mu.Lock()
	f.version = v
	f.mu.Unlock()
}

// versionModel answers probability version/10 so that a response tells
// which model scored it.
func versionModel(v float64) *fakeModel {
	m := newFakeModel()
	m.predict = func(rows [][]any, out []Prediction) error {
		for i := range rows {
			out[i] = Prediction{Value: v / 10, Label: "no"}
		}
		return nil
	}
	return m
}

func TestAliasSwap(t *testing.T) {
	src := &fakeSource{version: "1"}
	src.load = func(v string) (*Loaded, error) {
		switch v {
		case "2":
			return loadedFake(versionModel(2), "2"), nil
		case "3": // fails its smoke prediction
			m := newFakeModel()
			m.predict = func([][]any, []Prediction) error { return errors.New("broken") }
			return loadedFake(m, "3"), nil
		case "4":
			return nil, errors.New("download failed")
		}
		return nil, fmt.Errorf("no version %s", v)
	}
	s := mustOpen(t, loadedFake(versionModel(1), "1"), nil)
	defer s.Close()
	w := NewAliasWatcher(s, src)
	w.Logger = discardLogger()

	// Clients score continuously through the swaps; none may fail.
	stop := make(chan struct{})
	var failures, answers atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				code, _, err := post(s.URL(), oneRow)
				answers.Add(1)
				if err != nil || code != 200 {
					failures.Add(1)
				}
			}
		}()
	}
	steps := []struct {
		point       string
		wantSwapped bool
		wantVersion string
	}{
		{"1", false, "1"},
		{"2", true, "2"},
		{"3", false, "2"},
		{"4", false, "2"},
		{"2", false, "2"},
	}
	for _, st := range steps {
		src.point(st.point)
		if got := w.Poll(context.Background()); got != st.wantSwapped {
			t.Errorf("alias -> %s: swapped = %v, want %v", st.point, got, st.wantSwapped)
		}
		if got := s.Current().Version; got != st.wantVersion {
			t.Errorf("alias -> %s: serving %s, want %s", st.point, got, st.wantVersion)
		}
		time.Sleep(10 * time.Millisecond)
	}
	_, body, err := post(s.URL(), oneRow)
	if err != nil || !strings.Contains(body, `"probability":0.2`) {
		t.Errorf("after swap got %s, %v; want version 2's answer", body, err)
	}
	close(stop)
	wg.Wait()
	if failures.Load() != 0 {
		t.Errorf("%d of %d requests failed during swaps", failures.Load(), answers.Load())
	}
	if ok, failed := s.Metrics.swapsOK.Load(), s.Metrics.swapsFailed.Load(); ok != 1 || failed != 2 {
		t.Errorf("swaps ok=%d failed=%d, want 1 and 2", ok, failed)
	}
	var b strings.Builder
	s.Metrics.Write(&b)
	for _, want := range []string{`weir_serve_model_info{model="bank",version="1"} 0`, `weir_serve_model_info{model="bank",version="2"} 1`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestAliasWatcherPolls(t *testing.T) {
	src := &fakeSource{version: "2", load: func(v string) (*Loaded, error) { return loadedFake(versionModel(2), v), nil }}
	s := mustServer(t, loadedFake(versionModel(1), "1"), nil)
	w := NewAliasWatcher(s, src)
	w.Interval = 5 * time.Millisecond
	w.Logger = discardLogger()
	if err := w.Open(); err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	deadline := time.Now().Add(5 * time.Second)
	for s.Current().Version != "2" {
		if time.Now().After(deadline) {
			t.Fatal("the watcher did not swap in version 2")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestMicroBatching(t *testing.T) {
	m := newFakeModel()
	s := mustServer(t, loadedFake(m, "1"), func(s *Server) {
		s.MaxBatchSize, s.MaxBatchWait = 64, 20*time.Millisecond
	})
	calls := m.calls.Load() // the example check
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			age := 10 + i
			got := do(t, s.Handler(), "POST", "/invocations", "application/json", fmt.Sprintf(`{"instances": [{"age": %d, "job": "x", "balance": 1}, {"age": %d, "job": "y", "balance": 2}]}`, age, age+50))
			want := fmt.Sprintf(`{"predictions":[{"probability":%g,"label":"no"},{"probability":%g,"label":"yes"}]}`, float64(age)/100, float64(age+50)/100)
			if got.body != want {
				errs <- fmt.Sprintf("age %d: got %s, want %s", age, got.body, want)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	batches, predicts := s.Metrics.batches.Load(), m.calls.Load()-calls
	if batches >= 16 || predicts != int64(batches) {
		t.Errorf("16 requests made %d batches and %d Predict calls; want fewer batches than requests, one call each", batches, predicts)
	}
}
