//go:build !weir_serve

package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alecthomas/kong"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/predictor"
	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/serve"
	"github.com/weir-ml/weir/sqlstore"
	"github.com/weir-ml/weir/tracking"
)

const serveCSV = `age,job,balance,y
25,student,100,no
32,manager,2500,yes
47,manager,,yes
51,worker,300,no
38,worker,1200,no
62,manager,4000,yes
29,student,50,no
44,,800,yes
35,worker,900,no
58,manager,3000,yes
41,worker,700,no
53,student,2000,yes
`

// mustSaveModel fits a small GBDT predictor (trees trees) and saves it as a
// model directory at dir with an input example.
func mustSaveModel(t testing.TB, dir string, trees int) {
	t.Helper()
	f, err := frame.ReadCSV(strings.NewReader(serveCSV), frame.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	g := gbdt.NewClassifier()
	g.NEstimators, g.MinDataInLeaf, g.MinDataInBin, g.NumThreads = trees, 2, 1, 1
	p, err := predictor.Fit(context.Background(), f, "y", predictor.Spec{Model: g})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := f.Slice(0, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := mlmodel.Save(dir, p, mlmodel.Info{Example: ex}); err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a log sink read while the server writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var readyURL = regexp.MustCompile(`weir models serve ready" url=(\S+)`)

// startServe runs `weir models serve args...` (parsed by kong as the lead's
// mount will) until the test ends, and returns its URL and log.
func startServe(t *testing.T, args ...string) (string, *syncBuffer) {
	t.Helper()
	var c struct {
		Serve modelsServeCmd `cmd:""`
	}
	p, err := kong.New(&c, kong.Exit(func(int) { t.Fatal("kong exited") }))
	if err != nil {
		t.Fatal(err)
	}
	kctx, err := p.Parse(append([]string{"serve", "--port", "0"}, args...))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	g := &globals{ctx: ctx, stdout: io.Discard, stderr: logs, logger: slog.New(slog.NewTextHandler(logs, nil)), getenv: func(string) string { return "" }}
	done := make(chan error, 1)
	go func() { done <- kctx.Run(g) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := readyURL.FindStringSubmatch(logs.String()); m != nil {
			return m[1], logs
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited: %v\n%s", err, logs)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not become ready:\n%s", logs)
	return "", nil
}

func postJSON(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const serveRow = `{"dataframe_records": [{"age": 47, "job": "manager", "balance": 1200}]}`

func TestModelsServeLocalDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bank-model")
	mustSaveModel(t, dir, 10)
	logDir := t.TempDir()
	url, _ := startServe(t, "-m", dir, "--inference-log", logDir)
	code, body := postJSON(t, url+"/invocations", serveRow)
	if code != 200 || !strings.Contains(body, `"label":"yes"`) && !strings.Contains(body, `"label":"no"`) {
		t.Fatalf("POST /invocations = %d %s", code, body)
	}
	resp, err := http.Get(url + "/v2/models/bank-model")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("OIP metadata by directory name: %v %v", resp, err)
	}
	resp.Body.Close()
	code, body = postJSON(t, url+"/invocations", `{"dataframe_records": [{"age": 47, "balance": 1}]}`)
	if code != 400 || !strings.Contains(body, `\"job\"`) {
		t.Errorf("missing column = %d %s, want 400 naming job", code, body)
	}
}

func TestModelsServeRefusesBadFlags(t *testing.T) {
	for _, c := range []modelsServeCmd{
		{ModelURI: "models:/bank/1", WatchAlias: true, Port: 0},
		{ModelURI: "x", Port: 70000},
		{ModelURI: "x", Port: 0, BusyPoll: -time.Microsecond},
	} {
		g := &globals{ctx: context.Background(), stderr: io.Discard, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if err := c.Run(g); err == nil {
			t.Errorf("%+v: Run succeeded, want a usage error", c)
		}
	}
	g := &globals{ctx: context.Background(), stderr: io.Discard, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	c := modelsServeCmd{ModelURI: filepath.Join(t.TempDir(), "none"), Port: 0, RequestTimeout: time.Second, MaxBodyBytes: 1}
	if err := c.Run(g); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing model dir: %v, want an error saying it does not exist", err)
	}
}

func TestModelsServeWatchAlias(t *testing.T) {
	root := t.TempDir()
	dest := filepath.Join(root, "artifacts")
	dbURI := "sqlite:///" + filepath.Join(root, "weir.db")
	ctx := context.Background()
	db := sqlstore.NewDB(dbURI)
	db.DefaultArtifactRoot = "mlflow-artifacts:/"
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	run, err := sqlstore.NewTrackingService(db).CreateRun(ctx, tracking.RunCreate{ExperimentID: "0"})
	if err != nil {
		t.Fatal(err)
	}
	// The run's artifacts live under dest at the path of its URI.
	runDir := filepath.Join(dest, filepath.FromSlash(strings.TrimPrefix(run.Info.ArtifactURI, "mlflow-artifacts:/")))
	reg := sqlstore.NewRegistryService(db)
	if _, err := reg.CreateRegisteredModel(ctx, "bank", "", nil); err != nil {
		t.Fatal(err)
	}
	for _, v := range []struct {
		path  string
		trees int
	}{{"v1", 5}, {"v2", 20}} {
		mustSaveModel(t, filepath.Join(runDir, v.path), v.trees)
		vc := registry.VersionCreate{Name: "bank", Source: run.Info.ArtifactURI + "/" + v.path, RunID: run.Info.RunID}
		if _, err := reg.CreateModelVersion(ctx, vc); err != nil {
			t.Fatal(err)
		}
	}
	if err := reg.SetRegisteredModelAlias(ctx, "bank", "champion", "1"); err != nil {
		t.Fatal(err)
	}

	url, logs := startServe(t, "-m", "models:/bank@champion", "--watch-alias", "--watch-interval", "20ms",
		"--tracking-uri", dbURI, "--artifacts-destination", dest)
	if _, body := postJSON(t, url+"/v2/models/bank/versions/1/infer", `{"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": [47]}, {"name": "job", "shape": [1], "datatype": "BYTES", "data": ["manager"]}, {"name": "balance", "shape": [1], "datatype": "INT64", "data": [1200]}]}`); !strings.Contains(body, `"model_version":"1"`) {
		t.Fatalf("version 1 answer: %s", body)
	}
	if err := reg.SetRegisteredModelAlias(ctx, "bank", "champion", "2"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, body := postJSON(t, url+"/v2/models/bank/infer", `{"inputs": [{"name": "age", "shape": [1], "datatype": "INT64", "data": [47]}, {"name": "job", "shape": [1], "datatype": "BYTES", "data": ["manager"]}, {"name": "balance", "shape": [1], "datatype": "INT64", "data": [1200]}]}`)
		if code != 200 {
			t.Fatalf("during swap: %d %s", code, body)
		}
		if strings.Contains(body, `"model_version":"2"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the alias move was not picked up:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(root, "weir.db")); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkModelsServeLoad is the start-up work of models serve on a local
// model directory after flag parsing: read and check the model, adapt it
// and initialise the server (everything but listening). bench/serve/run.sh
// times the whole launch.
func BenchmarkModelsServeLoad(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "bank-model")
	mustSaveModel(b, dir, 100)
	b.ReportAllocs()
	for b.Loop() {
		ld := &modelLoader{}
		m, err := ld.load(context.Background(), dir, "")
		if err != nil {
			b.Fatal(err)
		}
		srv := serve.NewServer()
		srv.Model = m
		srv.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		if err := srv.Init(); err != nil {
			b.Fatal(err)
		}
		srv.Close()
	}
}
