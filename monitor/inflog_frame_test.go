package monitor

import (
	"reflect"
	"strings"
	"testing"
)

const frameLog = `{"request_id":"a","timestamp":"2026-12-06T10:00:00.123456789Z","model_name":"bank","model_version":"3","row":0,"inputs":{"age":30,"job":"admin.","balance":null,"vip":true},"imputed":["balance"],"outputs":{"probability":0.25,"label":"no"}}
{"request_id":"a","timestamp":"2026-12-06T10:00:00.123456789Z","model_name":"bank","model_version":"3","row":1,"inputs":{"age":61.5,"job":"é \"x\"","vip":false},"outputs":{"probability":0.75,"label":"yes"}}

{"request_id":"b","timestamp":"2026-12-06T11:00:00Z","model_name":"bank","model_version":"3","row":0,"inputs":{"age":44,"job":null,"balance":-12},"unknown_categories":["job"],"outputs":{"probability":1,"label":"yes"}}
`

// TestInferenceLogFrameRoundTrip checks that a log stored as a table reads
// back as the same predictions as its JSON lines.
func TestInferenceLogFrameRoundTrip(t *testing.T) {
	want, err := ReadInferenceLog(strings.NewReader(frameLog))
	if err != nil {
		t.Fatal(err)
	}
	f, err := InferenceLogFrame(strings.NewReader(frameLog))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.Schema().String(), "request_id:categorical, timestamp:time, model_name:categorical, model_version:categorical, row:int, imputed:categorical, unknown_categories:categorical, inputs.age:float, inputs.balance:float, inputs.job:categorical, inputs.vip:bool, outputs.label:categorical, outputs.probability:float"; got != want {
		t.Errorf("schema:\ngot  %s\nwant %s", got, want)
	}
	got, err := PredictionsFromFrame(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d predictions, want %d", len(got), len(want))
	}
	for i := range want {
		// A field a line lacks comes back as a missing (nil) input.
		for k := range got[i].Inputs {
			if _, ok := want[i].Inputs[k]; !ok && got[i].Inputs[k] == nil {
				delete(got[i].Inputs, k)
			}
		}
		if !got[i].Time.Equal(want[i].Time) {
			t.Errorf("row %d: time %s, want %s", i, got[i].Time, want[i].Time)
		}
		got[i].Time = want[i].Time
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("row %d:\ngot  %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestPredictionsFromFrameNeedsProbability(t *testing.T) {
	f, err := InferenceLogFrame(strings.NewReader(`{"request_id":"a","timestamp":"2026-12-06T10:00:00Z","row":0,"inputs":{"x":1},"outputs":{"prediction":3.5}}` + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := PredictionsFromFrame(f); err == nil || !strings.Contains(err.Error(), "outputs.probability") {
		t.Errorf("got %v, want an error naming outputs.probability", err)
	}
}
