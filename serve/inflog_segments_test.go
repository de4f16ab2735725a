package serve

import (
	"bytes"
	"context"
	"errors"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// memSegments is an in-memory SegmentStore.
type memSegments struct {
	mu   sync.Mutex
	objs map[string][]byte
	fail int // Puts to refuse before accepting
}

func (m *memSegments) Put(ctx context.Context, path string, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail > 0 {
		m.fail--
		return errors.New("storage unavailable")
	}
	if m.objs == nil {
		m.objs = map[string][]byte{}
	}
	if _, ok := m.objs[path]; ok {
		return errors.New("segment " + path + " written twice")
	}
	m.objs[path] = b
	return nil
}

func (m *memSegments) names() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for k := range m.objs {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (m *memSegments) lines() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, b := range m.objs {
		n += bytes.Count(b, []byte{'\n'})
	}
	return n
}

var segmentKey = regexp.MustCompile(`^\d{4}/\d{2}/\d{2}/\d{19}-[A-Za-z0-9._]+-\d{6}\.jsonl$`)

func TestInferenceLogSegments(t *testing.T) {
	store := &memSegments{}
	l := NewInferenceLog("")
	l.Segments = store
	l.MaxFileBytes = 600 // a few rows per segment
	s := mustServer(t, loadedFake(newFakeModel(), "7"), func(s *Server) { s.InferenceLog = l })
	for range 5 {
		r := do(t, s.Handler(), "POST", "/invocations", "application/json",
			`{"dataframe_records": [{"age": 30, "job": "a"}, {"age": 60, "job": "c"}]}`)
		if r.code != 200 {
			t.Fatalf("%d %s", r.code, r.body)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	names := store.names()
	if len(names) < 2 {
		t.Fatalf("got %d segments, want several of at most 600 bytes", len(names))
	}
	for _, n := range names {
		if !segmentKey.MatchString(n) {
			t.Errorf("segment name %q does not match %s", n, segmentKey)
		}
		if !strings.Contains(n, l.Replica) {
			t.Errorf("segment name %q lacks the replica %q", n, l.Replica)
		}
	}
	if got, want := store.lines(), 10; got != want {
		t.Errorf("got %d rows in segments, want %d", got, want)
	}
}

func TestInferenceLogSegmentsFlushOnTime(t *testing.T) {
	store := &memSegments{fail: 1} // the first upload fails and is retried
	l := NewInferenceLog("")
	l.Segments = store
	l.FlushInterval = 50 * time.Millisecond
	s := mustServer(t, loadedFake(newFakeModel(), "7"), func(s *Server) { s.InferenceLog = l })
	defer s.Close()
	r := do(t, s.Handler(), "POST", "/invocations", "application/json", `{"dataframe_records": [{"age": 30, "job": "a"}]}`)
	if r.code != 200 {
		t.Fatalf("%d %s", r.code, r.body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for store.lines() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no segment uploaded within 10s of a 50ms flush interval")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestReplicaIDsDiffer(t *testing.T) {
	a, b := NewReplicaID(), NewReplicaID()
	if a == b {
		t.Errorf("two replica ids are both %q", a)
	}
}
