package sqlstore

import (
	"context"
	"testing"

	"github.com/weir-ml/weir/registry"
)

func TestCreateModelVersionConcurrent(t *testing.T) {
	testCreateModelVersionConcurrent(t, MustOpenDB)
}

// testCreateModelVersionConcurrent checks that versions created at once
// get distinct, consecutive numbers.
func testCreateModelVersionConcurrent(t *testing.T, newDB newDBFunc) {
	f := newFixture(t, newDB)
	mustCreateModel(t, f, "m")
	const workers, each = 8, 5
	errs := make(chan error, workers*each)
	seen := make(chan string, workers*each)
	for range workers {
		go func() {
			for range each {
				mv, err := f.reg.CreateModelVersion(context.Background(), registry.VersionCreate{Name: "m", Source: "s3://b/m"})
				errs <- err
				if err == nil {
					seen <- mv.Version
				}
			}
		}()
	}
	versions := map[string]bool{}
	for range workers * each {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		versions[<-seen] = true
	}
	if len(versions) != workers*each || !versions["1"] || !versions["40"] {
		t.Errorf("got %d distinct versions %v, want 1..%d", len(versions), versions, workers*each)
	}
}
