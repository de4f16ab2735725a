//go:build !weir_serve

package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir/dataio"
)

// segmentNameRE is serve.SegmentName's shape under the log's prefix.
var segmentNameRE = regexp.MustCompile(`/\d{4}/\d{2}/\d{2}/\d{19}-[A-Za-z0-9._]+_\d+_[0-9a-f]{8}-\d{6}\.jsonl$`)

// TestServeBuildInferenceLogOnS3 runs the static serving build, the one in
// the images build-image makes, with an s3:// inference log; scores rows;
// stops it with SIGTERM; and reads the segments back with the full build:
// every row is there, in segments named as the full build names them, and
// monitor report over them finds the same drift as over the full build's
// log of the same requests.
func TestServeBuildInferenceLogOnS3(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a weir binary and starts two scoring processes")
	}
	slimPrefix := mustTestS3(t)
	fullPrefix := slimPrefix + "-full"
	bin := mustServeBuild(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	mustSaveModel(t, model, 3)
	ref := filepath.Join(dir, "ref.csv")
	mustMonitorCSV(t, ref, 300, false, 5)
	args := func(prefix string) []string {
		return []string{"models", "serve", "-m", model, "--inference-log", prefix, "--inference-log-flush", "200ms", "--inference-log-segment", "2048"}
	}
	slim := startServeBinary(t, bin, args(slimPrefix)...)
	full := startWeir(t, t.TempDir(), args(fullPrefix)...)
	const requests = 40
	for _, p := range []*weirProcess{slim, full} {
		for i := range requests {
			p.score(t, fmt.Sprintf("r-%d", i), fmt.Sprintf("age,job,balance\n%d,manager,%d\n%d,student,%d\n", 20+i, 100*i, 60-i, 50*i))
		}
	}
	slim.stop(t)
	full.stop(t)

	st := dataStorage()
	l, _ := dataio.Parse(slimPrefix)
	objs, err := st.List(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, o := range objs {
		if !segmentNameRE.MatchString(o.Loc.Key) {
			t.Errorf("segment %s is not named as serve.SegmentName names them", o.Loc)
		}
		b, err := st.ReadAll(context.Background(), o.Loc)
		if err != nil {
			t.Fatal(err)
		}
		rows += strings.Count(string(b), "\n")
	}
	if got, want := rows, 2*requests; got != want || len(objs) < 2 {
		t.Fatalf("the serving build logged %d rows in %d segments, want %d rows in several", got, len(objs), want)
	}
	fromSlim, fromFull := reportJSON(t, model, ref, slimPrefix), reportJSON(t, model, ref, fullPrefix)
	if got, want := len(fromSlim.Drift.Columns), len(fromFull.Drift.Columns); got != want || got == 0 {
		t.Fatalf("drift columns: got %d, want %d (and some)", got, want)
	}
	for i, c := range fromFull.Drift.Columns {
		g := fromSlim.Drift.Columns[i]
		if g.Column != c.Column || g.Score != c.Score || g.Drifted != c.Drifted {
			t.Errorf("drift of %s: serving build's log %v (drifted %v), full build's %v (drifted %v)", c.Column, g.Score, g.Drifted, c.Score, c.Drifted)
		}
	}
}

// TestServeBuildInferenceLogErrors checks that the serving build stops at
// start, with one line naming what is wrong, on a missing bucket (exit 1)
// and on the Parquet format it leaves out (exit 2).
func TestServeBuildInferenceLogErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a weir binary")
	}
	prefix := mustTestS3(t)
	bin := mustServeBuild(t)
	model := filepath.Join(t.TempDir(), "model")
	mustSaveModel(t, model, 3)
	for _, tt := range []struct {
		name     string
		args     []string
		env      []string
		wantCode int
		want     []string
	}{
		{"missing bucket", []string{"--inference-log", "s3://weir-no-such-bucket/logs"}, nil, 1, []string{"--inference-log s3://weir-no-such-bucket/logs", "404", "no such bucket"}},
		{"parquet", []string{"--inference-log", prefix, "--inference-log-format", "parquet"}, nil, 2, []string{"serving build", "JSON lines"}},
		{"no credentials", []string{"--inference-log", prefix}, []string{"AWS_ACCESS_KEY_ID="}, 2, []string{"AWS_ACCESS_KEY_ID"}},
		{"wrong secret", []string{"--inference-log", prefix}, []string{"AWS_SECRET_ACCESS_KEY=not-the-secret"}, 1, []string{"--inference-log " + prefix, "403", "AWS_SECRET_ACCESS_KEY"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, append([]string{"models", "serve", "-m", model, "--port", "0"}, tt.args...)...)
			cmd.Env = append(os.Environ(), tt.env...)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != tt.wantCode {
				t.Fatalf("exit %v, want %d; output %s", err, tt.wantCode, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output %q does not say %q", out, w)
				}
			}
			if strings.Contains(string(out), "not-the-secret") || strings.Contains(string(out), os.Getenv("AWS_SECRET_ACCESS_KEY")) {
				t.Errorf("output %q shows the secret key", out)
			}
		})
	}
}

// startServeBinary runs bin (a weir binary) with args and a free --port
// until the test ends, as startWeir runs this test binary's main.
func startServeBinary(t *testing.T, bin string, args ...string) *weirProcess {
	t.Helper()
	port := freePort(t)
	p := &weirProcess{url: "http://127.0.0.1:" + strconv.Itoa(port), out: filepath.Join(t.TempDir(), "weir-process.log"), done: make(chan error, 1)}
	out, err := os.Create(p.out)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	p.cmd = exec.Command(bin, append(args, "--port", strconv.Itoa(port))...)
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
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("%s exited before answering /ping: %v\n%s", bin, err, p.log())
		default:
		}
		if resp, err := http.Get(p.url + "/ping"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
	}
	t.Fatalf("%s did not answer /ping in a minute\n%s", bin, p.log())
	return nil
}
