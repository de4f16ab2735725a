package monitor

import (
	"embed"
	"encoding/json"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/weir-ml/weir"
)

// Report is a monitoring report: drift, performance over windows and the
// alerts that fired. WriteHTML renders it as one self-contained page;
// WriteJSON writes the same content for machines.
type Report struct {
	Title     string    `json:"title"`
	Model     string    `json:"model,omitempty"`
	Version   string    `json:"version,omitempty"`
	Generated time.Time `json:"generated"`
	// Reference and Current describe the two datasets (a period, a file).
	Reference string `json:"reference,omitempty"`
	Current   string `json:"current,omitempty"`
	// Performance says which rows the performance windows cover, when they
	// are not Current's (a replay whose drift is of its last period).
	Performance string `json:"performance,omitempty"`
	// Decision says how the windows' precision, recall and business value
	// decide and price a row (DecisionText writes it).
	Decision string `json:"decision,omitempty"`
	// ReferenceTargetRate and CurrentTargetRate are the positive rates of
	// the label, NaN when unknown.
	ReferenceTargetRate Number              `json:"reference_target_rate"`
	CurrentTargetRate   Number              `json:"current_target_rate"`
	Drift               *DatasetDrift       `json:"drift,omitempty"`
	Windows             []WindowPerformance `json:"windows,omitempty"`
	Alerts              []Alert             `json:"alerts"`
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	if err := enc.Encode(r); err != nil {
		return weir.Errorf(weir.ErrInternal, "writing report JSON: %v", err)
	}
	return nil
}

//go:embed report.html
var reportFS embed.FS

var reportTemplate = template.Must(template.New("report.html").Funcs(template.FuncMap{
	"num":      fmtNum,
	"overlay":  overlaySVG,
	"scores":   scoresSVG,
	"perf":     perfSVG,
	"estimate": estimateSVG,
	"time":     func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"count":    Thousands,
	"known":    func(n Number) bool { return !math.IsNaN(float64(n)) },
	"window":   windowName,
}).ParseFS(reportFS, "report.html"))

// WriteHTML renders the report as one HTML page with inline SVG plots and
// styles: it can be mailed or stored as an artifact and opened anywhere.
func (r *Report) WriteHTML(w io.Writer) error {
	if err := reportTemplate.Execute(w, r); err != nil {
		return weir.Errorf(weir.ErrInternal, "rendering report: %v", err)
	}
	return nil
}

// fmtNum writes a number for people: four significant digits, whole
// numbers from 1,000 on with thousands separators, "–" when undefined.
func fmtNum(v any) string {
	var f float64
	switch x := v.(type) {
	case Number:
		f = float64(x)
	case float64:
		f = x
	case int:
		return Thousands(x)
	default:
		return "?"
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "–"
	}
	a := math.Abs(f)
	switch {
	case a >= 1000 && a < 1e15:
		return Thousands(int(math.Round(f)))
	case a >= 1e15:
		return strconv.FormatFloat(f, 'g', 4, 64)
	case f == 0:
		return "0"
	case a < 1e-6:
		// p-values of strong drift: their digits say nothing more.
		if f < 0 {
			return "> -0.000001"
		}
		return "< 0.000001"
	case a < 1e-4:
		return strings.TrimRight(strconv.FormatFloat(f, 'f', 3-int(math.Floor(math.Log10(a))), 64), "0")
	}
	return strconv.FormatFloat(f, 'g', 4, 64)
}

func windowLabels(ws []WindowPerformance) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = windowName(w)
	}
	return out
}

func column(ws []WindowPerformance, get func(WindowPerformance) Number) []float64 {
	out := make([]float64, len(ws))
	for i, w := range ws {
		out[i] = float64(get(w))
	}
	return out
}

// perfSVG draws realised metrics over the windows.
func perfSVG(ws []WindowPerformance) template.HTML {
	return linesSVG([]series{
		{name: "ROC AUC", colour: refColour, values: column(ws, func(w WindowPerformance) Number { return w.ROCAUC })},
		{name: "precision", colour: curColour, values: column(ws, func(w WindowPerformance) Number { return w.Precision })},
		{name: "recall", colour: okColour, values: column(ws, func(w WindowPerformance) Number { return w.Recall })},
	}, windowLabels(ws))
}

// estimateSVG draws realised against estimated ROC AUC.
func estimateSVG(ws []WindowPerformance) template.HTML {
	return linesSVG([]series{
		{name: "realised ROC AUC", colour: refColour, values: column(ws, func(w WindowPerformance) Number { return w.ROCAUC })},
		{name: "estimated ROC AUC", colour: refColour, dashed: true, values: column(ws, func(w WindowPerformance) Number { return w.EstROCAUC })},
		{name: "mean score", colour: curColour, values: column(ws, func(w WindowPerformance) Number { return w.MeanScore })},
		{name: "positive rate", colour: badColour, values: column(ws, func(w WindowPerformance) Number { return w.PositiveRate })},
	}, windowLabels(ws))
}

// DecisionText says how windows decide and price rows: "a row is decided
// positive when its score reaches 0.1277; business value 40 a true
// positive, -10 a false positive".
func DecisionText(o WindowOptions) string {
	th := o.Threshold
	if th == 0 {
		th = 0.5
	}
	s := "a row is decided positive when its score reaches " + strconv.FormatFloat(th, 'f', -1, 64)
	if len(s) > 60 {
		s = "a row is decided positive when its score reaches " + strconv.FormatFloat(th, 'f', 4, 64)
	}
	if o.Value == (Value{}) {
		return s + "; no business value without prices"
	}
	var parts []string
	for _, p := range []struct {
		v    float64
		what string
	}{{o.Value.TP, "a true positive"}, {o.Value.FP, "a false positive"}, {o.Value.FN, "a false negative"}, {o.Value.TN, "a true negative"}} {
		if p.v != 0 {
			parts = append(parts, fmtNum(p.v)+" "+p.what)
		}
	}
	return s + "; business value " + strings.Join(parts, ", ")
}
