package serve

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/mlmodel"
)

// oipDatatype maps MLflow column types to Open Inference Protocol tensor
// datatypes; strings and datetimes travel as BYTES.
var oipDatatype = map[string]string{
	TypeBoolean:  "BOOL",
	TypeInteger:  "INT32",
	TypeLong:     "INT64",
	TypeFloat:    "FP32",
	TypeDouble:   "FP64",
	TypeString:   "BYTES",
	TypeDatetime: "BYTES",
}

// oipDatatypes are the datatypes a request may declare.
var oipDatatypes = map[string]bool{
	"BOOL": true, "UINT8": true, "UINT16": true, "UINT32": true, "UINT64": true,
	"INT8": true, "INT16": true, "INT32": true, "INT64": true,
	"FP16": true, "FP32": true, "FP64": true, "BYTES": true,
}

// TensorMetadata describes one input or output in model metadata.
type TensorMetadata struct {
	Name     string  `json:"name"`
	Datatype string  `json:"datatype"`
	Shape    []int64 `json:"shape"`
}

// ModelMetadata is the Open Inference Protocol model metadata answer.
type ModelMetadata struct {
	Name     string           `json:"name"`
	Versions []string         `json:"versions"`
	Platform string           `json:"platform"`
	Inputs   []TensorMetadata `json:"inputs"`
	Outputs  []TensorMetadata `json:"outputs"`
}

// metadataOf describes m: one [-1] input per signature column, and its
// outputs (outputMetadata).
func metadataOf(m *Loaded) ModelMetadata {
	md := ModelMetadata{Name: m.Name, Versions: []string{}, Platform: "weir"}
	if m.Version != "" {
		md.Versions = []string{m.Version}
	}
	for _, c := range m.Model.Inputs() {
		dt, ok := oipDatatype[c.Type]
		if !ok {
			dt = "BYTES"
		}
		md.Inputs = append(md.Inputs, TensorMetadata{Name: c.Name, Datatype: dt, Shape: []int64{-1}})
	}
	md.Outputs = outputMetadata(&m.Output)
	return md
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeOIPError(w, http.StatusInternalServerError, "could not encode the answer")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

func (s *Server) oipServerMetadata(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"name": "weir", "version": weir.Version, "extensions": []string{}})
}

func (s *Server) oipLive(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]bool{"live": true})
}

func (s *Server) oipReady(w http.ResponseWriter, r *http.Request) {
	ready := s.current.Load() != nil
	status := http.StatusOK
	if !ready {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, map[string]bool{"ready": ready})
}

// oipModel returns the served model when the path names it (and its
// version, if the path has one), else answers 404.
func (s *Server) oipModel(w http.ResponseWriter, r *http.Request) *served {
	m := s.current.Load()
	name, version := r.PathValue("name"), r.PathValue("version")
	if m == nil || name != m.Name || (version != "" && version != m.Version) {
		msg := "Model " + name + " not found"
		if version != "" {
			msg = "Model " + name + " version " + version + " not found"
		}
		writeOIPError(w, http.StatusNotFound, msg)
		return nil
	}
	return m
}

func (s *Server) oipModelMetadata(w http.ResponseWriter, r *http.Request) {
	if m := s.oipModel(w, r); m != nil {
		writeJSON(w, http.StatusOK, metadataOf(m.Loaded))
	}
}

func (s *Server) oipModelReady(w http.ResponseWriter, r *http.Request) {
	if m := s.oipModel(w, r); m != nil {
		writeJSON(w, http.StatusOK, map[string]any{"name": m.Name, "ready": true})
	}
}

// oipRequest is an inference request body.
type oipRequest struct {
	ID      string      `json:"id"`
	Inputs  []oipTensor `json:"inputs"`
	Outputs []struct {
		Name string `json:"name"`
	} `json:"outputs"`
}

type oipTensor struct {
	Name     string  `json:"name"`
	Shape    []int64 `json:"shape"`
	Datatype string  `json:"datatype"`
	Data     any     `json:"data"`
}

func (s *Server) oipInfer(w http.ResponseWriter, r *http.Request) {
	if s.oipModel(w, r) == nil {
		return
	}
	strict := s.StrictColumns
	s.score(w, r, true, func(m *served, body []byte, id string, _ []byte, res *reservation) ([]byte, error) {
		start := time.Now()
		if err := res.take(valueBound(body, false)*costOIP + int64(len(body))); err != nil {
			return nil, err
		}
		req, err := parseOIPRequest(body)
		if err != nil {
			return nil, err
		}
		rows, err := m.schema.decodeOIP(req, strict)
		s.Metrics.stage(stageDecode, time.Since(start))
		if err != nil {
			return nil, err
		}
		want, err := requestedOutputs(req, &m.Output)
		if err != nil {
			return nil, err
		}
		if req.ID != "" {
			id = req.ID
		}
		preds, err := s.predict(m, rows, id)
		if err != nil {
			return nil, err
		}
		start = time.Now()
		b := encodeOIP(m.Loaded, id, preds, want)
		s.Metrics.stage(stageEncode, time.Since(start))
		return b, nil
	})
}

