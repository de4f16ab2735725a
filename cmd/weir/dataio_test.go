//go:build !weir_serve

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weir-ml/weir/dataio"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/frame/parquet"
	"github.com/weir-ml/weir/monitor"
	"github.com/weir-ml/weir/pipeline"
)

// mustTestS3 points the data commands at the test S3 server and returns a
// fresh s3:// prefix, or skips when none is configured.
func mustTestS3(t *testing.T) string {
	t.Helper()
	endpoint, bucket := os.Getenv("WEIR_TEST_S3_ENDPOINT"), os.Getenv("WEIR_TEST_S3_BUCKET")
	if endpoint == "" || bucket == "" {
		t.Skip("no S3 server: set WEIR_TEST_S3_ENDPOINT and WEIR_TEST_S3_BUCKET (and AWS credentials); " +
			`eval "$(tests/s3/versitygw.sh start DIR PORT)" starts one`)
	}
	t.Setenv("WEIR_S3_ENDPOINT_URL", endpoint)
	t.Setenv("WEIR_S3_PATH_STYLE", "true")
	return fmt.Sprintf("s3://%s/cmd-test/%s/%x", bucket, t.Name(), rand.Uint64())
}

// reportJSON runs monitor report over current and returns its report.
func reportJSON(t *testing.T, model, ref, current string) *monitor.Report {
	t.Helper()
	out := t.TempDir()
	if _, err := runMain(t, context.Background(), "monitor", "report", "-m", model, "--current", current, "--reference", ref,
		"--no-log", "--out", out, "--window", "1h"); err != nil {
		t.Fatalf("report over %s: %v", current, err)
	}
	b, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep monitor.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	return &rep
}

// TestInferenceLogReplicasOnS3 runs two scoring processes logging to one
// s3:// prefix at once, then checks that a report over the prefix equals a
// report over the union of their rows gathered into one local file.
func TestInferenceLogReplicasOnS3(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two scoring processes")
	}
	for _, format := range []string{"jsonl", "parquet"} {
		t.Run(format, func(t *testing.T) { checkReplicasOnS3(t, format) })
	}
}

