package serve

import (
	"encoding/json"
	"math"
	"strconv"
)

// oipIntRange is the range of each integer datatype; UINT64's upper end
// is checked by parsing.
var oipIntRange = map[string][2]float64{
	"INT8": {math.MinInt8, math.MaxInt8}, "INT16": {math.MinInt16, math.MaxInt16},
	"INT32": {math.MinInt32, math.MaxInt32}, "INT64": {math.MinInt64, math.MaxInt64},
	"UINT8": {0, math.MaxUint8}, "UINT16": {0, math.MaxUint16}, "UINT32": {0, math.MaxUint32},
	"UINT64": {0, math.MaxUint64},
}

// oipFloatMax is the largest finite value of each floating datatype.
var oipFloatMax = map[string]float64{"FP16": 65504, "FP32": math.MaxFloat32, "FP64": math.MaxFloat64}

// oipAccepts says which tensor datatypes a signature column type takes:
// numbers for numeric columns (an integer column checks that each value
// is integral), BYTES for text, BOOL for booleans. Types missing from the
// map (ones Weir's models never declare) take any datatype.
func oipAccepts(colType, datatype string) bool {
	_, isInt := oipIntRange[datatype]
	_, isFloat := oipFloatMax[datatype]
	switch colType {
	case TypeLong, TypeInteger, TypeDouble, TypeFloat:
		return isInt || isFloat
	case TypeString, TypeDatetime:
		return datatype == "BYTES"
	case TypeBoolean:
		return datatype == "BOOL"
	}
	return true
}

// checkOIPValue checks the k-th value of tensor t against its datatype:
// JSON type, integral, within the datatype's range; and refuses null when
// the column it fills is required.
func checkOIPValue(t *oipTensor, k int, v any, c *Column) error {
	if v == nil {
		if c != nil && c.Required {
			return inputErrorf("input %q: value %d is null, but column %q is required", t.Name, k, c.Name)
		}
		return nil
	}
	switch dt := t.Datatype; dt {
	case "BOOL":
		if _, ok := v.(bool); !ok {
			return inputErrorf("input %q: value %d is %s, not a BOOL", t.Name, k, describe(v))
		}
	case "BYTES":
		if _, ok := v.(string); !ok {
			return inputErrorf("input %q: value %d is %s, not BYTES (a string)", t.Name, k, describe(v))
		}
	default:
		n, ok := v.(json.Number)
		if !ok {
			return inputErrorf("input %q: value %d is %s, not a number of datatype %s", t.Name, k, describe(v), dt)
		}
		if r, isInt := oipIntRange[dt]; isInt {
			return checkOIPInt(t, k, string(n), r)
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil || math.Abs(f) > oipFloatMax[dt] {
			return inputErrorf("input %q: value %d (%s) is out of the range of %s", t.Name, k, string(n), dt)
		}
	}
	return nil
}

func checkOIPInt(t *oipTensor, k int, s string, r [2]float64) error {
	if t.Datatype == "UINT64" {
		if _, err := strconv.ParseUint(s, 10, 64); err != nil {
			return inputErrorf("input %q: value %d (%s) is not an integer in the range of UINT64 (0 to 18446744073709551615)", t.Name, k, s)
		}
		return nil
	}
	x, err := strconv.ParseInt(s, 10, 64)
	if err != nil || float64(x) < r[0] || float64(x) > r[1] {
		return inputErrorf("input %q: value %d (%s) is not an integer in the range of %s (%.0f to %.0f)", t.Name, k, s, t.Datatype, r[0], r[1])
	}
	return nil
}
