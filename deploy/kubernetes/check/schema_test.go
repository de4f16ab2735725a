package check

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// The published schemas the custom resources are checked against: KServe's
// CRDs and Argo Workflows' JSON schema, read from the modules' source zips
// through the Go module proxy at test time and never committed (they are
// those projects' text). Only the schema files are read: the Go packages of
// these modules are not built.
const (
	kserveModule  = "github.com/kserve/kserve"
	kserveVersion = "v0.16.0"
	argoModule    = "github.com/argoproj/argo-workflows/v3"
	argoVersion   = "v3.7.6"
)

// schemaSources says where each kind's schema is: a CRD (its version's
// openAPIV3Schema) or a JSON schema definition.
var schemaSources = map[string]struct {
	module, version, file, crdVersion, definition string
}{
	"serving.kserve.io/v1beta1 InferenceService": {kserveModule, kserveVersion, "config/crd/full/serving.kserve.io_inferenceservices.yaml", "v1beta1", ""},
	"serving.kserve.io/v1alpha1 ServingRuntime":  {kserveModule, kserveVersion, "config/crd/full/serving.kserve.io_servingruntimes.yaml", "v1alpha1", ""},
	"argoproj.io/v1alpha1 Workflow":              {argoModule, argoVersion, "api/jsonschema/schema.json", "", "io.argoproj.workflow.v1alpha1.Workflow"},
}

var (
	zipMu    sync.Mutex
	zipFiles = map[string]string{} // module@version → the zip's path
)

// moduleFile returns a file of a module's source zip, downloading the zip
// through the Go module proxy when the module cache lacks it; the test is
// skipped, saying why, when the proxy cannot be reached.
func moduleFile(t *testing.T, module, version, file string) []byte {
	t.Helper()
	zipMu.Lock()
	defer zipMu.Unlock()
	key := module + "@" + version
	zp, ok := zipFiles[key]
	if !ok {
		cmd := exec.Command("go", "mod", "download", "-json", key)
		cmd.Dir = t.TempDir() // outside any module: go.mod stays as it is
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		out, err := cmd.Output()
		var info struct{ Zip, Error string }
		json.Unmarshal(out, &info)
		if err != nil || info.Zip == "" {
			msg := info.Error
			if msg == "" {
				msg = strings.TrimSpace(string(exitStderr(err)))
			}
			if unreachable(msg) {
				t.Skipf("the Go module proxy is unreachable, so %s's published schema cannot be read: %s", key, msg)
			}
			t.Fatalf("go mod download %s: %v: %s", key, err, msg)
		}
		zp = info.Zip
		zipFiles[key] = zp
	}
	r, err := zip.OpenReader(zp)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	name := key + "/" + file
	for _, f := range r.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("%s has no %s", key, file)
	return nil
}

func exitStderr(err error) []byte {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.Stderr
	}
	if err != nil {
		return []byte(err.Error())
	}
	return nil
}

