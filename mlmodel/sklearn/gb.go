package sklearn

import (
	"fmt"
	"math"

	"github.com/weir-ml/weir/mlmodel/sklearn/pyobj"
)

// gbModel is a GradientBoostingClassifier or GradientBoostingRegressor:
// the raw score of its init estimator plus learning_rate times each
// stage's regression trees, k trees a stage (k classes, or 1 for binary
// and regression).
type gbModel struct {
	base
	labels []any
	k      int
	init   []float64 // raw score before the first stage, per tree of a stage
	lr     float64
	trees  []*tree // stage-major
	link   link
}

func buildGBClassifier(o obj) (Estimator, error) { return buildGB(o, true) }
func buildGBRegressor(o obj) (Estimator, error)  { return buildGB(o, false) }

func buildGB(o obj, classify bool) (Estimator, error) {
	b, err := newBase(o)
	if err != nil {
		return nil, err
	}
	m := &gbModel{base: b, k: 1}
	if classify {
		if m.labels, err = readLabels(o); err != nil {
			return nil, err
		}
		if len(m.labels) > 2 {
			m.k = len(m.labels)
		}
	}
	if m.lr, err = o.float("learning_rate"); err != nil {
		return nil, err
	}
	if m.link, err = readLink(o); err != nil {
		return nil, err
	}
	if err := m.checkLink(o, classify); err != nil {
		return nil, err
	}
	if m.init, err = gbInit(o, m, classify); err != nil {
		return nil, err
	}
	a, err := o.array("estimators_")
	if err != nil {
		return nil, err
	}
	items, ok := a.Data.([]any)
	if !ok || len(a.Shape) != 2 || a.Shape[1] != m.k || a.Shape[0] < 1 {
		return nil, o.errorf("estimators_ is an array of shape %s, want (n_estimators, %d) estimators", shapeString(a.Shape), m.k)
	}
	m.trees = make([]*tree, len(items))
	for i, it := range items {
		path := fmt.Sprintf("%s.estimators_[%d, %d]", o.path, i/m.k, i%m.k)
		e, err := child(it, path)
		if err != nil {
			return nil, err
		}
		tr, ok := e.(*treeRegressor)
		if !ok || tr.nIn != b.nIn {
			return nil, fmt.Errorf("sklearn: %s is not a decision tree regressor over %d features", path, b.nIn)
		}
		m.trees[i] = tr.t
	}
	if classify {
		return &gbClassifier{m}, nil
	}
	return &gbRegressor{m}, nil
}

// gbClassifier and gbRegressor give a gbModel the methods of its kind.
type (
	gbClassifier struct{ *gbModel }
	gbRegressor  struct{ *gbModel }
)

func (m *gbModel) checkLink(o obj, classify bool) error {
	want := "identity or log"
	ok := !classify && (m.link == identityLink || m.link == logLink)
	if classify {
		want = "logit"
		ok = m.k == 1 && (m.link == logitLink || m.link == halfLogitLink)
		if m.k > 1 {
			want = "multinomial"
			ok = m.link == multinomialLink
		}
	}
	if !ok {
		return o.errorf("the loss link does not fit the model: want %s", want)
	}
	return nil
}

// gbInit computes the raw score of init_: zero, or the link of a
// DummyClassifier's class priors, or a DummyRegressor's constant.
func gbInit(o obj, m *gbModel, classify bool) ([]float64, error) {
	raw := make([]float64, m.k)
	v, err := o.need("init_")
	if err != nil {
		return nil, err
	}
	if v == "zero" {
		return raw, nil
	}
	io, ok := v.(*pyobj.Object)
	if !ok {
		return nil, o.errorf("init_ is a %s, want \"zero\" or a dummy estimator", pyobj.Describe(v))
	}
	init := obj{o: io, path: o.path + ".init_"}
	if err := checkVersion(init); err != nil {
		return nil, err
	}
	strategy, _ := io.State["_strategy"].(string)
	if strategy == "" {
		strategy, _ = io.State["strategy"].(string)
	}
	if !classify {
		if io.Class != "DummyRegressor" {
			return nil, unsupported(init)
		}
		c, _, err := init.floats("constant_", 1, 1)
		if err != nil {
			return nil, err
		}
		raw[0] = m.link.link(c[0])
		return raw, nil
	}
	if io.Class != "DummyClassifier" || strategy != "prior" {
		return nil, init.errorf("only a DummyClassifier with strategy 'prior' is supported as init, not %s (%s)", io.Class, strategy)
	}
	prior, _, err := init.floats("class_prior_", len(m.labels))
	if err != nil {
		return nil, err
	}
	eps := math.Nextafter(1, 2) - 1
	clip := func(p float64) float64 { return math.Min(math.Max(p, eps), 1-eps) }
	if m.k == 1 {
		raw[0] = logit(clip(prior[1]))
		if m.link == halfLogitLink {
			raw[0] *= 0.5
		}
		return raw, nil
	}
	// The symmetric multinomial link: log(p / gmean(p)).
	meanLog := 0.0
	for _, p := range prior {
		meanLog += math.Log(clip(p))
	}
	gm := math.Exp(meanLog / float64(len(prior)))
	for k, p := range prior {
		raw[k] = math.Log(clip(p) / gm)
	}
	return raw, nil
}

func logit(p float64) float64 { return math.Log(p / (1 - p)) }

// link maps a regressor's prediction to a raw score.
func (l link) link(y float64) float64 {
	if l == logLink {
		return math.Log(y)
	}
	return y
}

// raw adds the stages to the init score, as predict_stages does.
func (m *gbModel) raw(x, out []float64) {
	toFloat32(x)
	copy(out, m.init)
	for i, t := range m.trees {
		out[i%m.k] += m.lr * t.value[t.leafNoNaN(x)]
	}
}

func (m gbClassifier) classes() []any { return m.labels }

func (m gbClassifier) proba(x, p []float64) int {
	if m.k == 1 {
		var raw [1]float64
		m.raw(x, raw[:])
		m.link.binary(raw[0], p)
		if raw[0] >= 0 {
			return 1
		}
		return 0
	}
	m.raw(x, p)
	return softmax(p)
}

func (m gbRegressor) predict(x []float64) float64 {
	var raw [1]float64
	m.raw(x, raw[:])
	return m.link.inverse(raw[0])
}
