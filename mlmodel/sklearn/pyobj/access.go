package pyobj

import "fmt"

// Describe names the kind of a graph value for error messages: "None",
// "int", "float", "list", "dict", "float array", "LogisticRegression", ...
func Describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	case map[string]any:
		return "dict"
	case *Object:
		if v == nil {
			return "None"
		}
		return v.Class
	case *Type:
		return "type " + v.Name
	case *Array:
		if v == nil {
			return "None"
		}
		switch v.Data.(type) {
		case []float64:
			return "float array"
		case []int64:
			return "int array"
		case []string:
			return "string array"
		case []any:
			return "object array"
		}
		if v.Fields != nil {
			return "record array"
		}
		return "array"
	}
	return fmt.Sprintf("%T", v)
}