// segmentLines returns a segment's rows as inference-log JSON lines: a
// Parquet segment read back through monitor.PredictionsFromFrame.
func segmentLines(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	if !strings.HasSuffix(name, ".parquet") {
		return data
	}
	f, err := parquet.ReadBytes(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	preds, err := monitor.PredictionsFromFrame(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var out []byte
	for _, p := range preds {
		line, err := json.Marshal(map[string]any{"request_id": p.RequestID, "timestamp": p.Time, "model_name": p.Model,
			"model_version": p.Version, "row": p.Row, "inputs": p.Inputs, "outputs": map[string]any{"probability": p.Score}})
		if err != nil {
			t.Fatal(err)
		}
		out = append(append(out, line...), '\n')
	}
	return out
}

func checkReplicasOnS3(t *testing.T, format string) {
	prefix := mustTestS3(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	mustSaveModel(t, model, 3)
	ref := filepath.Join(dir, "ref.csv")
	mustMonitorCSV(t, ref, 300, false, 5)
	args := []string{"models", "serve", "-m", model, "--inference-log", prefix, "--inference-log-flush", "200ms", "--inference-log-segment", "2048",
		"--inference-log-format", format}
	a, b := startWeir(t, t.TempDir(), args...), startWeir(t, t.TempDir(), args...)
	var wg sync.WaitGroup
	for k, p := range []*weirProcess{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				body := fmt.Sprintf("age,job,balance\n%d,%s,%d\n%d,worker,%d\n", 20+i, []string{"manager", "student"}[k], 100*i, 60-i, 50*i)
				p.score(t, fmt.Sprintf("r%d-%d", k, i), body)
			}
		}()
	}
	wg.Wait()
	a.stop(t)
	b.stop(t)

	st := dataStorage()
	l, _ := dataio.Parse(prefix)
	objs, err := st.List(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	replicas := map[string]bool{}
	var union []byte
	for _, o := range objs {
		parts := strings.Split(o.Loc.Name(), "-")
		replicas[parts[1]] = true
		if !strings.HasSuffix(o.Loc.Name(), "."+format) {
			t.Errorf("segment %s is not .%s", o.Loc, format)
		}
		data, err := st.ReadAll(context.Background(), o.Loc)
		if err != nil {
			t.Fatal(err)
		}
		union = append(union, segmentLines(t, o.Loc.Name(), data)...)
	}
	if len(replicas) != 2 || len(objs) < 4 {
		t.Errorf("got %d segments from %d replicas, want several from 2", len(objs), len(replicas))
	}
	if got, want := strings.Count(string(union), "\n"), 2*40*2; got != want {
		t.Fatalf("got %d logged rows, want %d", got, want)
	}
	local := filepath.Join(dir, "union.jsonl")
	if err := os.WriteFile(local, union, 0o644); err != nil {
		t.Fatal(err)
	}
	checkReplicaProfilesMerge(t, prefix)
	fromS3, fromUnion := reportJSON(t, model, ref, prefix), reportJSON(t, model, ref, local)
	if got, want := len(fromS3.Drift.Columns), len(fromUnion.Drift.Columns); got != want || got == 0 {
		t.Fatalf("drift columns: got %d, want %d (and some)", got, want)
	}
	for i, c := range fromUnion.Drift.Columns {
		g := fromS3.Drift.Columns[i]
		if g.Column != c.Column || g.Score != c.Score || g.Drifted != c.Drifted {
			t.Errorf("drift of %s: got %v (drifted %v), want %v (drifted %v)", c.Column, g.Score, g.Drifted, c.Score, c.Drifted)
		}
	}
	gw, _ := json.Marshal(fromS3.Windows)
	ww, _ := json.Marshal(fromUnion.Windows)
	if string(gw) != string(ww) {
		t.Errorf("windows differ:\ngot  %s\nwant %s", gw, ww)
	}
}

// TestDataErrorsOnS3 checks the exit codes: storage failures (a missing
// key, a missing bucket) are runtime errors naming the URL, an unknown
// extension is the caller's mistake.
func TestDataErrorsOnS3(t *testing.T) {
	prefix := mustTestS3(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	mustSaveModel(t, model, 3)
	ref := filepath.Join(dir, "ref.csv")
	mustMonitorCSV(t, ref, 100, false, 5)
	bucket := os.Getenv("WEIR_TEST_S3_BUCKET")
	for _, tc := range []struct {
		current string
		usage   bool
	}{
		{prefix + "/missing.parquet", false},
		{prefix + "/missing.jsonl", false},
		{prefix, false}, // nothing under the prefix
		{strings.Replace(prefix, bucket, "weir-no-such-bucket", 1) + "/x.csv", false},
		{prefix + "/data.xlsx", true},
	} {
		_, err := runMain(t, context.Background(), "monitor", "report", "-m", model, "--current", tc.current, "--reference", ref, "--no-log", "--out", dir)
		var ue *usageError
		switch {
		case err == nil:
			t.Errorf("%s: no error", tc.current)
		case errors.As(err, &ue) != tc.usage:
			t.Errorf("%s: got %v (usage error %v), want usage error %v", tc.current, err, errors.As(err, &ue), tc.usage)
		case !tc.usage && !strings.Contains(err.Error(), strings.TrimSuffix(tc.current, "/x.csv")):
			t.Errorf("%s: error %q does not name the URL", tc.current, err)
		}
		if s := os.Getenv("AWS_SECRET_ACCESS_KEY"); err != nil && s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("%s: the error shows the secret key", tc.current)
		}
	}
}

// TestMonitorLabelsOnS3 reads labels and a log from S3, with a time window
// that also skips a segment uploaded before it (a malformed one, which
// would fail the command if it were read).
func TestMonitorLabelsOnS3(t *testing.T) {
	prefix := mustTestS3(t)
	dir := t.TempDir()
	ctx := context.Background()
	st := dataStorage()
	local := filepath.Join(dir, "log.jsonl")
	ids := mustInferenceLog(t, local, 40) // 2026-01-01 00:00 to 00:39
	put := func(name string, data []byte) {
		t.Helper()
		l, err := dataio.Parse(prefix + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.PutBytes(ctx, l, data); err != nil {
			t.Fatal(err)
		}
	}
	logData, _ := os.ReadFile(local)
	uploaded := time.Date(2026, 1, 1, 0, 40, 0, 0, time.UTC)
	put(fmt.Sprintf("log/2026/01/01/%019d-replica_a-000001.jsonl", uploaded.UnixNano()), logData)
	early := time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	put(fmt.Sprintf("log/2025/12/31/%019d-replica_b-000001.jsonl", early.UnixNano()), []byte("not json\n"))
	var b strings.Builder
	b.WriteString("request_id,row,label\n")
	for i, id := range ids {
		fmt.Fprintf(&b, "%s,0,%d\n", id, i%2)
	}
	put("labels.csv", []byte(b.String()))

	out, err := runMain(t, ctx, "monitor", "labels", "--file", prefix+"/labels.csv", "--log", prefix+"/log",
		"--since", "2026-01-01T00:10:00Z", "--until", "2026-01-01T00:30:00Z", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Predictions, Labelled int }
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if got.Predictions != 20 || got.Labelled != 20 {
		t.Errorf("got %d predictions, %d labelled, want the 20 of 00:10 to 00:29", got.Predictions, got.Labelled)
	}
	// Without --since the malformed early segment is read, and named.
	_, err = runMain(t, ctx, "monitor", "labels", "--file", prefix+"/labels.csv", "--log", prefix+"/log")
	if err == nil || !strings.Contains(err.Error(), "replica_b") {
		t.Errorf("reading every segment: got %v, want an error naming the malformed one", err)
	}
}

// TestMonitorReportParquetCurrent scores a Parquet copy of a CSV and gets
// the CSV's report.
func TestMonitorReportParquetCurrent(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	mustSaveModel(t, model, 3)
	ref, cur := filepath.Join(dir, "ref.csv"), filepath.Join(dir, "cur.csv")
	mustMonitorCSV(t, ref, 300, false, 5)
	mustMonitorCSV(t, cur, 300, true, 6)
	st := dataStorage()
	curLoc, _ := dataio.Parse(cur)
	f, err := st.ReadFrame(context.Background(), curLoc, frame.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pq, _ := dataio.Parse(filepath.Join(dir, "cur.parquet"))
	if err := st.WriteFrame(context.Background(), pq, f); err != nil {
		t.Fatal(err)
	}
	fromCSV, fromParquet := reportJSON(t, model, ref, cur), reportJSON(t, model, ref, pq.Raw)
	if len(fromCSV.Drift.Columns) == 0 || len(fromParquet.Drift.Columns) != len(fromCSV.Drift.Columns) {
		t.Fatalf("drift columns: got %d, want %d", len(fromParquet.Drift.Columns), len(fromCSV.Drift.Columns))
	}
	for i, c := range fromCSV.Drift.Columns {
		if g := fromParquet.Drift.Columns[i]; g.Column != c.Column || g.Score != c.Score {
			t.Errorf("drift of %s: got %v, want %v", c.Column, g.Score, c.Score)
		}
	}
	gw, _ := json.Marshal(fromParquet.Windows)
	ww, _ := json.Marshal(fromCSV.Windows)
	if string(gw) != string(ww) {
		t.Errorf("windows differ:\ngot  %s\nwant %s", gw, ww)
	}
	// An unknown extension is the caller's mistake: exit code 2.
	odd := filepath.Join(dir, "cur.xlsx")
	os.WriteFile(odd, []byte("PAR1"), 0o644)
	var ue *usageError
	if _, err := runMain(t, context.Background(), "monitor", "report", "-m", model, "--current", odd, "--reference", ref, "--no-log", "--out", dir); !errors.As(err, &ue) {
		t.Errorf("unknown extension: got %v, want a usage error", err)
	}
}

// TestFetchPipelineDataS3 copies an s3:// data.path into the state
// directory and points the spec at the copy.
func TestFetchPipelineDataS3(t *testing.T) {
	prefix := mustTestS3(t)
	ctx := context.Background()
	l, _ := dataio.Parse(prefix + "/bank.parquet")
	f := mustFrameCSV(t, "age,job,y\n30,admin.,no\n41,,yes\n")
	if err := dataStorage().WriteFrame(ctx, l, f); err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	spec := &pipeline.Spec{}
	spec.Data.Path = l.Raw
	if err := fetchPipelineData(ctx, spec, state); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(spec.Data.Path, state) || !strings.HasSuffix(spec.Data.Path, "bank.parquet") {
		t.Fatalf("data.path is now %s, want a copy under %s", spec.Data.Path, state)
	}
	local, _ := dataio.Parse(spec.Data.Path)
	got, err := dataStorage().ReadFrame(ctx, local, frame.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if g, w := got.Schema().String(), f.Schema().String(); g != w || got.NumRows() != 2 {
		t.Errorf("copy: got %s with %d rows, want %s with 2", g, got.NumRows(), w)
	}
	spec.Data.Path = prefix + "/missing.csv"
	if err := fetchPipelineData(ctx, spec, state); err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Errorf("missing object: got %v, want an error naming it", err)
	}
}

func mustFrameCSV(t *testing.T, csv string) *frame.Frame {
	t.Helper()
	f, err := frame.ReadCSV(strings.NewReader(csv), frame.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestReadDataFileParquet checks that a Parquet copy of a CSV file reads
// as the same pipeline data: same columns, kinds and content digest.
func TestReadDataFileParquet(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "d.csv")
	os.WriteFile(csvPath, []byte("age,job,balance,y\n30,admin.,1.5,no\n41,,-2,yes\n52,technician,,no\n"), 0o644)
	want, err := readDataFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	pq, _ := dataio.Parse(filepath.Join(dir, "d.parquet"))
	if err := dataStorage().WriteFrame(context.Background(), pq, want); err != nil {
		t.Fatal(err)
	}
	got, err := readDataFile(pq.Raw)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := got.Schema().String(), want.Schema().String(); g != w {
		t.Errorf("schema: got %s, want %s", g, w)
	}
	if g, w := frame.Digest(got), frame.Digest(want); g != w {
		t.Errorf("digest: got %s, want %s", g, w)
	}
}

// TestPipelineRunParquetOnS3 runs a pipeline whose data is a Parquet object
// in S3, and checks the exit codes of a missing object (1) and an unknown
// extension (2).
func TestPipelineRunParquetOnS3(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a pipeline")
	}
	prefix := mustTestS3(t)
	ctx := context.Background()
	dir := t.TempDir()
	csv := filepath.Join(dir, "table.csv")
	mustPipelineCSV(t, csv)
	spec := mustPipelineSpec(t, dir, csv, "seed: 42", "seed: 42")
	f, err := readDataFile(csv)
	if err != nil {
		t.Fatal(err)
	}
	obj, _ := dataio.Parse(prefix + "/table.parquet")
	if err := dataStorage().WriteFrame(ctx, obj, f); err != nil {
		t.Fatal(err)
	}
	local := []string{"--tracking-uri", "sqlite:///" + filepath.Join(dir, "weir.db"), "--artifacts-destination", filepath.Join(dir, "artifacts"),
		"--no-image", "--state-dir", filepath.Join(dir, "state")}
	run := func(data string) (int, string) {
		code, msg, _ := runExit(t, ctx, append([]string{"pipeline", "run", spec, "--data", data}, local...)...)
		return code, msg
	}
	if code, msg := run(obj.Raw); code != 0 {
		t.Fatalf("pipeline on %s: exit %d: %s", obj, code, msg)
	}
	if code, msg := run(prefix + "/missing.parquet"); code != 1 || !strings.Contains(msg, "missing.parquet") {
		t.Errorf("missing object: exit %d %q, want 1 naming it", code, msg)
	}
	if code, msg := run(prefix + "/table.xlsx"); code != 2 || !strings.Contains(msg, "table.xlsx") {
		t.Errorf("unknown extension: exit %d %q, want 2 naming it", code, msg)
	}
}

// TestInferenceLogCrashOnS3 kills a scoring process with SIGKILL after its
// flush interval: the rows scored before the last flush are in S3, which
// is what docs/monitoring.md promises a crash keeps.
func TestInferenceLogCrashOnS3(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a scoring process")
	}
	prefix := mustTestS3(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	mustSaveModel(t, model, 3)
	p := startWeir(t, t.TempDir(), "models", "serve", "-m", model, "--inference-log", prefix, "--inference-log-flush", "100ms")
	for i := range 10 {
		p.score(t, fmt.Sprintf("c-%d", i), fmt.Sprintf("age,job,balance\n%d,manager,%d\n", 30+i, 10*i))
	}
	st := dataStorage()
	l, _ := dataio.Parse(prefix)
	deadline := time.Now().Add(30 * time.Second)
	rows := 0
	for rows < 10 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		rows = 0
		objs, err := st.List(context.Background(), l)
		if err != nil {
			continue // nothing uploaded yet
		}
		for _, o := range objs {
			b, err := st.ReadAll(context.Background(), o.Loc)
			if err != nil {
				t.Fatal(err)
			}
			rows += strings.Count(string(b), "\n")
		}
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.done
	p.done <- nil
	if rows != 10 {
		t.Fatalf("%d of 10 rows in S3 before the kill, want all within a few flush intervals", rows)
	}
	preds, err := readInferenceLogs(prefix, logWindow{})
	if err != nil {
		t.Fatal(err)
	}
	if len(preds) != 10 {
		t.Errorf("after SIGKILL: %d rows readable, want 10", len(preds))
	}
}

// checkReplicaProfilesMerge profiles each replica's rows on its own, ships
// the profiles as JSON, merges them and compares with the profile of all
// rows: replicas can summarise their own traffic and a monitor add up
// the summaries.
func checkReplicaProfilesMerge(t *testing.T, prefix string) {
	t.Helper()
	ctx := context.Background()
	st := dataStorage()
	l, _ := dataio.Parse(prefix)
	objs, err := st.List(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	byReplica := map[string][]monitor.Prediction{}
	var all []monitor.Prediction
	for _, o := range objs {
		preds, err := readInferenceSegments(ctx, st, o.Loc, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		replica := strings.Split(o.Loc.Name(), "-")[1]
		byReplica[replica] = append(byReplica[replica], preds...)
		all = append(all, preds...)
	}
	profile := func(preds []monitor.Prediction) *monitor.Profile {
		f, err := monitor.InputsFrame(preds, predictionCol)
		if err != nil {
			t.Fatal(err)
		}
		p, err := monitor.NewProfile(f, monitor.ProfileOptions{Prediction: predictionCol})
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		p, err = monitor.ReadProfile(b)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	var merged *monitor.Profile
	for _, preds := range byReplica {
		p := profile(preds)
		if merged == nil {
			merged = p
		} else if err := merged.Merge(p); err != nil {
			t.Fatal(err)
		}
	}
	whole := profile(all)
	if merged.Rows != whole.Rows || len(merged.Columns) != len(whole.Columns) {
		t.Fatalf("merged profile: %d rows, %d columns, want %d, %d", merged.Rows, len(merged.Columns), whole.Rows, len(whole.Columns))
	}
	for i, w := range append(whole.Columns, whole.Prediction) {
		g := append(merged.Columns, merged.Prediction)[i]
		// Sums are added in another order: equal to 1e-9 relative.
		if g.Name != w.Name || g.Count != w.Count || g.Missing != w.Missing ||
			math.Abs(g.Sum-w.Sum) > 1e-9*math.Abs(w.Sum) || !reflect.DeepEqual(g.Frequencies, w.Frequencies) {
			t.Errorf("merged profile of %s: count %d, missing %d, sum %v, want %d, %d, %v", w.Name, g.Count, g.Missing, g.Sum, w.Count, w.Missing, w.Sum)
		}
	}
}