// parseOIPRequest reads an inference request with parseJSON (half the
// CPU of encoding/json's reflection on tabular bodies) and checks the type
// of each field it uses.
func parseOIPRequest(body []byte) (*oipRequest, error) {
	v, err := parseJSON(body)
	if err != nil {
		return nil, inputErrorf("Invalid inference request: %v", err)
	}
	top, ok := v.(map[string]any)
	if !ok {
		return nil, inputErrorf("Invalid inference request: want a JSON object")
	}
	req := &oipRequest{}
	if id, ok := top["id"]; ok && id != nil {
		if req.ID, ok = id.(string); !ok {
			return nil, inputErrorf("Invalid inference request: 'id' must be a string")
		}
	}
	inputs, _ := top["inputs"].([]any)
	if top["inputs"] != nil && inputs == nil {
		return nil, inputErrorf("Invalid inference request: 'inputs' must be a list")
	}
	for k, in := range inputs {
		t, ok := in.(map[string]any)
		if !ok {
			return nil, inputErrorf("Invalid inference request: input %d must be an object", k)
		}
		var ti oipTensor
		ti.Name, _ = t["name"].(string)
		ti.Datatype, _ = t["datatype"].(string)
		shape, ok := t["shape"].([]any)
		if !ok {
			return nil, inputErrorf("input %q: 'shape' must be a list of integers", ti.Name)
		}
		for _, d := range shape {
			n, ok := d.(json.Number)
			x, err := n.Int64()
			if !ok || err != nil {
				return nil, inputErrorf("input %q: 'shape' must be a list of integers", ti.Name)
			}
			ti.Shape = append(ti.Shape, x)
		}
		ti.Data = t["data"]
		req.Inputs = append(req.Inputs, ti)
	}
	if outs, ok := top["outputs"].([]any); ok {
		for k, o := range outs {
			om, ok := o.(map[string]any)
			name, _ := om["name"].(string)
			if !ok || name == "" {
				return nil, inputErrorf("Invalid inference request: output %d must be an object with a name", k)
			}
			req.Outputs = append(req.Outputs, struct {
				Name string `json:"name"`
			}{name})
		}
	}
	return req, nil
}

// requestedOutputs returns which of the model's outputs (outputNames) to
// send: all when the request names none.
func requestedOutputs(req *oipRequest, o *mlmodel.Output) (want [2]bool, err error) {
	names := outputNames(o)
	if len(req.Outputs) == 0 {
		return [2]bool{true, len(names) > 1}, nil
	}
	for _, r := range req.Outputs {
		i := slices.Index(names, r.Name)
		if i < 0 {
			return want, inputErrorf("unknown output %q; the model has outputs %s", r.Name, quotedList(names))
		}
		want[i] = true
	}
	return want, nil
}

// quotedList writes names as "a", "b" and "c".
func quotedList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

// decodeOIP reads either one [N] (or [N, 1]) input per column, matched by
// name, or a single [N, F] tensor whose F columns are the signature's, in
// order.
func (s *schema) decodeOIP(req *oipRequest, strict bool) ([][]any, error) {
	if len(req.Inputs) == 0 {
		return nil, inputErrorf("the request has no inputs")
	}
	flat := make([][]any, len(req.Inputs))
	for k := range req.Inputs {
		t := &req.Inputs[k]
		if !oipDatatypes[t.Datatype] {
			return nil, inputErrorf("input %q: unknown datatype %q", t.Name, t.Datatype)
		}
		n := int64(1)
		for _, d := range t.Shape {
			if d < 0 || d > 1<<31 {
				return nil, inputErrorf("input %q: shape %s has a dimension out of range", t.Name, shapeText(t.Shape))
			}
			if n *= d; n > 1<<40 {
				return nil, inputErrorf("input %q: shape %s is too large", t.Name, shapeText(t.Shape))
			}
		}
		if _, ok := t.Data.([]any); !ok {
			return nil, inputErrorf("input %q: 'data' must be a list of values, got %s", t.Name, describeOrNull(t.Data))
		}
		flat[k] = flatten(t.Data, nil)
		if len(t.Shape) == 0 || int64(len(flat[k])) != n {
			return nil, inputErrorf("input %q: shape %s needs %d values, got %d", t.Name, shapeText(t.Shape), n, len(flat[k]))
		}
	}
	if t := &req.Inputs[0]; len(req.Inputs) == 1 && len(t.Shape) == 2 && t.Shape[1] > 1 {
		return s.fromTensor(t, flat[0])
	}
	names := make([]string, len(req.Inputs))
	n := int64(-1)
	for k, t := range req.Inputs {
		names[k] = t.Name
		if len(t.Shape) > 2 || (len(t.Shape) == 2 && t.Shape[1] != 1) {
			return nil, inputErrorf("input %q: a column input has shape [N] or [N, 1], got %s", t.Name, shapeText(t.Shape))
		}
		if n >= 0 && t.Shape[0] != n {
			return nil, inputErrorf("input %q has %d rows, others have %d", t.Name, t.Shape[0], n)
		}
		n = t.Shape[0]
	}
	pos, err := s.layout(names, strict)
	if err != nil {
		return nil, err
	}
	rows := s.alloc(int(n))
	for k := range req.Inputs {
		j := pos[k]
		if j < 0 {
			continue
		}
		t, col := &req.Inputs[k], &s.cols[j]
		if !oipAccepts(col.Type, t.Datatype) {
			return nil, schemaErrorf("input %q: datatype %s does not fit column type %s (want %s)", t.Name, t.Datatype, col.Type, oipDatatypeOf(col.Type))
		}
		for i, v := range flat[k] {
			if err := checkOIPValue(t, i, v, col); err != nil {
				return nil, err
			}
			c, err := coerce(col, v)
			if err != nil {
				return nil, err
			}
			rows[i][j] = c
		}
	}
	return rows, nil
}

