package lightgbm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/weir-ml/weir"
)

// MaxModelBytes caps the size of a text model Parse reads.
const MaxModelBytes = 1 << 30

// Caps on counts read from a model, far above any real model's, checked
// before anything is allocated from them.
const (
	maxClasses = 1 << 16
	maxLeaves  = 1 << 24
)

// Parse reads a LightGBM text model, as Booster.save_model and
// model_to_string write it. Every index in the file is checked, so the
// Booster never reads out of range when it predicts. A model Parse refuses
// gets a *weir.Error with code INVALID_PARAMETER_VALUE naming what is
// wrong and where.
func Parse(r io.Reader) (*Booster, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxModelBytes+1))
	if err != nil {
		return nil, fmt.Errorf("lightgbm: reading model: %w", err)
	}
	if len(data) > MaxModelBytes {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "lightgbm: model is larger than %d bytes", MaxModelBytes)
	}
	b, err := parse(data)
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%v", err)
	}
	return b, nil
}

// lines splits the model into lines without their line ends.
type lines struct {
	data []byte
	n    int // number of the line last read, from 1
}

func (l *lines) next() (string, bool) {
	if len(l.data) == 0 {
		return "", false
	}
	line := l.data
	if i := bytes.IndexByte(l.data, '\n'); i >= 0 {
		line, l.data = l.data[:i], l.data[i+1:]
	} else {
		l.data = nil
	}
	l.n++
	return string(bytes.TrimSuffix(line, []byte("\r"))), true
}

func parse(data []byte) (*Booster, error) {
	l := &lines{data: data}
	first, _ := l.next()
	if first != "tree" {
		return nil, fmt.Errorf("lightgbm: not a LightGBM text model: first line is %s, want \"tree\"", quoteShort(first))
	}
	header := map[string]string{}
	var line string
	var ok bool
	for {
		line, ok = l.next()
		if !ok || strings.HasPrefix(line, "Tree=") {
			break
		}
		if line == "" {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		header[k] = v
	}
	b, err := parseHeader(header)
	if err != nil {
		return nil, fmt.Errorf("lightgbm: model header: %w", err)
	}
	for ok && strings.HasPrefix(line, "Tree=") {
		start := l.n
		t, err := parseTree(l, b)
		if err != nil {
			return nil, fmt.Errorf("lightgbm: tree %d (line %d): %w", len(b.trees), start, err)
		}
		b.trees = append(b.trees, t)
		for line, ok = l.next(); ok && line == ""; line, ok = l.next() {
		}
	}
	// LightGBM ends the trees with this line; without it the file was cut.
	if line != "end of trees" {
		return nil, fmt.Errorf("lightgbm: line %d is %s, want \"end of trees\": the file is truncated or damaged", l.n, quoteShort(line))
	}
	if err := b.checkTrees(header["tree_sizes"]); err != nil {
		return nil, fmt.Errorf("lightgbm: %w", err)
	}
	b.buildTable()
	// The rest: feature importances, parameters, and last the pandas
	// categories. A linear tree model says so in its parameters.
	for ; ok; line, ok = l.next() {
		switch {
		case strings.HasPrefix(line, "[categorical_feature: "):
			if err := b.markCategorical(strings.TrimSuffix(strings.TrimPrefix(line, "[categorical_feature: "), "]")); err != nil {
				return nil, fmt.Errorf("lightgbm: line %d: %w", l.n, err)
			}
		case strings.HasPrefix(line, "pandas_categorical:"):
			p, err := parsePandas(strings.TrimPrefix(line, "pandas_categorical:"))
			if err != nil {
				return nil, fmt.Errorf("lightgbm: line %d: %w", l.n, err)
			}
			b.pandas = p
		}
	}
	return b, nil
}

func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return strconv.Quote(s)
}

