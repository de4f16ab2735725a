package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir/artifact"
)

// patternReader yields n bytes of a repeating pattern without holding
// them, like a large file read from disk.
type patternReader struct{ n, off int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	if int64(len(b)) > p.n-p.off {
		b = b[:p.n-p.off]
	}
	for i := range b {
		b[i] = byte((p.off + int64(i)) % 251)
	}
	p.off += int64(len(b))
	return len(b), nil
}

// TestUploadStreams sends a 128 MiB upload through a real server and
// checks that the server allocated far less than the body: the body goes
// to the store as it arrives and is never held whole.
func TestUploadStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 128 MiB")
	}
	const size = 128 << 20
	store := artifact.NewDir(t.TempDir())
	srv := newTestServer(t, &fakeTracking{})
	srv.Artifacts, srv.Addr = store, "127.0.0.1:0"
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	req, err := http.NewRequest("PUT", srv.URL()+"/api/2.0/mlflow-artifacts/artifacts/big/weights.bin", &patternReader{n: size})
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = size
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	runtime.ReadMemStats(&after)
	if resp.StatusCode != 200 {
		t.Fatalf("upload: got %d", resp.StatusCode)
	}
	t.Logf("allocated %d KiB for a %d MiB upload", (after.TotalAlloc-before.TotalAlloc)>>10, size>>20)
	// Client and server share this process, so the figure covers both.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size/8 {
		t.Errorf("allocated %d MiB for a %d MiB upload, want under %d MiB", alloc>>20, size>>20, size/8>>20)
	}
	files, err := store.List(context.Background(), "big")
	if err != nil || len(files) != 1 || files[0].Size != size {
		t.Errorf("stored: got %+v, %v", files, err)
	}
}

// putNotifier is a Store that reports the end of every Put.
type putNotifier struct {
	*artifact.Dir
	done chan error
}

func (n putNotifier) Put(ctx context.Context, p string, r io.Reader) error {
	err := n.Dir.Put(ctx, p, r)
	n.done <- err
	return err
}

// TestUploadInterruptedKeepsOld cuts an upload off halfway, as a client
// that dies would: the Put fails, the file stored before stays whole, and
// no temporary file is left.
func TestUploadInterruptedKeepsOld(t *testing.T) {
	root := t.TempDir()
	store := putNotifier{artifact.NewDir(root), make(chan error, 2)}
	srv := newTestServer(t, &fakeTracking{})
	srv.Artifacts, srv.Addr = store, "127.0.0.1:0"
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	const path = "/api/2.0/mlflow-artifacts/artifacts/1/run/artifacts/model.bin"
	req, _ := http.NewRequest("PUT", srv.URL()+path, strings.NewReader("the old model"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("first upload: got %d", resp.StatusCode)
	}
	<-store.done

	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "PUT %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n", path, 1<<20)
	conn.Write(bytes.Repeat([]byte("new"), 100<<10))
	conn.Close()

	select {
	case err := <-store.done:
		if err == nil {
			t.Fatal("the interrupted Put succeeded")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the interrupted Put has not returned after 30 s")
	}
	dir := filepath.Join(root, "1", "run", "artifacts")
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Errorf("files after an interrupted upload: got %v, %v, want model.bin alone", entries, err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "model.bin"))
	if err != nil || string(got) != "the old model" {
		t.Errorf("after an interrupted upload: got %q, %v, want the old model", got, err)
	}
}
