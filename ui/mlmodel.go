package ui

import (
	"encoding/json"
	"sort"

	"go.yaml.in/yaml/v3"
)

// mlmodelView is what the MLmodel preview shows besides the raw file.
type mlmodelView struct {
	Flavors []string
	RunID   string
	Created string
	Inputs  []signatureColumn
	Outputs []signatureColumn
}

// signatureColumn is one column of a model signature (MLflow's column
// specs: type, name and required, which is true when absent).
type signatureColumn struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Required *bool  `json:"required"`
}

// Optional reports whether the column may be missing from the input.
func (c signatureColumn) Optional() bool { return c.Required != nil && !*c.Required }

// parseMLmodel reads the fields the preview shows. The signature's inputs
// and outputs are JSON strings inside the YAML, as MLflow writes them.
func parseMLmodel(b []byte) *mlmodelView {
	var doc struct {
		Flavors   map[string]any `yaml:"flavors"`
		RunID     string         `yaml:"run_id"`
		Created   string         `yaml:"utc_time_created"`
		Signature struct {
			Inputs  string `yaml:"inputs"`
			Outputs string `yaml:"outputs"`
		} `yaml:"signature"`
	}
	if yaml.Unmarshal(b, &doc) != nil {
		return nil
	}
	m := &mlmodelView{RunID: doc.RunID, Created: doc.Created}
	for f := range doc.Flavors {
		m.Flavors = append(m.Flavors, f)
	}
	sort.Strings(m.Flavors)
	json.Unmarshal([]byte(doc.Signature.Inputs), &m.Inputs) // absent or odd: no table
	json.Unmarshal([]byte(doc.Signature.Outputs), &m.Outputs)
	return m
}
