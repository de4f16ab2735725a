package check

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// root is deploy/kubernetes, relative to this package.
const root = ".."

// kustomization is the part of kustomize's file these manifests use;
// decoding it strictly catches a misspelt field, which kustomize would
// refuse.
type kustomization struct {
	APIVersion      string            `json:"apiVersion"`
	Kind            string            `json:"kind"`
	Namespace       string            `json:"namespace,omitempty"`
	Resources       []string          `json:"resources,omitempty"`
	Images          []imageSetting    `json:"images,omitempty"`
	SecretGenerator []secretGenerator `json:"secretGenerator,omitempty"`
	GeneratorOpts   *struct {
		DisableNameSuffixHash bool `json:"disableNameSuffixHash"`
	} `json:"generatorOptions,omitempty"`
}

type imageSetting struct {
	Name    string `json:"name"`
	NewName string `json:"newName,omitempty"`
	NewTag  string `json:"newTag,omitempty"`
}

type secretGenerator struct {
	Name     string   `json:"name"`
	Envs     []string `json:"envs,omitempty"`
	Literals []string `json:"literals,omitempty"`
}

// object is one manifest document: where it came from, its text, and its
// content after the kustomizations above it.
type object struct {
	where string // file and document number, for messages
	doc   []byte // the document as written (nil for generated objects)
	obj   map[string]any
}

func (o object) kind() string { s, _ := o.obj["kind"].(string); return s }
func (o object) apiVersion() string {
	s, _ := o.obj["apiVersion"].(string)
	return s
}
func (o object) name() string {
	m, _ := o.obj["metadata"].(map[string]any)
	s, _ := m["name"].(string)
	return s
}

// kustomizeDirs are the kustomizations the tests build.
var kustomizeDirs = []string{"tracking", "scoring", "kserve", "overlays/example"}

// build does what `kustomize build dir` does for the features these
// manifests use: resources (files and directories), namespace, images and
// secretGenerator without name hashes.
func build(t *testing.T, dir string) []object {
	t.Helper()
	path := filepath.Join(dir, "kustomization.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	if err := yaml.UnmarshalStrict(b, &k); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" {
		t.Fatalf("%s: apiVersion %q kind %q, want kustomize.config.k8s.io/v1beta1 Kustomization", path, k.APIVersion, k.Kind)
	}
	var objs []object
	for _, r := range k.Resources {
		p := filepath.Join(dir, r)
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("%s: resource %s: %v", path, r, err)
		}
		if fi.IsDir() {
			objs = append(objs, build(t, p)...)
			continue
		}
		objs = append(objs, readDocs(t, p)...)
	}
	for _, g := range k.SecretGenerator {
		if k.GeneratorOpts == nil || !k.GeneratorOpts.DisableNameSuffixHash {
			t.Fatalf("%s: secret %s would get a hashed name that Workflows outside kustomize cannot know: set generatorOptions.disableNameSuffixHash", path, g.Name)
		}
		objs = append(objs, generateSecret(t, dir, g))
	}
	for _, o := range objs {
		if k.Namespace != "" && o.kind() != "Namespace" {
			o.obj["metadata"].(map[string]any)["namespace"] = k.Namespace
		}
		for _, im := range k.Images {
			setImages(o.obj, im)
		}
	}
	return objs
}

// readDocs reads every YAML document of a file.
func readDocs(t *testing.T, path string) []object {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := utilyaml.NewYAMLReader(bufio.NewReader(f))
	var out []object
	for i := 1; ; i++ {
		doc, err := r.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("%s: document %d: %v", path, i, err)
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		var m map[string]any
		if err := yaml.Unmarshal(doc, &m); err != nil {
			t.Fatalf("%s: document %d: %v", path, i, err)
		}
		out = append(out, object{where: fmt.Sprintf("%s (document %d)", path, i), doc: doc, obj: m})
	}
}

func stripComments(doc []byte) []byte {
	var b bytes.Buffer
	for _, l := range strings.Split(string(doc), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.Bytes()
}

// generateSecret makes the Secret of a secretGenerator from its env files
// (KEY=VALUE lines) and literals.
func generateSecret(t *testing.T, dir string, g secretGenerator) object {
	t.Helper()
	data := map[string]any{}
	add := func(where, line string) {
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" {
			t.Fatalf("%s: %q is not KEY=VALUE", where, line)
		}
		if _, dup := data[k]; dup {
			t.Fatalf("%s: key %s given twice", where, k)
		}
		data[k] = base64.StdEncoding.EncodeToString([]byte(v))
	}
	for _, e := range g.Envs {
		p := filepath.Join(dir, e)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range strings.Split(string(b), "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
				add(fmt.Sprintf("%s:%d", p, i+1), l)
			}
		}
	}
	for _, l := range g.Literals {
		add(filepath.Join(dir, "kustomization.yaml"), l)
	}
	return object{
		where: fmt.Sprintf("secretGenerator %s in %s", g.Name, dir),
		obj: map[string]any{
			"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
			"metadata": map[string]any{"name": g.Name},
			"data":     data,
		},
	}
}

// imagePaths are where kustomize's images transformer sets images, in any
// kind (its default field specs): a Deployment's pod template, and the
// containers of a custom resource's spec such as KServe's ServingRuntime.
var imagePaths = [][]string{
	{"spec", "containers"}, {"spec", "initContainers"},
	{"spec", "template", "spec", "containers"}, {"spec", "template", "spec", "initContainers"},
}

// setImages applies an images entry to obj as kustomize does.
func setImages(obj map[string]any, im imageSetting) {
	for _, path := range imagePaths {
		var v any = obj
		for _, k := range path {
			m, _ := v.(map[string]any)
			v = m[k]
		}
		list, _ := v.([]any)
		for _, c := range list {
			if m, ok := c.(map[string]any); ok {
				if s, ok := m["image"].(string); ok && imageName(s) == im.Name {
					m["image"] = replaceImage(s, im)
				}
			}
		}
	}
}

// imageName is an image reference without its tag or digest.
func imageName(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	return ref
}

func replaceImage(ref string, im imageSetting) string {
	name, tag := imageName(ref), strings.TrimPrefix(ref, imageName(ref))
	if im.NewName != "" {
		name = im.NewName
	}
	if im.NewTag != "" {
		tag = ":" + im.NewTag
	}
	return name + tag
}
