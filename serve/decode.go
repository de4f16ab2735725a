package serve

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
)

// The four keys of MLflow's JSON scoring format; a request has exactly one.
const (
	keySplit     = "dataframe_split"
	keyRecords   = "dataframe_records"
	keyInstances = "instances"
	keyInputs    = "inputs"
)

const formatHelp = "The input must be a JSON dictionary with exactly one of the input fields {'dataframe_split', 'dataframe_records', 'instances', 'inputs'}, and optionally 'params'."

// decodeJSON reads an MLflow /invocations JSON body into rows in schema
// order: through decodeSplit when it takes the body (in rb's memory, when
// rb is not nil), else decodeTree. It takes each path's cost from res
// before it runs.
func (s *schema) decodeJSON(body []byte, strict bool, rb *rowsBuf, res *reservation) ([][]any, error) {
	n := valueBound(body, false)
	// The text of strings is copied out of the body: its size once more.
	if err := res.take(n*costSplit + int64(len(body))); err != nil {
		return nil, err
	}
	if rows, ok := s.decodeSplit(body, strict, rb); ok {
		return rows, nil
	}
	if err := res.take(n * (costTree - costSplit)); err != nil {
		return nil, err
	}
	return s.decodeTree(body, strict)
}

// decodeTree decodes any MLflow JSON body: parsed whole into a generic
// tree, then read in the form its key names.
func (s *schema) decodeTree(body []byte, strict bool) ([][]any, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, inputErrorf("%s", formatHelp)
	}
	v, err := parseJSON(body)
	if err != nil {
		return nil, inputErrorf("Invalid input. Ensure the input is valid JSON: %v", err)
	}
	top := v.(map[string]any) // the body starts with an opening brace
	var key string
	for _, k := range []string{keySplit, keyRecords, keyInstances, keyInputs} {
		if _, ok := top[k]; ok {
			if key != "" {
				return nil, inputErrorf("%s Got both %q and %q.", formatHelp, key, k)
			}
			key = k
		}
	}
	if key == "" {
		return nil, inputErrorf("%s", formatHelp)
	}
	if p, ok := top["params"]; ok && p != nil {
		// Weir's classifiers take no inference parameters; MLflow also
		// ignores params a model does not declare, but not malformed ones.
		if _, ok := p.(map[string]any); !ok {
			return nil, inputErrorf("'params' must be a JSON dictionary, got %s", describe(p))
		}
	}
	v = top[key]
	switch key {
	case keySplit:
		return s.fromSplit(v, strict)
	case keyRecords:
		recs, ok := v.([]any)
		if !ok {
			return nil, inputErrorf("'dataframe_records' must be a list of records, got %s", describe(v))
		}
		return s.fromRecords(recs, strict)
	case keyInputs:
		if cols, ok := v.(map[string]any); ok {
			return s.fromColumns(cols, strict)
		}
	}
	list, ok := v.([]any)
	if !ok {
		return nil, inputErrorf("'%s' must be a list of rows or a dictionary of columns, got %s", key, describe(v))
	}
	return s.fromNamedList(key, list, strict)
}

// fromNamedList reads the list of instances or inputs: records, matched to
// the signature by name, or for a one-column model bare values. Rows of
// values are refused rather than matched by position: a client's column
// order (a CSV's) is rarely the signature's, and a row whose types happen
// to fit would be scored wrong without a word.
func (s *schema) fromNamedList(key string, list []any, strict bool) ([][]any, error) {
	if len(list) > 0 && len(s.cols) > 1 {
		if _, ok := list[0].([]any); ok {
			return nil, inputErrorf("'%s' row 0 is a list of values, which are not matched to the model's %d input columns by position; "+
				"name them: records ({%q: ..., ...}), a dictionary of columns ({%q: [...], ...}) under 'inputs', or dataframe_split with 'columns'",
				key, len(s.cols), s.cols[0].Name, s.cols[0].Name)
		}
	}
	return s.fromList(list, strict)
}

func unmarshalNumbers(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("unexpected data after the top-level value")
	}
	return nil
}

