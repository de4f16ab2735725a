package sklearn

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/weir-ml/weir/mlmodel/sklearn/pyobj"
)

// decodePy turns the JSON dump that tests/reference/gen_sklearn_models.py
// writes back into the values the pyobj readers give, so that Build is
// tested on fitted state before those readers exist.
func decodePy(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return pyValue(v)
}

func pyValue(v any) (any, error) {
	switch v := v.(type) {
	case nil, bool, string:
		return v, nil
	case json.Number:
		return pyNumber(v)
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			var err error
			if out[i], err = pyValue(x); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[string]any:
		return pyTagged(v)
	}
	return nil, fmt.Errorf("unexpected JSON %T", v)
}

func pyNumber(n json.Number) (any, error) {
	if strings.ContainsAny(n.String(), ".eE") {
		return n.Float64()
	}
	return n.Int64()
}

func pyTagged(m map[string]any) (any, error) {
	if len(m) != 1 {
		return nil, fmt.Errorf("tagged value with %d keys", len(m))
	}
	for tag, body := range m {
		switch tag {
		case "__float__":
			switch body {
			case "nan":
				return math.NaN(), nil
			case "inf":
				return math.Inf(1), nil
			case "-inf":
				return math.Inf(-1), nil
			}
		case "__dict__":
			d, _ := body.(map[string]any)
			out := make(map[string]any, len(d))
			for k, x := range d {
				var err error
				if out[k], err = pyValue(x); err != nil {
					return nil, err
				}
			}
			return out, nil
		case "__type__":
			d, _ := body.(map[string]any)
			mod, _ := d["module"].(string)
			name, _ := d["name"].(string)
			return &pyobj.Type{Module: mod, Name: name}, nil
		case "__object__":
			return pyObject(body)
		case "__array__":
			return pyArray(body)
		}
		return nil, fmt.Errorf("unknown tag %q", tag)
	}
	return nil, nil
}

func pyObject(body any) (any, error) {
	d, _ := body.(map[string]any)
	o := &pyobj.Object{}
	o.Module, _ = d["module"].(string)
	o.Class, _ = d["class"].(string)
	if st, ok := d["state"].(map[string]any); ok {
		o.State = make(map[string]any, len(st))
		for k, x := range st {
			var err error
			if o.State[k], err = pyValue(x); err != nil {
				return nil, fmt.Errorf("%s.%s: %w", o.Class, k, err)
			}
		}
	}
	if args, ok := d["args"].([]any); ok {
		a, err := pyValue(args)
		if err != nil {
			return nil, err
		}
		o.Args = a.([]any)
	}
	return o, nil
}

func pyArray(body any) (any, error) {
	d, _ := body.(map[string]any)
	a := &pyobj.Array{}
	a.DType, _ = d["dtype"].(string)
	shape, _ := d["shape"].([]any)
	for _, s := range shape {
		n, err := s.(json.Number).Int64()
		if err != nil {
			return nil, err
		}
		a.Shape = append(a.Shape, int(n))
	}
	if a.DType == "record" {
		names, _ := d["field_names"].([]any)
		fields, _ := d["fields"].(map[string]any)
		a.Fields = map[string]*pyobj.Array{}
		for _, n := range names {
			name := n.(string)
			f, err := pyValue(fields[name])
			if err != nil {
				return nil, err
			}
			a.Fields[name] = f.(*pyobj.Array)
			a.FieldNames = append(a.FieldNames, name)
		}
		return a, nil
	}
	data, _ := d["data"].([]any)
	switch {
	case a.DType == "object":
		v, err := pyValue(data)
		if err != nil {
			return nil, err
		}
		a.Data = v
	case strings.ContainsAny(a.DType[1:2], "f"):
		f := make([]float64, len(data))
		for i, x := range data {
			v, err := pyValue(x)
			if err != nil {
				return nil, err
			}
			switch v := v.(type) {
			case float64:
				f[i] = v
			case int64:
				f[i] = float64(v)
			}
		}
		a.Data = f
	case strings.ContainsAny(a.DType[1:2], "iub"):
		n := make([]int64, len(data))
		for i, x := range data {
			v, err := x.(json.Number).Int64()
			if err != nil {
				return nil, err
			}
			n[i] = v
		}
		a.Data = n
	default:
		s := make([]string, len(data))
		for i, x := range data {
			s[i], _ = x.(string)
		}
		a.Data = s
	}
	return a, nil
}
