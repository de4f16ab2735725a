package pipeline

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml/frame"
)

// maxExamples bounds the example rows a violation quotes.
const maxExamples = 3

// Validate checks f against the rules and returns the first violation as an
// error naming the column, the rule and example rows (1-based data rows).
func Validate(f *frame.Frame, rules []ColumnRule) error {
	for _, rule := range rules {
		c, err := f.Column(rule.Name)
		if err != nil {
			return weir.Errorf(weir.ErrInvalidParameterValue, "validation: column %s: rule \"exists\" fails: the data has columns %s", rule.Name, strings.Join(f.Names(), ", "))
		}
		if rule.Kind != "" {
			want, err := frame.ParseKind(rule.Kind)
			if err != nil {
				return weir.Errorf(weir.ErrInvalidParameterValue, "validation: column %s: %v", rule.Name, err)
			}
			if got := c.Kind(); got != want && !(want == frame.Float && got == frame.Int) {
				return weir.Errorf(weir.ErrInvalidParameterValue, "validation: column %s: rule \"kind: %s\" fails: the column is %s", rule.Name, want, got)
			}
		}
		var checks []check
		if rule.Required {
			checks = append(checks, check{"required", c.IsMissing})
		}
		if rule.Min != nil {
			lo := *rule.Min
			checks = append(checks, check{"min: " + fmtNum(lo), func(i int) bool { x := c.Float(i); return !c.IsMissing(i) && (math.IsNaN(x) || x < lo) }})
		}
		if rule.Max != nil {
			hi := *rule.Max
			checks = append(checks, check{"max: " + fmtNum(hi), func(i int) bool { x := c.Float(i); return !c.IsMissing(i) && (math.IsNaN(x) || x > hi) }})
		}
		if len(rule.Values) > 0 {
			checks = append(checks, check{"values: [" + strings.Join(rule.Values, ", ") + "]", func(i int) bool { return !c.IsMissing(i) && !slices.Contains(rule.Values, c.Text(i)) }})
		}
		for _, ch := range checks {
			var rows []string
			n := 0
			for i := 0; i < c.Len(); i++ {
				if ch.bad(i) {
					n++
					if len(rows) < maxExamples {
						rows = append(rows, fmt.Sprintf("row %d = %q", i+1, c.Text(i)))
					}
				}
			}
			if n > 0 {
				return weir.Errorf(weir.ErrInvalidParameterValue, "validation: column %s: rule %q fails on %d rows, e.g. %s", rule.Name, ch.name, n, strings.Join(rows, ", "))
			}
		}
	}
	return nil
}

// check is one rule on a column: its name as the YAML spells it, and the
// test of a row.
type check struct {
	name string
	bad  func(i int) bool
}

func fmtNum(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func runValidate(ctx context.Context, r *Runner, dir string) (any, error) {
	f, err := r.st.data()
	if err != nil {
		return nil, err
	}
	if err := Validate(f, r.Spec.Validation.Columns); err != nil {
		return nil, err
	}
	return map[string]int{"rules": len(r.Spec.Validation.Columns)}, nil
}