// unreachable reports whether a go command's error is about the network
// rather than the module.
func unreachable(msg string) bool {
	for _, s := range []string{"dial tcp", "no such host", "connection refused", "i/o timeout", "network is unreachable",
		"TLS handshake timeout", "GOPROXY=off", "module lookup disabled", "server misbehaving", "executable file not found"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

var (
	schemaMu sync.Mutex
	schemas  = map[string]*jsonschema.Schema{}
)

// schemaFor compiles the published schema of a kind, made strict: an object
// schema that lists its properties refuses others, unless Kubernetes'
// x-kubernetes-preserve-unknown-fields keeps them. (The API server prunes
// unknown fields of custom resources silently; here they are errors, as
// they are for built-in kinds.)
func schemaFor(t *testing.T, key string) *jsonschema.Schema {
	t.Helper()
	schemaMu.Lock()
	defer schemaMu.Unlock()
	if s, ok := schemas[key]; ok {
		return s
	}
	src := schemaSources[key]
	raw := moduleFile(t, src.module, src.version, src.file)
	var doc any
	if src.crdVersion != "" {
		var crd struct {
			Spec struct {
				Versions []struct {
					Name   string `json:"name"`
					Schema struct {
						OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
					} `json:"schema"`
				} `json:"versions"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(raw, &crd); err != nil {
			t.Fatalf("%s: %v", src.file, err)
		}
		for _, v := range crd.Spec.Versions {
			if v.Name == src.crdVersion {
				doc = v.Schema.OpenAPIV3Schema
			}
		}
		if doc == nil {
			t.Fatalf("%s@%s %s has no version %s", src.module, src.version, src.file, src.crdVersion)
		}
	} else if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", src.file, err)
	}
	strictSchema(doc)
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	url := "https://weir.invalid/" + strings.ReplaceAll(key, " ", "/") + ".json"
	if err := c.AddResource(url, inst); err != nil {
		t.Fatal(err)
	}
	loc := url
	if src.definition != "" {
		loc += "#/definitions/" + src.definition
	}
	s, err := c.Compile(loc)
	if err != nil {
		t.Fatalf("compiling the schema of %s: %v", key, err)
	}
	schemas[key] = s
	return s
}

// strictSchema adds additionalProperties: false to every object schema
// with properties, and turns OpenAPI's nullable into a JSON Schema type.
func strictSchema(v any) {
	switch v := v.(type) {
	case map[string]any:
		_, props := v["properties"].(map[string]any)
		_, hasAdd := v["additionalProperties"]
		if props && !hasAdd && v["x-kubernetes-preserve-unknown-fields"] != true {
			v["additionalProperties"] = false
		}
		if v["nullable"] == true {
			if ty, ok := v["type"].(string); ok {
				v["type"] = []any{ty, "null"}
			}
		}
		for _, c := range v {
			strictSchema(c)
		}
	case []any:
		for _, c := range v {
			strictSchema(c)
		}
	}
}

// validateCustom checks a custom resource against its published schema,
// and its metadata against the upstream ObjectMeta type.
func validateCustom(t *testing.T, o object) error {
	t.Helper()
	b, err := json.Marshal(o.obj)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	if err := schemaFor(t, o.apiVersion()+" "+o.kind()).Validate(inst); err != nil {
		return err
	}
	mb, _ := json.Marshal(o.obj["metadata"])
	var meta metav1.ObjectMeta
	dec := json.NewDecoder(bytes.NewReader(mb))
	dec.DisallowUnknownFields()
	return dec.Decode(&meta)
}

// TestCustomResourcesMatchPublishedSchemas validates the KServe objects of
// the manifests against KServe's CRDs.
func TestCustomResourcesMatchPublishedSchemas(t *testing.T) {
	n := 0
	for _, dir := range kustomizeDirs {
		for _, o := range build(t, root+"/"+dir) {
			if !schemaKinds[o.apiVersion()+" "+o.kind()] {
				continue
			}
			n++
			if err := validateCustom(t, o); err != nil {
				t.Errorf("%s: %s %s: %v", o.where, o.kind(), o.name(), err)
			}
		}
	}
	if n == 0 {
		t.Errorf("no custom resources found")
	}
}

// TestSchemasRefuseUnknownFields makes sure the strict schemas would catch
// a misspelt field.
func TestSchemasRefuseUnknownFields(t *testing.T) {
	for key, doc := range map[string]string{
		"serving.kserve.io/v1beta1 InferenceService": "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata: {name: x}\nspec: {predictor: {model: {protocolVersoin: v2}}}\n",
		"serving.kserve.io/v1alpha1 ServingRuntime":  "apiVersion: serving.kserve.io/v1alpha1\nkind: ServingRuntime\nmetadata: {name: x}\nspec: {containers: [{name: c, image: i, prots: []}]}\n",
		"argoproj.io/v1alpha1 Workflow":              "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: x}\nspec: {entrypoint: a, templates: [{name: a, container: {image: i, arg: []}}]}\n",
	} {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatal(err)
		}
		if err := validateCustom(t, object{where: "test", obj: m}); err == nil {
			t.Errorf("the %s schema accepted %q", key, doc)
		}
	}
}
