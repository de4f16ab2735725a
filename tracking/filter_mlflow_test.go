package tracking

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// crossCheckScript parses each [dialect, filter] pair read from stdin (a
// JSON list) with MLflow's own parser and prints one JSON result per line.
const crossCheckScript = `
import json, sys, warnings
warnings.filterwarnings("ignore")
from mlflow.utils.search_utils import (SearchUtils, SearchExperimentsUtils,
    SearchModelUtils, SearchModelVersionUtils)
parsers = {"runs": SearchUtils, "experiments": SearchExperimentsUtils,
           "registered models": SearchModelUtils, "model versions": SearchModelVersionUtils}
for dialect, f in json.load(sys.stdin):
    try:
        out = []
        for c in parsers[dialect].parse_search_filter(f):
            v = c["value"]
            if isinstance(v, tuple):
                v = [str(x) for x in v]
            elif v is not None and not isinstance(v, str):
                v = repr(v)
            out.append({"type": c["type"], "key": c["key"], "op": c["comparator"], "value": v})
        print(json.dumps({"ok": True, "result": out}))
    except Exception as e:
        print(json.dumps({"ok": False, "error": str(e)}))
`

type mlflowResult struct {
	OK     bool
	Error  string
	Result []struct {
		Type, Key, Op string
		Value         any
	}
}

// TestFilterCasesAgainstMLflow runs the table cases through MLflow's parser
// and checks that every case not marked as differing is accepted or
// rejected alike, and parses to the same comparisons. MLflow's parser
// leaves comparators unchecked (its stores check them) and aliases as
// written, so those are normalised before comparing. It needs a Python with
// mlflow installed, named by WEIR_MLFLOW_PYTHON (for example
// /work/venv/bin/python).
func TestFilterCasesAgainstMLflow(t *testing.T) {
	python := os.Getenv("WEIR_MLFLOW_PYTHON")
	if python == "" {
		t.Skip("WEIR_MLFLOW_PYTHON is not set; set it to a python with mlflow to compare with MLflow's parser")
	}
	script := filepath.Join(t.TempDir(), "crosscheck.py")
	if err := os.WriteFile(script, []byte(crossCheckScript), 0o644); err != nil {
		t.Fatal(err)
	}
	type check struct {
		dialect string
		tc      filterCase
	}
	var checks []check
	var pairs [][2]string
	for _, d := range []struct {
		name  string
		cases []filterCase
	}{
		{"runs", runCases},
		{"experiments", experimentCases},
		{"registered models", registeredModelCases},
		{"model versions", modelVersionCases},
	} {
		for _, tc := range d.cases {
			checks = append(checks, check{d.name, tc})
			pairs = append(pairs, [2]string{d.name, tc.filter})
		}
	}
	in, _ := json.Marshal(pairs)
	cmd := exec.Command(python, script)
	cmd.Dir = t.TempDir() // away from any folder named mlflow
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("running MLflow's parser: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(checks) {
		t.Fatalf("%d results for %d filters", len(lines), len(checks))
	}
	for i, c := range checks {
		var got mlflowResult
		if err := json.Unmarshal([]byte(lines[i]), &got); err != nil {
			t.Fatalf("%s: %q: bad output %q", c.dialect, c.tc.filter, lines[i])
		}
		agree := sameAsMLflow(c.tc, got)
		switch {
		case c.tc.differs && agree:
			t.Errorf("%s: %q is marked as differing from MLflow, but MLflow agrees (%s)", c.dialect, c.tc.filter, lines[i])
		case !c.tc.differs && !agree:
			t.Errorf("%s: %q: MLflow says %s; we want %+v / error %q", c.dialect, c.tc.filter, lines[i], c.tc.want, c.tc.wantErr)
		}
	}
}

// sameAsMLflow reports whether MLflow's result matches the case's.
func sameAsMLflow(tc filterCase, got mlflowResult) bool {
	if tc.wantErr != "" || !got.OK {
		return tc.wantErr != "" && !got.OK
	}
	if len(got.Result) != len(tc.want) {
		return false
	}
	entities := map[string]Entity{"metric": EntityMetric, "parameter": EntityParam, "tag": EntityTag,
		"attribute": EntityAttribute, "dataset": EntityDataset}
	aliases := map[string]string{"created": "start_time", "Created": "start_time",
		"run name": "run_name", "Run name": "run_name", "Run Name": "run_name"}
	for i, c := range got.Result {
		w := tc.want[i]
		key := c.Key
		if a, ok := aliases[key]; ok && w.Entity == EntityAttribute {
			key = a
		}
		if entities[c.Type] != w.Entity || key != w.Key || strings.ToUpper(c.Op) != w.Op {
			return false
		}
		switch w.Value.Kind {
		case NoValue:
			if c.Value != nil {
				return false
			}
		case StringValue:
			if s, ok := c.Value.(string); !ok || s != w.Value.Str {
				return false
			}
		case NumberValue:
			s, _ := c.Value.(string) // MLflow keeps metric values as text
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || math.Abs(v-w.Value.Num) > 1e-12*math.Max(1, math.Abs(v)) {
				return false
			}
		case ListValue:
			l, ok := c.Value.([]any)
			if !ok || len(l) != len(w.Value.List) {
				return false
			}
			for j, x := range l {
				if x != w.Value.List[j] {
					return false
				}
			}
		}
	}
	return true
}
