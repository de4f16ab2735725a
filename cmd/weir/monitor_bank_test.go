//go:build !weir_serve

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/predictor"
	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/monitor"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// Rows of each year in the bank-marketing data (its README), in time order.
const bankEnd2008, bankEnd2009 = 27729, 42591

// bankYears reads the bank data without duration (it leaks the target)
// and writes each year as a CSV in dir.
func bankYears(t *testing.T, dir string) (y2008, y2009, y2010 *frame.Frame, paths [3]string) {
	t.Helper()
	path := os.Getenv("WEIR_BANK_DATA")
	if path == "" {
		path = filepath.Join("..", "..", "..", "shared", "data", "bank-marketing", "bank-full.csv")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("bank-marketing data not found at %s (set WEIR_BANK_DATA): %v", path, err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	// Drop the duration column (index 11) from every line, header included.
	for i, l := range lines {
		f := strings.Split(strings.TrimRight(l, "\r"), ",")
		lines[i] = strings.Join(append(f[:11:11], f[12:]...), ",")
	}
	head := lines[0] + "\n"
	rows := lines[1:]
	var frames [3]*frame.Frame
	for i, part := range [][]string{rows[:bankEnd2008], rows[bankEnd2008:bankEnd2009], rows[bankEnd2009:]} {
		paths[i] = filepath.Join(dir, fmt.Sprintf("bank-%d.csv", 2008+i))
		body := head + strings.Join(part, "\n") + "\n"
		if err := os.WriteFile(paths[i], []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if frames[i], err = frame.ReadCSV(strings.NewReader(body), frame.CSVOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return frames[0], frames[1], frames[2], paths
}

// TestBankScenario is issue #6 end to end: a model trained on 2008 serves
// 2009 and 2010 with an inference log; labels are joined; the report flags
// contact, poutcome and the target; a retrained challenger beats the
// champion on 2010 and takes the alias.
func TestBankScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on the bank data")
	}
	dir := t.TempDir()
	y2008, y2009, y2010, paths := bankYears(t, dir)
	ctx := context.Background()
	flags := trackingFlags{TrackingURI: "sqlite:///" + filepath.Join(dir, "weir.db"), ArtifactsDestination: filepath.Join(dir, "artifacts")}

	// The champion: GBDT on 2008, saved with its reference profile.
	g := gbdt.NewClassifier()
	g.NEstimators, g.NumThreads = 60, 1
	p, err := predictor.Fit(ctx, y2008, "y", predictor.Spec{Model: g})
	if err != nil {
		t.Fatal(err)
	}
	modelDir := filepath.Join(dir, "model")
	ex, _ := y2008.Slice(0, 3)
	if err := mlmodel.Save(modelDir, p, mlmodel.Info{Example: ex}); err != nil {
		t.Fatal(err)
	}
	if err := writeReferenceProfile(modelDir, p, y2008, "y"); err != nil {
		t.Fatal(err)
	}
	mustRegister(t, flags, modelDir, "bank")

	// Serve 2009 and 2010 through the real weir models serve process with
	// an inference log, 500 rows a request.
	logDir := filepath.Join(dir, "log")
	common := []string{"--tracking-uri", flags.TrackingURI, "--artifacts-destination", flags.ArtifactsDestination}
	srv := startWeir(t, dir, append([]string{"models", "serve", "-m", "models:/bank@champion", "--inference-log", logDir}, common...)...)
	// The labels carry each row's contact date: the year from the row's
	// position (the data's README), month and day from its columns. The
	// serving time of a replay says nothing about when the contacts were
	// made, so the report places rows by these dates to cut quarters.
	var labels strings.Builder
	labels.WriteString("request_id,row,label,time\n")
	for i, path := range paths[1:] {
		raw, _ := os.ReadFile(path)
		lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
		head := strings.Split(lines[0], ",")
		day, month := slices.Index(head, "day"), slices.Index(head, "month")
		for k, req := 1, 0; k < len(lines); k, req = k+500, req+1 {
			chunk := lines[k:min(k+500, len(lines))]
			id := fmt.Sprintf("y%d-%d", 2009+i, req)
			srv.score(t, id, lines[0]+"\n"+strings.Join(chunk, "\n"))
			for row, l := range chunk {
				f := strings.Split(l, ",")
				date, err := time.Parse("2006-Jan-2", fmt.Sprintf("%d-%s-%s", 2009+i, f[month], f[day]))
				if err != nil {
					t.Fatalf("%s row %d: %v", id, row, err)
				}
				fmt.Fprintf(&labels, "%s,%d,%s,%s\n", id, row, f[len(f)-1], date.Format(time.DateOnly))
			}
		}
	}
	// SIGTERM, as a container runtime stops it: the graceful shutdown must
	// flush the inference log.
	srv.stop(t)
	labelsPath := filepath.Join(dir, "labels.csv")
	os.WriteFile(labelsPath, []byte(labels.String()), 0o644)

	out, err := runMain(t, ctx, "monitor", "labels", "--file", labelsPath, "--log", logDir, "--out", filepath.Join(dir, "joined.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%s of %[1]s predictions labelled", monitor.Thousands(y2009.NumRows()+y2010.NumRows())); !strings.Contains(out, want) {
		t.Errorf("labels output %q, want %q", out, want)
	}

	// The report, against the profile saved with the registered model.
	rules := filepath.Join(dir, "rules.json")
	os.WriteFile(rules, []byte(`{"rules": [
		{"name": "contact", "kind": "feature", "column": "contact"},
		{"name": "poutcome", "kind": "feature", "column": "poutcome"},
		{"name": "target", "kind": "target"}]}`), 0o644)
	report := filepath.Join(dir, "report")
	_, err = runMain(t, ctx, append([]string{"monitor", "report", "-m", "models:/bank@champion", "--current", logDir,
		"--labels", labelsPath, "--window", "quarter", "--rules", rules, "--out", report}, common...)...)
	var fired *alertsFired
	if !errors.As(err, &fired) || len(fired.alerts) != 3 {
		t.Fatalf("report: %v, want the 3 rules fired", err)
	}
	var rep monitor.Report
	raw, _ := os.ReadFile(filepath.Join(report, "report.json"))
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	t.Logf("drift share %.3f, target rate %.3f -> %.3f", rep.Drift.Share, float64(rep.ReferenceTargetRate), float64(rep.CurrentTargetRate))
	for _, col := range []string{"contact", "poutcome"} {
		if c := driftOf(rep.Drift, col); c == nil || !c.Drifted {
			t.Errorf("column %s: %+v, want drifted", col, c)
		}
	}
	if rep.Drift.Target == nil || !rep.Drift.Target.Drifted {
		t.Errorf("target drift %+v, want drifted", rep.Drift.Target)
	}
	html, err := os.ReadFile(filepath.Join(report, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	checkQuarters(t, rep.Windows, string(html), y2009.NumRows()+y2010.NumRows())

	// Retrain on 2009, judge on 2010.
	out, err = runMain(t, ctx, append([]string{"monitor", "retrain", "-m", "models:/bank@champion", "--data", paths[1], "--eval", paths[2],
		"--rules", rules, "--margin", "0.01"}, common...)...)
	if err != nil {
		t.Fatal(err)
	}
	var o retrainOutcome
	if err := json.Unmarshal([]byte(out), &o); err != nil {
		t.Fatal(err)
	}
	t.Logf("retrain: %s", o.Reason)
	if o.Decision == nil || !o.Decision.Promote || len(o.Alerts) == 0 {
		t.Fatalf("retrain outcome %+v, want a promotion after alerts", o)
	}
	bk, err := flags.openBackend(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer bk.close()
	mv, err := bk.registry.GetModelVersionByAlias(ctx, "bank", "champion")
	if err != nil || mv.Version != o.ChallengerVersion {
		t.Errorf("champion alias on %+v (%v), want version %s", mv, err, o.ChallengerVersion)
	}
	// The new champion carries the profile of its training data: the next
	// report needs no --reference either.
	out, err = runMain(t, ctx, append([]string{"monitor", "report", "-m", "models:/bank@champion", "--current", paths[2],
		"--no-log", "--out", filepath.Join(dir, "report-after")}, common...)...)
	if err != nil {
		t.Fatalf("report on the promoted champion: %v", err)
	}
	t.Logf("after promotion: %s", strings.TrimSpace(out))
}

// weirProcess is a weir command running as its own process: the test
// binary run again with WEIR_TEST_MAIN_ARGS, which TestHelperWeirMain turns
// into weir's main(), signal handling and exit code included.
type weirProcess struct {
	cmd  *exec.Cmd
	url  string
	out  string // the process's stdout and stderr
	done chan error
}

// TestHelperWeirMain is not a test: it runs weir's main() when a test
// starts this binary with WEIR_TEST_MAIN_ARGS set.
func TestHelperWeirMain(t *testing.T) {
	raw := os.Getenv("WEIR_TEST_MAIN_ARGS")
	if raw == "" {
		t.Skip("runs weir's main() for tests that start it as a process")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	os.Args = append([]string{"weir"}, args...)
	main()
}

// startWeir starts weir with args plus --port on a free port and waits
// until it answers /ping.
func startWeir(t *testing.T, dir string, args ...string) *weirProcess {
	t.Helper()
	port := freePort(t)
	args = append(args, "--port", strconv.Itoa(port))
	raw, _ := json.Marshal(args)
	p := &weirProcess{url: "http://127.0.0.1:" + strconv.Itoa(port), out: filepath.Join(dir, "weir-process.log"), done: make(chan error, 1)}
	out, err := os.Create(p.out)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	p.cmd = exec.Command(os.Args[0], "-test.run=^TestHelperWeirMain$")
	p.cmd.Env = append(os.Environ(), "WEIR_TEST_MAIN_ARGS="+string(raw))
	p.cmd.Stdout, p.cmd.Stderr = out, out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("weir %v exited before answering /ping: %v\n%s", args, err, p.log())
		default:
		}
		if resp, err := http.Get(p.url + "/ping"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
	}
	t.Fatalf("weir %v did not answer /ping in 2 minutes\n%s", args, p.log())
	return nil
}

func (p *weirProcess) log() string {
	b, _ := os.ReadFile(p.out)
	return string(b)
}

// score posts a CSV body to /invocations under a request id.
func (p *weirProcess) score(t *testing.T, id, body string) {
	t.Helper()
	req, err := http.NewRequest("POST", p.url+"/invocations", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("X-Request-Id", id)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("scoring %s: %v", id, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scoring %s: %d %s", id, resp.StatusCode, b)
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (p *weirProcess) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("weir after SIGTERM: %v\n%s", err, p.log())
		}
	case <-time.After(time.Minute):
		t.Fatalf("weir still running a minute after SIGTERM\n%s", p.log())
	}
}

// checkQuarters checks that the report shows the champion's measured ROC
// AUC for each quarter of 2009 and 2010, in report.json and in the HTML.
func checkQuarters(t *testing.T, ws []monitor.WindowPerformance, html string, rows int) {
	t.Helper()
	var starts []string
	total := 0
	for _, w := range ws {
		starts = append(starts, w.Start.Format(time.DateOnly))
		total += w.Rows
		auc := float64(w.ROCAUC)
		if w.Labelled != w.Rows || math.IsNaN(auc) || auc < 0 || auc > 1 {
			t.Errorf("quarter %s: %d of %d rows labelled, ROC AUC %v; want all labelled and an AUC", w.Start, w.Labelled, w.Rows, auc)
		}
		if !w.End.Equal(w.Start.AddDate(0, 3, 0)) {
			t.Errorf("window %s..%s is not a quarter", w.Start, w.End)
		}
		quarter := fmt.Sprintf("%d Q%d", w.Start.Year(), (int(w.Start.Month())+2)/3)
		if w.Label != quarter {
			t.Errorf("window from %s is labelled %q, want %q", w.Start, w.Label, quarter)
		}
		row := fmt.Sprintf("<tr><td class=\"w\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>",
			quarter, monitor.Thousands(w.Rows), monitor.Thousands(w.Labelled), strconv.FormatFloat(auc, 'g', 4, 64))
		if !strings.Contains(html, row) {
			t.Errorf("report.html lacks the row %s", row)
		}
		t.Logf("quarter from %s: %5d rows, positive rate %.3f, champion ROC AUC %.4f", w.Start.Format(time.DateOnly), w.Rows, float64(w.PositiveRate), auc)
	}
	want := []string{"2009-01-01", "2009-04-01", "2009-07-01", "2009-10-01", "2010-01-01", "2010-04-01", "2010-07-01", "2010-10-01"}
	if !slices.Equal(starts, want) || total != rows {
		t.Errorf("windows start %v over %d rows, want the quarters %v over %d", starts, total, want, rows)
	}
}

func driftOf(d *monitor.DatasetDrift, column string) *monitor.ColumnDrift {
	for i := range d.Columns {
		if d.Columns[i].Column == column {
			return &d.Columns[i]
		}
	}
	return nil
}

// mustRegister logs a model directory and registers it as version 1 of
// name with the champion alias.
func mustRegister(t *testing.T, flags trackingFlags, dir, name string) {
	t.Helper()
	ctx := context.Background()
	b, err := flags.openBackend(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	run, err := b.tracking.CreateRun(ctx, tracking.RunCreate{})
	if err != nil {
		t.Fatal(err)
	}
	lm, err := mlmodel.Log(ctx, dir, run.Info.RunID, "model", mlmodel.Sinks{Runs: b.tracking, LoggedModels: b.loggedModels, Artifacts: b.artifacts})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.registry.CreateRegisteredModel(ctx, name, "", nil); err != nil {
		t.Fatal(err)
	}
	mv, err := b.registry.CreateModelVersion(ctx, registry.VersionCreate{Name: name, Source: "models:/" + lm.ModelID, RunID: run.Info.RunID, ModelID: lm.ModelID})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.registry.SetRegisteredModelAlias(ctx, name, "champion", mv.Version); err != nil {
		t.Fatal(err)
	}
}
