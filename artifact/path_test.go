package artifact

import (
	"testing"

	"github.com/weir-ml/weir"
)

func TestCleanPath(t *testing.T) {
	ok := []struct{ in, want string }{
		{"", ""},
		{".", ""},
		{"model", "model"},
		{"model/MLmodel", "model/MLmodel"},
		{"a/./b", "a/b"},
		{"a//b/", "a/b"},
		{"dir with space/file.txt", "dir with space/file.txt"},
		{"a..b/c", "a..b/c"},
	}
	for _, tt := range ok {
		got, err := CleanPath(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("CleanPath(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.want)
		}
	}
	bad := []string{
		"..", "../x", "a/../../x", "a/..", "/etc/passwd", "%2e%2e/x", "%2E%2E%2Fx", "a%2f..%2f..%2fb",
		"%252e%252e/x", "..\\x", "a\\b", "C:\\x", "file:///etc/passwd", "s3://bucket/x", "a\x00b",
		"mlflow-artifacts:/x", "%00", "a/%2e%2e",
	}
	for _, in := range bad {
		got, err := CleanPath(in)
		if weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
			t.Errorf("CleanPath(%q) = %q, %v; want INVALID_PARAMETER_VALUE", in, got, err)
		}
	}
}

func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"a/b", "../x", "%2e%2e", "a\\b", "/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		c, err := CleanPath(p)
		if err != nil {
			return
		}
		if c == ".." || len(c) > 0 && c[0] == '/' {
			t.Fatalf("CleanPath(%q) = %q escapes the root", p, c)
		}
		for _, elem := range splitSlash(c) {
			if elem == ".." {
				t.Fatalf("CleanPath(%q) = %q has '..'", p, c)
			}
		}
	})
}

func splitSlash(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '/' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}
