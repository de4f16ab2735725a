package pyobj

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadFile(t *testing.T) {
	for _, name := range []string{"ridge.skops", "ridge.pickle.pkl", "ridge.cloudpickle.pkl", "ridge.p5.pkl"} {
		t.Run(name, func(t *testing.T) {
			v, err := ReadFile(filepath.Join(fixtureDir, name), DefaultAllow())
			if err != nil {
				t.Fatal(err)
			}
			o, ok := v.(*Object)
			if !ok || o.Class != "Ridge" {
				t.Fatalf("got %s, want a Ridge", Describe(v))
			}
			if _, err := o.Float64s("coef_"); err != nil {
				t.Error(err)
			}
		})
	}
	t.Run("text", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "model.pkl")
		os.WriteFile(p, []byte("hello"), 0o600)
		_, err := ReadFile(p, DefaultAllow())
		if err == nil || !strings.Contains(err.Error(), "neither a skops file nor a pickle") {
			t.Errorf("got error %v, want the format refused", err)
		}
	})
	t.Run("directory", func(t *testing.T) {
		if _, err := ReadFile(t.TempDir(), DefaultAllow()); err == nil {
			t.Error("read a directory")
		}
	})
}
