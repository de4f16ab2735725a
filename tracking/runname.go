package tracking

import (
	"math/rand/v2"
	"strconv"
)

// Word lists for generated run names. Words are short so that a name stays
// within 20 characters, like MLflow's, and plain so that names read well in
// a list of runs.
var (
	runNameAdjectives = []string{
		"amber", "bold", "brave", "brisk", "calm", "clever", "cosmic", "crisp", "dapper", "eager",
		"fancy", "fleet", "gentle", "glad", "golden", "grand", "happy", "honest", "humble", "jolly",
		"keen", "kind", "lively", "lucky", "merry", "mighty", "misty", "noble", "nimble", "polite",
		"proud", "quick", "quiet", "rapid", "rustic", "sharp", "shiny", "silent", "sleek", "smart",
		"snowy", "steady", "sunny", "swift", "tidy", "upbeat", "vivid", "warm", "wise", "zesty",
	}
	runNameNouns = []string{
		"badger", "bear", "beaver", "bison", "crane", "cricket", "deer", "dolphin", "eagle", "falcon",
		"ferret", "finch", "fox", "gecko", "heron", "hound", "ibis", "jay", "koala", "lark",
		"lemur", "lion", "lynx", "marten", "mole", "moose", "newt", "otter", "owl", "panda",
		"parrot", "pike", "puffin", "quail", "rabbit", "raven", "robin", "salmon", "seal", "shrew",
		"sparrow", "stork", "swan", "tiger", "toad", "trout", "vole", "walrus", "wolf", "wren",
	}
)

// GenerateRunName returns a random "adjective-noun-NNN" name, NNN being
// 0 to 999 without padding, as MLflow names runs that were given no name.
// A nil r uses the global source.
func GenerateRunName(r *rand.Rand) string {
	intN := rand.IntN
	if r != nil {
		intN = r.IntN
	}
	return runNameAdjectives[intN(len(runNameAdjectives))] + "-" +
		runNameNouns[intN(len(runNameNouns))] + "-" + strconv.Itoa(intN(1000))
}
