package httpapi

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"testing"

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
