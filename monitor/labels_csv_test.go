package monitor

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir"
)

func TestReadLabelsCSV(t *testing.T) {
	got, err := ReadLabelsCSV(strings.NewReader("label,request_id,row\nyes,a,0\nNo,a,1\n1,b,\nfalse,c,2\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[LabelKey]float64{{"a", 0}: 1, {"a", 1}: 0, {"b", 0}: 1, {"c", 2}: 0}
	if !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, bad := range []string{"", "id,label\nx,1\n", "request_id,label\nx,maybe\n", "request_id,row,label\nx,first,1\n"} {
		if _, err := ReadLabelsCSV(strings.NewReader(bad)); weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
			t.Errorf("%q: err = %v, want INVALID_PARAMETER_VALUE", bad, err)
		}
	}
}

func TestReadLabelEventsCSV(t *testing.T) {
	labels, times, err := ReadLabelEventsCSV(strings.NewReader("request_id,row,label,time\na,0,yes,2009-05-13\na,1,no,\nb,0,1,2010-02-01T10:00:00+01:00\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(labels) != 3 {
		t.Errorf("labels %v, want 3", labels)
	}
	want := map[LabelKey]time.Time{
		{"a", 0}: time.Date(2009, 5, 13, 0, 0, 0, 0, time.UTC),
		{"b", 0}: time.Date(2010, 2, 1, 9, 0, 0, 0, time.UTC),
	}
	if !maps.EqualFunc(times, want, time.Time.Equal) {
		t.Errorf("times %v, want %v", times, want)
	}
	preds := []Prediction{{RequestID: "a", Row: 0}, {RequestID: "a", Row: 1}, {RequestID: "b", Row: 0}}
	if got := JoinEventTimes(preds, times); got != 2 || !preds[0].Time.Equal(want[LabelKey{"a", 0}]) || !preds[1].Time.IsZero() {
		t.Errorf("JoinEventTimes moved %d: %+v", got, preds)
	}
	if _, times, err := ReadLabelEventsCSV(strings.NewReader("request_id,label\na,1\n")); err != nil || times != nil {
		t.Errorf("no time column: times %v, %v; want nil", times, err)
	}
	if _, _, err := ReadLabelEventsCSV(strings.NewReader("request_id,label,time\na,1,13/05/2009\n")); weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
		t.Errorf("a bad time: err = %v, want INVALID_PARAMETER_VALUE", err)
	}
}