// fromSplit reads pandas' "split" orient: {"columns": [...], "data": [[...]]}.
// Without "columns" the rows are read positionally in signature order.
func (s *schema) fromSplit(v any, strict bool) ([][]any, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, inputErrorf("'dataframe_split' must be a dictionary with 'columns' and 'data', got %s", describe(v))
	}
	data, ok := obj["data"].([]any)
	if !ok {
		return nil, inputErrorf("'dataframe_split' needs 'data', a list of rows")
	}
	rawCols, present := obj["columns"]
	if !present {
		return s.fromList(data, strict)
	}
	cl, ok := rawCols.([]any)
	if !ok {
		return nil, inputErrorf("'dataframe_split.columns' must be a list of column names")
	}
	names := make([]string, len(cl))
	for k, c := range cl {
		if names[k], ok = c.(string); !ok {
			return nil, inputErrorf("'dataframe_split.columns' must be a list of column names, got %s", describe(c))
		}
	}
	pos, err := s.layout(names, strict)
	if err != nil {
		return nil, err
	}
	rows := s.alloc(len(data))
	for i, r := range data {
		cells, ok := r.([]any)
		if !ok || len(cells) != len(names) {
			return nil, inputErrorf("'dataframe_split.data' row %d must be a list of %d values", i, len(names))
		}
		if err := s.fill(rows[i], pos, cells); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// fromRecords reads a list of {"column": value} records. A column absent
// from some records is missing in those rows, as pandas fills it with NaN.
func (s *schema) fromRecords(recs []any, strict bool) ([][]any, error) {
	var names []string
	seen := map[string]bool{}
	for i, r := range recs {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, inputErrorf("record %d must be a JSON dictionary, got %s", i, describe(r))
		}
		for k := range m {
			if !seen[k] {
				seen[k] = true
				names = append(names, k)
			}
		}
	}
	slices.Sort(names) // deterministic error messages
	if _, err := s.layout(names, strict); err != nil {
		return nil, err
	}
	rows := s.alloc(len(recs))
	for i, r := range recs {
		for k, v := range r.(map[string]any) {
			j, ok := s.index[k]
			if !ok {
				continue
			}
			c, err := coerce(&s.cols[j], v)
			if err != nil {
				return nil, err
			}
			rows[i][j] = c
		}
	}
	return rows, nil
}

// fromColumns reads TF-serving's columnar form: {"column": [values...]}.
func (s *schema) fromColumns(cols map[string]any, strict bool) ([][]any, error) {
	names := make([]string, 0, len(cols))
	for k := range cols {
		names = append(names, k)
	}
	slices.Sort(names)
	if _, err := s.layout(names, strict); err != nil {
		return nil, err
	}
	n := -1
	for _, k := range names {
		vals, ok := cols[k].([]any)
		if !ok {
			// A scalar is a one-row column, as MLflow accepts it.
			vals = []any{cols[k]}
			cols[k] = vals
		}
		if n >= 0 && len(vals) != n {
			return nil, inputErrorf("input column %q has %d values, others have %d", k, len(vals), n)
		}
		n = len(vals)
	}
	rows := s.alloc(max(n, 0))
	for _, k := range names {
		j, ok := s.index[k]
		if !ok {
			continue
		}
		for i, v := range cols[k].([]any) {
			c, err := coerce(&s.cols[j], v)
			if err != nil {
				return nil, err
			}
			rows[i][j] = c
		}
	}
	return rows, nil
}

// fromList reads a list of rows: records (dictionaries), positional rows
// in signature order, or bare values for a one-column model.
func (s *schema) fromList(list []any, strict bool) ([][]any, error) {
	if len(list) == 0 {
		return nil, nil
	}
	if _, ok := list[0].(map[string]any); ok {
		return s.fromRecords(list, strict)
	}
	pos := make([]int, len(s.cols))
	for j := range pos {
		pos[j] = j
	}
	rows := s.alloc(len(list))
	for i, r := range list {
		cells, ok := r.([]any)
		if !ok && len(s.cols) == 1 {
			cells = []any{r}
		}
		if len(cells) != len(s.cols) {
			return nil, inputErrorf("row %d has %d values but the model has %d input columns %s; name the columns (dataframe_split or records) or give them in signature order", i, len(cells), len(s.cols), quotedList(s.names()))
		}
		if err := s.fill(rows[i], pos, cells); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// fill coerces a request row's cells into a schema-ordered row.
func (s *schema) fill(row []any, pos []int, cells []any) error {
	for k, v := range cells {
		j := pos[k]
		if j < 0 {
			continue
		}
		c, err := coerce(&s.cols[j], v)
		if err != nil {
			return err
		}
		row[j] = c
	}
	return nil
}

// alloc returns n rows of nil values backed by one slice.
func (s *schema) alloc(n int) [][]any {
	w := len(s.cols)
	buf := make([]any, n*w)
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = buf[i*w : (i+1)*w : (i+1)*w]
	}
	return rows
}

func (s *schema) names() []string {
	out := make([]string, len(s.cols))
	for i, c := range s.cols {
		out[i] = c.Name
	}
	return out
}

// decodeCSV reads a text/csv body: a header row of column names, then one
// row per record, each field converted to its column's type.
func (s *schema) decodeCSV(body []byte, strict bool) ([][]any, error) {
	r := csv.NewReader(bytes.NewReader(body))
	r.ReuseRecord = true
	header, err := r.Read()
	if err == io.EOF {
		return nil, inputErrorf("CSV input is empty; it needs a header row of column names")
	}
	if err != nil {
		return nil, inputErrorf("Invalid CSV input: %v", err)
	}
	names := slices.Clone(header)
	for k := range names {
		names[k] = strings.TrimSpace(strings.TrimPrefix(names[k], "\ufeff"))
	}
	pos, err := s.layout(names, strict)
	if err != nil {
		return nil, err
	}
	var rows [][]any
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, inputErrorf("Invalid CSV input: %v", err)
		}
		row := make([]any, len(s.cols))
		for k, f := range rec {
			j := pos[k]
			if j < 0 {
				continue
			}
			v, err := coerceText(&s.cols[j], f)
			if err != nil {
				return nil, inputErrorf("CSV line %d: %v", line, err)
			}
			row[j] = v
		}
		rows = append(rows, row)
	}
}
