package tracking

import (
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestGenerateRunName(t *testing.T) {
	shape := regexp.MustCompile(`^[a-z]+-[a-z]+-(0|[1-9][0-9]{0,2})$`)
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		name := GenerateRunName(r)
		if !shape.MatchString(name) {
			t.Fatalf("GenerateRunName() = %q, want adjective-noun-NNN", name)
		}
		if len(name) > 20 {
			t.Errorf("GenerateRunName() = %q, longer than MLflow's 20 characters", name)
		}
		if err := ValidateTag(Tag{Key: "mlflow.runName", Value: name}); err != nil {
			t.Errorf("generated name %q is not a valid tag value: %v", name, err)
		}
		seen[name] = true
	}
	if len(seen) < 1900 {
		t.Errorf("only %d distinct names in 2000 draws", len(seen))
	}
	if GenerateRunName(nil) == "" {
		t.Error("GenerateRunName(nil) is empty")
	}
}

func TestGenerateRunNameIsDeterministicForASeed(t *testing.T) {
	a := GenerateRunName(rand.New(rand.NewPCG(7, 7)))
	b := GenerateRunName(rand.New(rand.NewPCG(7, 7)))
	if a != b {
		t.Errorf("same seed gave %q and %q", a, b)
	}
}

func TestRunNameWordLists(t *testing.T) {
	for _, list := range [][]string{runNameAdjectives, runNameNouns} {
		if len(list) < 50 {
			t.Errorf("word list has %d words, want at least 50", len(list))
		}
		seen := map[string]bool{}
		for _, w := range list {
			if seen[w] {
				t.Errorf("duplicate word %q", w)
			}
			seen[w] = true
			if w != strings.ToLower(w) || strings.ContainsAny(w, "- ") {
				t.Errorf("word %q must be one lower-case word", w)
			}
		}
	}
	// Every number 0..999 is reachable and none is padded.
	r := rand.New(rand.NewPCG(3, 4))
	nums := map[int]bool{}
	for i := 0; i < 20000; i++ {
		name := GenerateRunName(r)
		n, err := strconv.Atoi(name[strings.LastIndexByte(name, '-')+1:])
		if err != nil || n < 0 || n > 999 {
			t.Fatalf("bad number in %q", name)
		}
		nums[n] = true
	}
	if len(nums) != 1000 {
		t.Errorf("saw %d distinct numbers in 20000 draws, want 1000", len(nums))
	}
}
