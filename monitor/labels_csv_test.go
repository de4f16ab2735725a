package monitor

import (
	"maps"
	"strings"
	"testing"

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
