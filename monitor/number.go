package monitor

import (
	"math"
	"strconv"
)

// Number is a float64 that JSON cannot choke on: NaN and ±Inf (an unseen
// category's chi-square statistic, a statistic a test does not have) are
// written as null and read back as NaN.
type Number float64

// MarshalJSON writes finite values in their shortest form and null
// otherwise.
func (n Number) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// UnmarshalJSON reads a number, or null as NaN.
func (n *Number) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = Number(math.NaN())
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	*n = Number(f)
	return err
}
