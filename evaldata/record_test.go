package evaldata

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/weir-ml/weir"
)

// The digests are mlflow 3.17.2's, read off its server's answers.
func TestDigest(t *testing.T) {
	for _, c := range []struct {
		name string
		ms   int64
		want string
	}{
		{"qa", 1796577083462, "2bff9c74"},
		{"qa", 1796577084918, "6f9325c4"},
		{"qa2", 1796577136141, "203aec23"},
	} {
		if got := Digest(c.name, c.ms); got != c.want {
			t.Errorf("Digest(%q, %d) = %s, want %s", c.name, c.ms, got, c.want)
		}
	}
}

func TestInputHashIgnoresKeyOrder(t *testing.T) {
	a, err := InputHash(json.RawMessage(`{"q": "b", "n": 2, "deep": {"y": 1, "x": [1, 2.50]}}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := InputHash(json.RawMessage(`{"deep":{"x":[1,2.50],"y":1},"n":2,"q":"b"}`))
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Errorf("hashes differ for the same inputs: %s, %s", a, b)
	}
	c, _ := InputHash(json.RawMessage(`{"q": "c"}`))
	if c == a {
		t.Errorf("hash of other inputs = %s, the same", c)
	}
}

func TestParseRecords(t *testing.T) {
	recs, err := ParseRecords(`[{"inputs": {"q": 1}, "outputs": null, "tags": {"n": 3, "b": true, "x": null, "s": "v"},
		"source": {"source_type": "TRACE", "source_data": {"trace_id": "tr-1"}}}, {}]`)
	if err != nil {
		t.Fatal(err)
	}
	r := recs[0]
	if !r.HasOutputs || r.Outputs != nil {
		t.Errorf("outputs: has %v, value %s; want a null sent", r.HasOutputs, r.Outputs)
	}
	if got, want := tagString(r.Tags), "b=True n=3 s=v"; got != want {
		t.Errorf("tags = %s, want %s", got, want)
	}
	if r.SourceID != "tr-1" || r.SourceType != "TRACE" {
		t.Errorf("source id %q type %q, want tr-1 TRACE", r.SourceID, r.SourceType)
	}
	if string(recs[1].Inputs) != "{}" || recs[1].HasOutputs {
		t.Errorf("empty record: inputs %s, has outputs %v; want {} and none", recs[1].Inputs, recs[1].HasOutputs)
	}
}

func tagString(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, " ")
}

func TestParseRecordsBadInput(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`not json`, "must be a JSON array of records: invalid JSON"},
		{`{}`, "must be a JSON array of records: it is not an array"},
		{`[1]`, "Record 0 of 'records': want a JSON object"},
		{`[{"inputs": [1]}]`, "'inputs' must be a JSON object"},
		{`[{}, {"expectations": "x"}]`, "Record 1 of 'records': 'expectations' must be a JSON object"},
		{`[{"tags": [1]}]`, "'tags': want a JSON object of tags"},
		{`[{"source": {"source_type": "ROBOT"}}]`, "unknown source_type 'ROBOT'"},
		{`[{"source": "x"}]`, "'source' must be an object"},
	} {
		_, err := ParseRecords(c.in)
		if weir.ErrorCode(err) != weir.ErrInvalidParameterValue || !strings.Contains(weir.ErrorMessage(err), c.want) {
			t.Errorf("ParseRecords(%s) = %v, want INVALID_PARAMETER_VALUE containing %q", c.in, err, c.want)
		}
	}
}

func TestMerge(t *testing.T) {
	first, _ := ParseRecords(`[{"inputs": {"q": "a"}, "expectations": {"ans": "x"}, "tags": {"mlflow.user": "ana"}}]`)
	r := NewRecord(first[0], 10)
	if string(r.Outputs) != "{}" || r.CreatedBy != "ana" || r.LastUpdatedBy != "ana" {
		t.Fatalf("new record %+v: want outputs {} and ana as creator", r)
	}
	for _, c := range []struct {
		in                    string
		outputs, expect, tags string
		updatedBy             string
	}{
		// Absent outputs and empty expectations change nothing.
		{`{"inputs": {"q": "a"}, "expectations": {}}`, `{}`, `{"ans": "x"}`, "mlflow.user=ana", "ana"},
		{`{"inputs": {"q": "a"}, "outputs": 5, "expectations": {"more": 1}, "tags": {"k": "v", "mlflow.user": "bo"}}`,
			`5`, `{"ans":"x","more":1}`, "k=v mlflow.user=bo", "bo"},
		// A null output clears it.
		{`{"inputs": {"q": "a"}, "outputs": null}`, ``, `{"ans":"x","more":1}`, "k=v mlflow.user=bo", "bo"},
	} {
		in, err := ParseRecords("[" + c.in + "]")
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Merge(in[0], 20); err != nil {
			t.Fatal(err)
		}
		if string(r.Outputs) != c.outputs || string(r.Expectations) != c.expect || tagString(r.Tags) != c.tags || r.LastUpdatedBy != c.updatedBy {
			t.Errorf("after merging %s: outputs %s, expectations %s, tags %s, updater %s; want %s, %s, %s, %s",
				c.in, r.Outputs, r.Expectations, tagString(r.Tags), r.LastUpdatedBy, c.outputs, c.expect, c.tags, c.updatedBy)
		}
	}
	if r.CreatedTime != 10 || r.LastUpdateTime != 20 {
		t.Errorf("times %d, %d; want 10 and 20", r.CreatedTime, r.LastUpdateTime)
	}
}

// The schema is mlflow 3.17.2's for the same two upserts, compared as
// parsed JSON (MLflow keeps first-seen key order; Weir sorts).
func TestUpdateSchema(t *testing.T) {
	one, _ := ParseRecords(`[{"inputs": {"q": "a"}, "expectations": {"ans": "x"}},
		{"inputs": {"q": "b", "n": 2}, "outputs": {"r": 1.5}, "tags": {"t": "1"}}]`)
	s, err := UpdateSchema("", one)
	if err != nil {
		t.Fatal(err)
	}
	two, _ := ParseRecords(`[{"inputs": {"q": "a"}, "expectations": {"ans2": "y", "ok": true, "l": [1], "o": {}, "z": null}}]`)
	if s, err = UpdateSchema(s, two); err != nil {
		t.Fatal(err)
	}
	want := `{"inputs": {"q": "string", "n": "integer"}, "outputs": {"r": "float"}, "expectations": {"ans": "string",
		"ans2": "string", "ok": "boolean", "l": "array", "o": "object", "z": "null"}, "version": "1.0"}`
	if !sameJSON(t, s, want) {
		t.Errorf("schema = %s, want %s", s, want)
	}
	scalar, _ := ParseRecords(`[{"outputs": "text"}]`)
	if s, _ = UpdateSchema("", scalar); !sameJSON(t, s, `{"inputs": {}, "outputs": "string", "expectations": {}, "version": "1.0"}`) {
		t.Errorf("schema of a string output = %s", s)
	}
	if s, _ = UpdateSchema("", nil); s != "" {
		t.Errorf("schema of nothing = %q, want none", s)
	}
}

func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}

func FuzzParseRecords(f *testing.F) {
	for _, s := range []string{`[{"inputs": {"q": 1}, "outputs": null}]`, `[{"source": {"source_type": "TRACE"}}]`, `[[]]`, `{}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		recs, err := ParseRecords(s)
		if err != nil {
			if weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
				t.Fatalf("ParseRecords(%q): %v, want INVALID_PARAMETER_VALUE", s, err)
			}
			return
		}
		if _, err := UpdateSchema("", recs); err != nil {
			t.Fatalf("UpdateSchema after ParseRecords(%q): %v", s, err)
		}
		for _, r := range recs {
			if _, err := InputHash(r.Inputs); err != nil {
				t.Fatalf("InputHash(%s): %v", r.Inputs, err)
			}
		}
	})
}
