package httpapi

import (
	"fmt"
	"strings"
	"testing"
)

// logBatchBodies are log-batch bodies of every shape the fast decoder
// takes or must leave to encoding/json.
var logBatchBodies = []string{
	`{"run_id":"0123","metrics":[{"key":"a","value":1.5,"timestamp":17,"step":2}]}`,
	` { "run_uuid" : "r" , "metrics" : [ {"key":"a","value":"NaN","timestamp":"17"} , null, {} ] ,
	  "params":[{"key":"p","value":"v"}], "tags":[{"key":"t","value":"\u00e9\n"}] } `,
	`{"run_id":"r","metrics":null,"params":null,"tags":[]}`,
	`{"run_id":"r","metrics":[1,"x",[2],{"key":{"nested":[1,2]}}]}`,
	`{"run_id":"r","metrics":[{"key":"a","value":1e400,"timestamp":1.5}]}`,
	`{"run_id":12,"run_uuid":null}`,
	`{"run_id":"r","run_id":"s"}`,                    // repeated key: encoding/json's rule
	`{"Run_ID":"r","METRICS":[{"key":"a"}]}`,         // case-insensitive keys: encoding/json's rule
	`{"run_id":"r","metrics":{"key":"a"}}`,           // not a list: a type error
	`{"run_id":"r","metrics":"[]"}`,                  // not a list
	`{"run_id":"r","extra":{"a":[1,2,3]},"tags":[]}`, // unknown key
	`{"r\u0075n_id":"r"}`,                            // escaped key
	`{"run_id":"r","metrics":[{"key":"a"}]`,          // invalid JSON
	`{"run_id":"r",}`,
	`{}`,
	`[]`,
	`"{\"run_id\":\"r\"}"`,
	`null`,
	``,
}

// decodeSlow is the reference: encoding/json through decodeBody.
func decodeSlow(body []byte) (logBatchRequest, error) {
	var req logBatchRequest
	err := decodeBody(body, &req)
	return req, err
}

func TestDecodeLogBatchMatchesEncodingJSON(t *testing.T) {
	took := 0
	for _, body := range logBatchBodies {
		var fast logBatchRequest
		if !decodeLogBatch([]byte(body), &fast) {
			continue
		}
		took++
		slow, err := decodeSlow([]byte(body))
		if err != nil {
			t.Errorf("%s: fast decoder took a body encoding/json refuses: %v", body, err)
			continue
		}
		if dump(fast) != dump(slow) {
			t.Errorf("%s:\nfast %s\nslow %s", body, dump(fast), dump(slow))
		}
	}
	// The usual shapes must take the fast path, or the test proves nothing.
	if took < 6 {
		t.Errorf("fast decoder took %d bodies, want the 6 usual ones", took)
	}
	for _, body := range []string{`{"run_id":"r","run_id":"s"}`, `{"Run_ID":"r"}`, `{"run_id":"r","metrics":{}}`,
		`{"run_id":"r","extra":1}`, `{"r\u0075n_id":"r"}`, `{"run_id":"r",}`, `[]`, `"{}"`} {
		var req logBatchRequest
		if decodeLogBatch([]byte(body), &req) {
			t.Errorf("%s: fast decoder took a body it must leave to encoding/json", body)
		}
	}
}

// dump prints a decoded request with every field, nil lists apart from
// empty ones, and NaN equal to itself (which reflect.DeepEqual denies).
func dump(r logBatchRequest) string {
	var b strings.Builder
	fmt.Fprintf(&b, "run_id=%+v run_uuid=%+v nil=%v,%v,%v", r.RunID, r.RunUUID, r.Metrics == nil, r.Params == nil, r.Tags == nil)
	for _, m := range r.Metrics {
		if m.wireMetricFields != nil {
			fmt.Fprintf(&b, " m{%+v bad=%q}", *m.wireMetricFields, m.bad)
		} else {
			fmt.Fprintf(&b, " m{nil bad=%q}", m.bad)
		}
	}
	fmt.Fprintf(&b, " params=%+v tags=%+v", r.Params, r.Tags)
	return b.String()
}

// FuzzDecodeLogBatch checks that whatever the fast decoder takes, it
// decodes exactly as encoding/json does, and that it never panics.
func FuzzDecodeLogBatch(f *testing.F) {
	for _, b := range logBatchBodies {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var fast logBatchRequest
		if !decodeLogBatch(body, &fast) {
			return
		}
		slow, err := decodeSlow(body)
		if err != nil {
			t.Fatalf("fast decoder took %q, which encoding/json refuses: %v", body, err)
		}
		if dump(fast) != dump(slow) {
			t.Fatalf("%q:\nfast %s\nslow %s", body, dump(fast), dump(slow))
		}
	})
}

// TestLogBatchDecodeKeepsBigBatches checks a plain 1000-metric batch takes
// the fast path and decodes as encoding/json does.
func TestLogBatchDecodeKeepsBigBatches(t *testing.T) {
	var sb strings.Builder
	sb.WriteString(`{"run_id":"0123456789abcdef0123456789abcdef","metrics":[`)
	for i := range 1000 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"key":"m%d","value":%g,"timestamp":%d,"step":%d}`, i%10, float64(i)/7, 1700000000000+i, i)
	}
	sb.WriteString(`]}`)
	var fast logBatchRequest
	if !decodeLogBatch([]byte(sb.String()), &fast) {
		t.Fatal("fast decoder refused a plain 1000-metric batch")
	}
	slow, err := decodeSlow([]byte(sb.String()))
	if err != nil || dump(fast) != dump(slow) {
		t.Fatalf("1000-metric batch decoded differently (%v)", err)
	}
	if len(fast.Metrics) != 1000 || fast.Metrics[999].Step.V != 999 {
		t.Errorf("decoded %d metrics, last %+v", len(fast.Metrics), fast.Metrics[len(fast.Metrics)-1].wireMetricFields)
	}
}
