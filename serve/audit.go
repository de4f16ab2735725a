package serve

import (
	"math"
	"strconv"
	"sync/atomic"

	"github.com/weir-ml/weir/ml/transform"
)

// CategoryModel is a Model that knows the categories each of its string
// inputs was fitted with. The server counts values outside them
// (weir_serve_unknown_category_total) and, with StrictCategories, refuses
// them.
type CategoryModel interface {
	Model
	// Categories maps input column names to their fitted categories;
	// columns it leaves out are not checked.
	Categories() map[string][]string
}

// categorySource tells fitted categories by column name: a CategoryModel,
// or an mlmodel.Scorer that has the method.
type categorySource interface {
	Categories() map[string][]string
}

// Categories returns the categories of the predictor's encoders (one-hot,
// with its infrequent ones; ordinal; target) by input column.
func (m *PredictorModel) Categories() map[string][]string {
	out := map[string][]string{}
	for _, st := range m.P.Preprocessor.Steps {
		for _, tr := range st.Transforms {
			for k, col := range st.Columns {
				var cats []string
				switch t := tr.(type) {
				case *transform.OneHot:
					if k < len(t.Columns) {
						cats = append(append(cats, t.Columns[k].Categories...), t.Columns[k].Infrequent...)
					}
				case *transform.Ordinal:
					if k < len(t.Categories) {
						cats = t.Categories[k]
					}
				case *transform.TargetEncoder:
					if k < len(t.Columns) {
						cats = t.Columns[k].Categories
					}
				default:
					continue
				}
				out[col] = append(out[col], cats...)
			}
		}
	}
	return out
}

// knownCategories returns, per input column of m, the set of its fitted
// categories, or nil where m does not say (or the column is not a string).
func knownCategories(m Model, cols []Column) []map[string]struct{} {
	var src categorySource
	if cm, ok := m.(CategoryModel); ok {
		src = cm
	} else if sm, ok := m.(*ScorerModel); ok {
		// A foreign model's scorer may tell its categories (LightGBM's
		// pandas categories, a scikit-learn encoder's categories_).
		src, _ = sm.S.(categorySource)
	}
	if src == nil {
		return make([]map[string]struct{}, len(cols))
	}
	cats := src.Categories()
	known := make([]map[string]struct{}, len(cols))
	for j, c := range cols {
		list, ok := cats[c.Name]
		if !ok || c.Type != TypeString {
			continue
		}
		set := make(map[string]struct{}, len(list))
		for _, v := range list {
			set[v] = struct{}{}
		}
		known[j] = set
	}
	return known
}

// columnCount is the per-column counters of values scored as missing
// (and so imputed or routed by the model's missing-value rule) and of
// categories the model was not fitted with.
type columnCount struct {
	imputed, unknown atomic.Uint64
	categorical      bool
}

// missing reports whether v is a missing value: null, or NaN.
func missing(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case float64:
		return math.IsNaN(v)
	}
	return false
}

// audit counts the missing values and unknown categories of rows, by
// column, or refuses the first unknown category when strict.
func (s *Server) audit(m *served, rows [][]any, strict bool) error {
	cols := m.schema.cols
	if len(rows) == 0 {
		return nil
	}
	imputed := make([]uint64, len(cols))
	unknown := make([]uint64, len(cols))
	for i, r := range rows {
		for j, v := range r {
			if missing(v) {
				imputed[j]++
				continue
			}
			known := m.known[j]
			if known == nil {
				continue
			}
			str, ok := v.(string)
			if !ok {
				continue
			}
			if _, ok := known[str]; !ok {
				if strict {
					return schemaErrorf("column %q: unknown category %s in row %d; the model was fitted with %d categories for it (the server runs with --strict-categories)",
						cols[j].Name, strconv.Quote(cut(str, 60)), i, len(known))
				}
				unknown[j]++
			}
		}
	}
	for j := range cols {
		if imputed[j] > 0 {
			m.tally[j].imputed.Add(imputed[j])
		}
		if unknown[j] > 0 {
			m.tally[j].unknown.Add(unknown[j])
		}
	}
	return nil
}

func cut(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// rowAudit lists, for the inference log, the columns of one row that are
// missing and those that hold an unknown category.
func rowAudit(row []any, cols []Column, known []map[string]struct{}) (imputed, unknown []string) {
	for j, v := range row {
		if missing(v) {
			imputed = append(imputed, cols[j].Name)
			continue
		}
		if j < len(known) && known[j] != nil {
			if str, ok := v.(string); ok {
				if _, ok := known[j][str]; !ok {
					unknown = append(unknown, cols[j].Name)
				}
			}
		}
	}
	return imputed, unknown
}