func (s *schema) fromTensor(t *oipTensor, data []any) ([][]any, error) {
	f := int(t.Shape[1])
	if f != len(s.cols) {
		return nil, schemaErrorf("input %q has %d columns but the model has %d input columns %s", t.Name, f, len(s.cols), quotedList(s.names()))
	}
	for j := range f {
		if c := &s.cols[j]; !oipAccepts(c.Type, t.Datatype) {
			return nil, schemaErrorf("input %q: datatype %s does not fit column %q of type %s (want %s)", t.Name, t.Datatype, c.Name, c.Type, oipDatatypeOf(c.Type))
		}
	}
	rows := s.alloc(int(t.Shape[0]))
	for i := range rows {
		for j := range f {
			if err := checkOIPValue(t, i*f+j, data[i*f+j], &s.cols[j]); err != nil {
				return nil, err
			}
			c, err := coerce(&s.cols[j], data[i*f+j])
			if err != nil {
				return nil, err
			}
			rows[i][j] = c
		}
	}
	return rows, nil
}

// shapeText writes a shape as [2, 3].
func shapeText(shape []int64) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.FormatInt(d, 10)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// oipDatatypeOf names the datatype of a column type, for messages.
func oipDatatypeOf(colType string) string {
	if dt, ok := oipDatatype[colType]; ok {
		return dt
	}
	return "BYTES"
}

func describeOrNull(v any) string {
	if v == nil {
		return "null"
	}
	return describe(v)
}

// flatten appends the leaves of nested arrays in row-major order. A flat
// list is returned as it is, without a copy.
func flatten(v any, dst []any) []any {
	if a, ok := v.([]any); ok && dst == nil && isFlat(a) {
		return a
	}
	return flattenInto(v, dst)
}

func isFlat(a []any) bool {
	for _, x := range a {
		if _, ok := x.([]any); ok {
			return false
		}
	}
	return true
}

func flattenInto(v any, dst []any) []any {
	if a, ok := v.([]any); ok {
		for _, x := range a {
			dst = flattenInto(x, dst)
		}
		return dst
	}
	return append(dst, v)
}

// encodeOIP writes the inference answer: the outputs want selects among
// outputNames, the first numeric (one value per row, or K per row for a
// multiclass classifier), the second the labels.
func encodeOIP(m *Loaded, id string, preds []Prediction, want [2]bool) []byte {
	b := make([]byte, 0, 128+len(preds)*32)
	b = append(b, `{"model_name":`...)
	b = appendString(b, m.Name)
	b = append(b, `,"model_version":`...)
	b = appendString(b, m.Version)
	b = append(b, `,"id":`...)
	b = appendString(b, id)
	b = append(b, `,"outputs":[`...)
	names, n := outputNames(&m.Output), strconv.Itoa(len(preds))
	if m.Output.Predict == mlmodel.PredictRaw {
		b = appendRawOutput(b, preds)
		return append(b, "]}"...)
	}
	if want[0] {
		k := 1
		shape := "[" + n + "]"
		if multiclass(&m.Output) {
			k = len(m.Output.Classes)
			shape = "[" + n + "," + strconv.Itoa(k) + "]"
		}
		b = append(b, `{"name":`...)
		b = appendString(b, names[0])
		b = append(b, `,"datatype":"FP64","shape":`...)
		b = append(b, shape...)
		b = append(b, `,"data":[`...)
		for i, p := range preds {
			if i > 0 {
				b = append(b, ',')
			}
			if k > 1 {
				for j, v := range p.Proba {
					if j > 0 {
						b = append(b, ',')
					}
					b = appendFloat(b, v)
				}
				continue
			}
			b = appendFloat(b, p.Value)
		}
		b = append(b, "]}"...)
	}
	if want[1] {
		if want[0] {
			b = append(b, ',')
		}
		b = append(b, `{"name":"label","datatype":"BYTES","shape":[`...)
		b = append(b, n...)
		b = append(b, `],"data":[`...)
		for i, p := range preds {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, p.Label)
		}
		b = append(b, "]}"...)
	}
	return append(b, "]}"...)
}