func parseHeader(h map[string]string) (*Booster, error) {
	b := &Booster{keys: &sync.Pool{New: func() any { return new([]int64) }}}
	switch v, ok := h["version"]; {
	case !ok:
		return nil, fmt.Errorf("no version line")
	case v != "v2" && v != "v3" && v != "v4":
		return nil, fmt.Errorf("version %s is not one this reader knows (v2 to v4)", quoteShort(v))
	}
	var err error
	if b.numClass, err = headerInt(h, "num_class", 1, maxClasses); err != nil {
		return nil, err
	}
	b.treesPerIter = b.numClass
	if _, ok := h["num_tree_per_iteration"]; ok {
		if b.treesPerIter, err = headerInt(h, "num_tree_per_iteration", 1, maxClasses); err != nil {
			return nil, err
		}
	}
	maxFeature, err := headerInt(h, "max_feature_idx", 0, 1<<31-2)
	if err != nil {
		return nil, err
	}
	names, ok := h["feature_names"]
	if !ok {
		return nil, fmt.Errorf("no feature_names line")
	}
	b.featureNames = strings.Split(names, " ")
	if len(b.featureNames) != maxFeature+1 {
		return nil, fmt.Errorf("feature_names lists %d names, max_feature_idx says %d", len(b.featureNames), maxFeature+1)
	}
	infos, ok := h["feature_infos"]
	if !ok {
		return nil, fmt.Errorf("no feature_infos line")
	}
	b.featureInfos = strings.Split(infos, " ")
	if len(b.featureInfos) != len(b.featureNames) {
		return nil, fmt.Errorf("feature_infos has %d entries for %d features", len(b.featureInfos), len(b.featureNames))
	}
	b.categorical = make([]bool, len(b.featureNames))
	for j, info := range b.featureInfos {
		// Numerical features read "[min:max]" (or "none" when unused);
		// categorical ones list their categories, "-1:2:0".
		b.categorical[j] = info != "none" && !strings.HasPrefix(info, "[")
	}
	if b.objective, b.transform, err = parseObjective(h["objective"]); err != nil {
		return nil, err
	}
	switch b.objective.Name {
	case "multiclass", "multiclassova":
		if b.objective.NumClass != b.numClass || b.treesPerIter != b.numClass {
			return nil, fmt.Errorf("objective %s has %d classes but the model has num_class %d and %d trees per iteration",
				b.objective.Name, b.objective.NumClass, b.numClass, b.treesPerIter)
		}
	case "", "custom":
	default:
		if b.treesPerIter != 1 {
			return nil, fmt.Errorf("objective %s gives one output but the model has %d trees per iteration", b.objective.Name, b.treesPerIter)
		}
	}
	_, b.average = h["average_output"]
	return b, nil
}

func headerInt(h map[string]string, key string, lo, hi int) (int, error) {
	v, ok := h[key]
	if !ok {
		return 0, fmt.Errorf("no %s line", key)
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s is %s, want an integer from %d to %d", key, quoteShort(v), lo, hi)
	}
	return n, nil
}

// checkTrees verifies the tree count against tree_sizes, which catches a
// truncated file, and against the trees per iteration.
func (b *Booster) checkTrees(sizes string) error {
	if sizes != "" {
		if n := len(strings.Fields(sizes)); n != len(b.trees) {
			return fmt.Errorf("model lists %d tree sizes but holds %d trees: the file is truncated or damaged", n, len(b.trees))
		}
	}
	if len(b.trees)%b.treesPerIter != 0 {
		return fmt.Errorf("model holds %d trees, not a whole number of iterations of %d", len(b.trees), b.treesPerIter)
	}
	return nil
}

// markCategorical marks the features of the categorical_feature parameter
// (indices separated by commas) as categorical.
func (b *Booster) markCategorical(s string) error {
	if s == "" {
		return nil
	}
	for _, f := range strings.Split(s, ",") {
		j, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			// Feature names ("name:a,b") are resolved to indices when
			// training; a name here says nothing the trees do not.
			continue
		}
		if j < 0 || j >= len(b.categorical) {
			return fmt.Errorf("categorical_feature %d is not one of the model's %d features", j, len(b.categorical))
		}
		b.categorical[j] = true
	}
	return nil
}

// parsePandas reads the JSON list of category lists of the
// pandas_categorical trailer. Numbers become float64.
func parsePandas(s string) ([][]any, error) {
	var raw [][]any
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("pandas_categorical is not a JSON list of lists: %v", err)
	}
	for i, cats := range raw {
		for k, c := range cats {
			switch c.(type) {
			case string, float64, bool:
			default:
				return nil, fmt.Errorf("pandas_categorical column %d category %d is neither a string, a number nor a bool", i, k)
			}
		}
	}
	return raw, nil
}
