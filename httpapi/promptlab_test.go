package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/weir-ml/weir/tracking"
)

const promptlabPath = "/ajax-api/2.0/mlflow/runs/create-promptlab-run"

func postPromptlab(t *testing.T, url, body string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// TestPromptlabRunRejects answers incomplete requests with MLflow's
// messages, naming the first missing field in MLflow's order.
func TestPromptlabRunRejects(t *testing.T) {
	srv, _ := MustOpenServer(t)
	full := `"experiment_id": "0", "prompt_template": "t", "prompt_parameters": [{"key": "k", "value": "v"}], "model_route": "r", "model_input": "i"`
	tests := []struct{ name, body, want string }{
		{"empty", `{}`, "CreatePromptlabRun request must specify experiment_id."},
		{"no template", `{"experiment_id": "123"}`, "CreatePromptlabRun request must specify prompt_template."},
		{"empty template", `{"experiment_id": "123", "prompt_template": ""}`, "CreatePromptlabRun request must specify prompt_template."},
		{"no parameters", `{"experiment_id": "123", "prompt_template": "t"}`, "CreatePromptlabRun request must specify prompt_parameters."},
		{"empty parameters", `{"experiment_id": "123", "prompt_template": "t", "prompt_parameters": []}`, "CreatePromptlabRun request must specify prompt_parameters."},
		{"no route", `{"experiment_id": "123", "prompt_template": "t", "prompt_parameters": [{"key": "k", "value": "v"}]}`, "CreatePromptlabRun request must specify model_route."},
		{"no input", `{"experiment_id": "123", "prompt_template": "t", "prompt_parameters": [{"key": "k", "value": "v"}], "model_route": "r"}`, "CreatePromptlabRun request must specify model_input."},
		{"no version", `{` + full + `}`, "CreatePromptlabRun request must specify mlflow_version."},
		{"parameters not a list", `{` + strings.Replace(full, `[{"key": "k", "value": "v"}]`, `{"k": "v"}`, 1) + `, "mlflow_version": "1"}`, "'prompt_parameters' must be a list"},
		{"parameter without key", `{` + strings.Replace(full, `"key": "k", `, "", 1) + `, "mlflow_version": "1"}`, `'prompt_parameters[0]' needs a string "key"`},
		{"bad start time", `{` + full + `, "mlflow_version": "1", "start_time": "soon"}`, "'start_time' must be an integer"},
		{"not an object", `[1]`, "Malformed request body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := postPromptlab(t, srv.URL()+promptlabPath, tt.body)
			var e struct {
				ErrorCode string `json:"error_code"`
				Message   string `json:"message"`
			}
			json.Unmarshal(body, &e)
			if code != 400 || e.ErrorCode != "INVALID_PARAMETER_VALUE" || !strings.Contains(e.Message, tt.want) {
				t.Errorf("got %d %s, want 400 INVALID_PARAMETER_VALUE mentioning %q", code, body, tt.want)
			}
		})
	}
	resp, err := http.Post(srv.URL()+promptlabPath, "text/plain", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("text/plain body: got %d, want 400", resp.StatusCode)
	}
}

