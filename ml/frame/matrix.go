package frame

import (
	"fmt"

	"github.com/weir-ml/weir/ml"
)

// Matrix copies the named numeric columns (all columns when names is empty)
// into an ml.Matrix, through Column.Float: missing values become NaN, bools
// 0/1, times Unix seconds. A categorical column is an error: encode it with
// package transform first.
func (f *Frame) Matrix(names ...string) (*ml.Matrix, error) {
	if len(names) == 0 {
		names = f.Names()
	}
	m := ml.NewMatrix(f.rows, len(names))
	m.Names = append([]string(nil), names...)
	for j, name := range names {
		c, err := f.Column(name)
		if err != nil {
			return nil, err
		}
		if !c.Kind().Numeric() {
			return nil, fmt.Errorf("frame: column %q is %s, not numeric", name, c.Kind())
		}
		dst := m.Cols[j]
		if fc, ok := c.(*FloatColumn); ok {
			copy(dst, fc.Values)
			continue
		}
		for i := range dst {
			dst[i] = c.Float(i)
		}
	}
	return m, nil
}
