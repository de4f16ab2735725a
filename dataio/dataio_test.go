package dataio

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/s3"
)

// mustS3 returns storage on the test S3 server and a fresh prefix in its
// bucket, or skips when none is configured.
func mustS3(t *testing.T) (*Storage, Location) {
	t.Helper()
	endpoint, bucket := os.Getenv("WEIR_TEST_S3_ENDPOINT"), os.Getenv("WEIR_TEST_S3_BUCKET")
	if endpoint == "" || bucket == "" {
		t.Skip("no S3 server: set WEIR_TEST_S3_ENDPOINT and WEIR_TEST_S3_BUCKET (and AWS credentials); " +
			`eval "$(tests/s3/versitygw.sh start DIR PORT)" starts one`)
	}
	l, err := Parse(fmt.Sprintf("s3://%s/dataio-test/%s/%x", bucket, t.Name(), rand.Uint64()))
	if err != nil {
		t.Fatal(err)
	}
	return &Storage{S3: s3.Options{Endpoint: endpoint, PathStyle: true}}, l
}

func mustFrame(t *testing.T, csv string) *frame.Frame {
	t.Helper()
	f, err := frame.ReadCSV(strings.NewReader(csv), frame.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func frameText(f *frame.Frame) string {
	var b strings.Builder
	b.WriteString(f.Schema().String() + "\n")
	for i := range f.NumRows() {
		for j := range f.NumCols() {
			b.WriteString(f.ColumnAt(j).Text(i) + "|")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, bucket, key string
		s3, bad         bool
	}{
		{in: "data/bank.csv"},
		{in: "file:///tmp/x.parquet"},
		{in: "s3://b/logs/prod", bucket: "b", key: "logs/prod", s3: true},
		{in: "s3://b/", bucket: "b", s3: true},
		{in: "s3://", bad: true},
		{in: "gs://b/x", bad: true},
		{in: "", bad: true},
	} {
		l, err := Parse(tc.in)
		if (err != nil) != tc.bad {
			t.Errorf("Parse(%q): got error %v, want error %v", tc.in, err, tc.bad)
			continue
		}
		if err == nil && (l.IsS3() != tc.s3 || l.Bucket != tc.bucket || l.Key != tc.key) {
			t.Errorf("Parse(%q): got %+v", tc.in, l)
		}
	}
}

func TestFormatOf(t *testing.T) {
	for name, want := range map[string]Format{"a.csv": CSV, "A.CSV": CSV, "x.jsonl": JSONL, "x.json": JSONL, "p/x.parquet": Parquet} {
		if got, err := FormatOf(name); err != nil || got != want {
			t.Errorf("FormatOf(%q): got %v, %v, want %v", name, got, err, want)
		}
	}
	var fe *FormatError
	if _, err := FormatOf("data.xlsx"); !errors.As(err, &fe) {
		t.Errorf("FormatOf(data.xlsx): got %v, want a FormatError", err)
	}
}

// checkRoundTrip writes a frame as CSV and Parquet parts under root and
// reads the prefix back as one frame.
func checkRoundTrip(t *testing.T, st *Storage, root Location) {
	ctx := context.Background()
	a := mustFrame(t, "age,job,y\n30,admin.,no\n41,,yes\n")
	b := mustFrame(t, "age,job,y\n52,technician,no\n")
	if err := st.WriteFrame(ctx, root.Child("2026/12/06/a.parquet"), a); err != nil {
		t.Fatal(err)
	}
	if err := st.WriteFrame(ctx, root.Child("2026/12/07/b.csv"), b); err != nil {
		t.Fatal(err)
	}
	got, err := st.ReadFrame(ctx, root, frame.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := "age:int, job:categorical, y:categorical\n30|admin.|no|\n41||yes|\n52|technician|no|\n"
	if g := frameText(got); g != want {
		t.Errorf("got\n%s\nwant\n%s", g, want)
	}
	one, err := st.ReadFrame(ctx, root.Child("2026/12/06/a.parquet"), frame.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if g, w := frameText(one), frameText(a); g != w {
		t.Errorf("one file: got\n%s\nwant\n%s", g, w)
	}
}

func TestLocalRoundTrip(t *testing.T) {
	l, _ := Parse(t.TempDir())
	checkRoundTrip(t, &Storage{}, l)
}

func TestS3RoundTrip(t *testing.T) {
	st, l := mustS3(t)
	checkRoundTrip(t, st, l)
}

func TestS3Errors(t *testing.T) {
	st, l := mustS3(t)
	ctx := context.Background()
	_, err := st.ReadFrame(ctx, l.Child("missing.parquet"), frame.CSVOptions{})
	if err == nil || !strings.Contains(err.Error(), l.Child("missing.parquet").Raw) || !strings.Contains(err.Error(), "no such object") {
		t.Errorf("missing key: got %v, want an error naming the URL", err)
	}
	_, err = st.List(ctx, l)
	if err == nil || !strings.Contains(err.Error(), l.Raw) {
		t.Errorf("empty prefix: got %v, want an error naming it", err)
	}
	nb, _ := Parse("s3://weir-no-such-bucket-" + fmt.Sprint(rand.Uint32()) + "/x.csv")
	if _, err = st.ReadFrame(ctx, nb, frame.CSVOptions{}); err == nil || !strings.Contains(err.Error(), nb.Raw) {
		t.Errorf("missing bucket: got %v, want an error naming it", err)
	}
	if secret := os.Getenv("AWS_SECRET_ACCESS_KEY"); secret != "" && err != nil && strings.Contains(err.Error(), secret) {
		t.Error("the error shows the secret key")
	}
	if err := st.PutBytes(ctx, l.Child("x.parquet"), []byte("PAR1 not really")); err != nil {
		t.Fatal(err)
	}
	_, err = st.ReadFrame(ctx, l.Child("x.parquet"), frame.CSVOptions{})
	if err == nil || !strings.Contains(err.Error(), "x.parquet") {
		t.Errorf("hostile object: got %v, want an error naming it", err)
	}
}

func TestUnknownFormat(t *testing.T) {
	p := filepath.Join(t.TempDir(), "data.xlsx")
	os.WriteFile(p, []byte("x"), 0o644)
	l, _ := Parse(p)
	var fe *FormatError
	if _, err := (&Storage{}).ReadFrame(context.Background(), l, frame.CSVOptions{}); !errors.As(err, &fe) {
		t.Errorf("got %v, want a FormatError", err)
	}
}

// TestStorageFailures needs no S3 server: an endpoint nobody listens on,
// and no credentials at all. Both name the URL and say what is wrong.
func TestStorageFailures(t *testing.T) {
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true") // never ask a metadata service
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_ACCESS_KEY_ID", "weir-test-id")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "weir-test-secret-never-shown")
	l, _ := Parse("s3://bucket/logs/x.parquet")
	ctx := context.Background()
	unreachable := &Storage{S3: s3.Options{Endpoint: "http://127.0.0.1:1", PathStyle: true}}
	_, err := unreachable.ReadFrame(ctx, l, frame.CSVOptions{})
	var se *Error
	if !errors.As(err, &se) || !strings.Contains(err.Error(), l.Raw) || !strings.Contains(err.Error(), "cannot reach") {
		t.Errorf("unreachable endpoint: got %v, want a storage error naming %s", err, l)
	}
	if err != nil && strings.Contains(err.Error(), "never-shown") {
		t.Error("the error shows the secret key")
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	noCreds := &Storage{S3: s3.Options{Endpoint: "http://127.0.0.1:1", PathStyle: true}}
	_, err = noCreds.ReadFrame(ctx, l, frame.CSVOptions{})
	if !errors.As(err, &se) || !strings.Contains(err.Error(), l.Raw) || !strings.Contains(err.Error(), "credentials") {
		t.Errorf("no credentials: got %v, want a storage error naming %s and the credentials", err, l)
	}
}
