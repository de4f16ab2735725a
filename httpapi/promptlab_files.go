package httpapi

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// files are the run's artifacts as MLflow writes them, by path.
func (lab *promptlab) files(modelUUID, created string) map[string]string {
	var inputs, example, table []string
	var columns []string
	for _, p := range lab.prompt {
		inputs = append(inputs, `{"type": "string", "name": `+tracking.PyJSONString(p.Key)+`, "required": true}`)
		example = append(example, tracking.PyJSONString(p.Value))
		columns = append(columns, tracking.PyJSONString(p.Key))
		table = append(table, tracking.PyJSONString(p.Value))
	}
	output := "null"
	if lab.output != nil {
		output = tracking.PyJSONString(*lab.output)
	}
	columns = append(columns, `"prompt"`, `"output"`)
	table = append(table, tracking.PyJSONString(lab.input), output)
	for _, p := range lab.outputs {
		columns = append(columns, tracking.PyJSONString(p.Key))
		table = append(table, tracking.PyJSONString(p.Value))
	}
	mlmodel := "artifact_path: model\nflavors:\n  python_function:\n    env:\n      conda: conda.yaml\n      virtualenv: python_env.yaml\n" +
		"    loader_module: mlflow.prompt.promptlab_model\n    parameters_path: parameters.yaml\n" +
		"    python_version: '" + promptlabPython + "'\nis_signature_from_type_hint: false\nmlflow_version: " + weir.MLflowVersion + "\n" +
		"model_id: null\nmodel_uuid: " + modelUUID + "\nprompts: null\nrun_id: " + lab.runID + "\n" +
		"saved_input_example_info:\n  artifact_path: input_example.json\n  serving_input_path: serving_input_example.json\n  type: json_object\n" +
		"signature:\n  inputs: " + yamlString("["+strings.Join(inputs, ", ")+"]") + "\n" +
		"  outputs: '[{\"type\": \"string\", \"name\": \"output\", \"required\": true}]'\n  params: null\n" +
		"type_hint_from_example: false\nutc_time_created: '" + created + "'\n"
	var serving strings.Builder
	serving.WriteString("{\n  \"inputs\": {\n    \"inputs\": [")
	for i, v := range example {
		if i > 0 {
			serving.WriteString(",")
		}
		serving.WriteString("\n      " + v)
	}
	if len(example) > 0 {
		serving.WriteString("\n    ")
	}
	serving.WriteString("]\n  }\n}")
	return map[string]string{
		"eval_results_table.json":          `{"columns": [` + strings.Join(columns, ", ") + `], "data": [[` + strings.Join(table, ", ") + `]]}`,
		"model/MLmodel":                    mlmodel,
		"model/parameters.yaml":            lab.parametersYAML(),
		"model/input_example.json":         `{"inputs": [` + strings.Join(example, ", ") + `]}`,
		"model/serving_input_example.json": serving.String(),
		"model/requirements.txt":           "mlflow[gateway]==" + weir.MLflowVersion,
		"model/conda.yaml": "channels:\n- conda-forge\ndependencies:\n- python=" + promptlabPython + "\n- pip\n- pip:\n" +
			"  - mlflow[gateway]==" + weir.MLflowVersion + "\nname: mlflow-env\n",
		"model/python_env.yaml": "python: '" + promptlabPython + "'\nbuild_dependencies:\n- pip\n- setuptools\n- wheel\ndependencies:\n- -r requirements.txt\n",
	}
}

// parametersYAML is the model's parameters.yaml: the prompt lab model's
// settings, keys sorted as PyYAML's safe_dump sorts them.
func (lab *promptlab) parametersYAML() string {
	var b strings.Builder
	mapping := func(name string, ps []tracking.Param) {
		if len(ps) == 0 {
			b.WriteString(name + ": {}\n")
			return
		}
		b.WriteString(name + ":\n")
		for _, p := range sortedParams(ps) {
			b.WriteString("  " + yamlString(p.Key) + ": " + yamlString(p.Value) + "\n")
		}
	}
	mapping("model_parameters", lab.model)
	b.WriteString("model_route: " + yamlString(lab.route) + "\n")
	mapping("prompt_parameters", lab.prompt)
	b.WriteString("prompt_template: " + yamlString(lab.template) + "\n")
	return b.String()
}

// sortedParams sorts by key, the last value of a repeated key winning (a
// Python dict).
func sortedParams(ps []tracking.Param) []tracking.Param {
	byKey := map[string]string{}
	var keys []string
	for _, p := range ps {
		if _, ok := byKey[p.Key]; !ok {
			keys = append(keys, p.Key)
		}
		byKey[p.Key] = p.Value
	}
	sort.Strings(keys)
	out := make([]tracking.Param, len(keys))
	for i, k := range keys {
		out[i] = tracking.Param{Key: k, Value: byKey[k]}
	}
	return out
}

// yamlPlain matches strings PyYAML writes unquoted: no leading indicator,
// no ": " or " #", and not a word or number YAML would read as another type.
var (
	yamlPlain    = regexp.MustCompile(`^[A-Za-z_/][^:#'"\n\t\\]*$`)
	yamlReserved = regexp.MustCompile(`^(?i:yes|no|on|off|true|false|null|~)$`)
)

// yamlString writes s as a YAML scalar: plain when that reads back as the
// same string, else double-quoted with JSON's escapes (valid YAML).
func yamlString(s string) string {
	if yamlPlain.MatchString(s) && !yamlReserved.MatchString(s) && !strings.HasSuffix(s, " ") {
		return s
	}
	b, _ := json.Marshal(s)
	return string(b)
}