// TestPromptlabRun records a finished run with MLflow's params, tags and
// artifacts: the evaluation table and a prompt-lab pyfunc model.
func TestPromptlabRun(t *testing.T) {
	srv, store := MustOpenServer(t)
	ctx := context.Background()
	code, body := postPromptlab(t, srv.URL()+promptlabPath, `{"experiment_id": "0", "run_name": "my_run_name",
		"prompt_template": "Say {{ my_key }}", "prompt_parameters": [{"key": "my_key", "value": "my_value"}, {"key": "n", "value": 3}],
		"model_route": "my_route", "model_parameters": [{"key": "temperature", "value": 0.1}],
		"model_input": "my_input", "model_output": "my_output", "model_output_parameters": [{"key": "latency", "value": "100"}],
		"mlflow_version": "1.0.0", "user_id": "username", "start_time": 456}`)
	if code != 200 {
		t.Fatalf("got %d %s", code, body)
	}
	var got struct {
		Run struct {
			Info struct {
				RunID       string `json:"run_id"`
				RunName     string `json:"run_name"`
				UserID      string `json:"user_id"`
				Status      string `json:"status"`
				StartTime   int64  `json:"start_time"`
				EndTime     int64  `json:"end_time"`
				ArtifactURI string `json:"artifact_uri"`
			} `json:"info"`
			Data struct {
				Params []tracking.Param `json:"params"`
				Tags   []tracking.Tag   `json:"tags"`
			} `json:"data"`
		} `json:"run"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	info := got.Run.Info
	if info.RunName != "my_run_name" || info.UserID != "username" || info.Status != "FINISHED" || info.StartTime != 456 || info.EndTime < 456 {
		t.Errorf("run info: got %+v", info)
	}
	params := map[string]string{}
	for _, p := range got.Run.Data.Params {
		params[p.Key] = p.Value
	}
	wantParams := map[string]string{"model_route": "my_route", "prompt_template": "Say {{ my_key }}", "temperature": "0.1"}
	if len(params) != len(wantParams) {
		t.Errorf("params: got %v, want %v", params, wantParams)
	}
	for k, v := range wantParams {
		if params[k] != v {
			t.Errorf("param %s: got %q, want %q", k, params[k], v)
		}
	}
	tags := map[string]string{}
	for _, tg := range got.Run.Data.Tags {
		tags[tg.Key] = tg.Value
	}
	if got, want := tags["mlflow.loggedArtifacts"], `[{"path": "eval_results_table.json", "type": "table"}]`; got != want {
		t.Errorf("mlflow.loggedArtifacts: got %s, want %s", got, want)
	}
	if got, want := tags["mlflow.runSourceType"], "PROMPT_ENGINEERING"; got != want {
		t.Errorf("mlflow.runSourceType: got %s, want %s", got, want)
	}
	if h := tags["mlflow.log-model.history"]; !strings.HasPrefix(h, `[{"run_id": "`+info.RunID+`", "artifact_path": "model", "utc_time_created": "`) || !strings.HasSuffix(h, `"flavors": {}}]`) {
		t.Errorf("mlflow.log-model.history: got %s", h)
	}

	root := "0/" + info.RunID + "/artifacts/"
	read := func(p string) string {
		t.Helper()
		rc, err := store.Open(ctx, root+p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		defer rc.Close()
		b, _ := io.ReadAll(rc)
		return string(b)
	}
	if got, want := read("eval_results_table.json"), `{"columns": ["my_key", "n", "prompt", "output", "latency"], "data": [["my_value", "3", "my_input", "my_output", "100"]]}`; got != want {
		t.Errorf("eval_results_table.json:\n got %s\nwant %s", got, want)
	}
	if got, want := read("model/input_example.json"), `{"inputs": ["my_value", "3"]}`; got != want {
		t.Errorf("input_example.json: got %s, want %s", got, want)
	}
	if got, want := read("model/parameters.yaml"), "model_parameters:\n  temperature: \"0.1\"\nmodel_route: my_route\nprompt_parameters:\n  my_key: my_value\n  n: \"3\"\nprompt_template: Say {{ my_key }}\n"; got != want {
		t.Errorf("parameters.yaml:\n got %s\nwant %s", got, want)
	}
	mlmodel := read("model/MLmodel")
	for _, want := range []string{"loader_module: mlflow.prompt.promptlab_model", "run_id: " + info.RunID, `\"name\": \"my_key\"`, "parameters_path: parameters.yaml"} {
		if !strings.Contains(mlmodel, want) {
			t.Errorf("MLmodel lacks %q:\n%s", want, mlmodel)
		}
	}
	for _, p := range []string{"model/conda.yaml", "model/python_env.yaml", "model/requirements.txt", "model/serving_input_example.json"} {
		read(p)
	}

	// An unknown experiment creates nothing.
	code, body = postPromptlab(t, srv.URL()+promptlabPath, `{"experiment_id": "999", "prompt_template": "t", "prompt_parameters": [{"key": "k", "value": "v"}], "model_route": "r", "model_input": "i", "mlflow_version": "1"}`)
	if code != 404 || !strings.Contains(string(body), "RESOURCE_DOES_NOT_EXIST") {
		t.Errorf("unknown experiment: got %d %s, want 404", code, body)
	}
}
