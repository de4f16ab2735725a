package tracking

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/weir-ml/weir"
)

func TestPageTokenRoundTrip(t *testing.T) {
	for _, offset := range []int{0, 1, 99, 1000, 50000, 1 << 40} {
		token := EncodePageToken(offset)
		got, err := DecodePageToken(token)
		if err != nil || got != offset {
			t.Errorf("DecodePageToken(EncodePageToken(%d)) = %d, %v", offset, got, err)
		}
	}
}

func TestDecodePageToken(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		token   string
		want    int
		wantErr string
	}{
		{token: "", want: 0},
		// What MLflow's server emits for offset 1000: base64 of {"offset": 1000}.
		{token: "eyJvZmZzZXQiOiAxMDAwfQ==", want: 1000},
		{token: b64(`{"offset":7}`), want: 7},
		{token: b64(`{"offset": "12"}`), want: 12},
		{token: base64.RawURLEncoding.EncodeToString([]byte(`{"offset": 3}`)), want: 3},
		{token: "not base64!", wantErr: "Invalid page token, could not base64-decode"},
		{token: b64("hello"), wantErr: "Invalid page token, decoded value="},
		{token: b64(`{"offset": 1} {}`), wantErr: "Invalid page token, decoded value="},
		{token: b64(`[1]`), wantErr: "Invalid page token, decoded value="},
		{token: b64(`{"start": 1}`), wantErr: "Invalid page token, parsed value="},
		{token: b64(`{"offset": -1}`), wantErr: "is not a non-negative integer"},
		{token: b64(`{"offset": 1.5}`), wantErr: "is not a non-negative integer"},
		{token: b64(`{"offset": "x"}`), wantErr: "is not a non-negative integer"},
		{token: b64(`{"offset": 99999999999999999999999}`), wantErr: "is not a non-negative integer"},
	}
	for _, tc := range tests {
		got, err := DecodePageToken(tc.token)
		if tc.wantErr != "" {
			if weir.ErrorCode(err) != weir.ErrInvalidParameterValue || !strings.Contains(weir.ErrorMessage(err), tc.wantErr) {
				t.Errorf("DecodePageToken(%q) = %d, %v; want error containing %q", tc.token, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("DecodePageToken(%q) = %d, %v; want %d", tc.token, got, err, tc.want)
		}
	}
}

func TestEncodePageTokenIsMLflowShape(t *testing.T) {
	got, err := base64.StdEncoding.DecodeString(EncodePageToken(1000))
	if want := `{"offset": 1000}`; err != nil || string(got) != want {
		t.Errorf("decoded token = %q, %v; want %q", got, err, want)
	}
}
