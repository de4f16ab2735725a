package check

import (
	"bytes"
	"encoding/json"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

// typed returns an empty object of the upstream Go type of a built-in or
// prometheus-operator kind; custom resources without Go types here (KServe,
// Argo) are checked against their published schemas instead (schema_test.go).
func typed(apiVersion, kind string) (any, bool) {
	switch apiVersion + " " + kind {
	case "v1 Namespace":
		return &corev1.Namespace{}, true
	case "v1 Service":
		return &corev1.Service{}, true
	case "v1 Secret":
		return &corev1.Secret{}, true
	case "v1 ConfigMap":
		return &corev1.ConfigMap{}, true
	case "apps/v1 Deployment":
		return &appsv1.Deployment{}, true
	case "policy/v1 PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}, true
	case "autoscaling/v2 HorizontalPodAutoscaler":
		return &autoscalingv2.HorizontalPodAutoscaler{}, true
	case "monitoring.coreos.com/v1 PodMonitor":
		return &monitoringv1.PodMonitor{}, true
	}
	return nil, false
}

// schemaKinds are the custom resources checked against a published schema.
var schemaKinds = map[string]bool{
	"serving.kserve.io/v1beta1 InferenceService": true,
	"serving.kserve.io/v1alpha1 ServingRuntime":  true,
	"argoproj.io/v1alpha1 Workflow":              true,
}

// decodeStrict decodes o into its Go type: the document as written (an
// unknown or duplicate field is an error) and the object as kustomize
// outputs it.
func decodeStrict(o object) (any, error) {
	v, _ := typed(o.apiVersion(), o.kind())
	if o.doc != nil {
		if err := yaml.UnmarshalStrict(o.doc, v); err != nil {
			return nil, err
		}
	}
	b, err := json.Marshal(o.obj)
	if err != nil {
		return nil, err
	}
	v, _ = typed(o.apiVersion(), o.kind())
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return nil, err
	}
	return v, nil
}

// TestManifestsDecodeStrictly decodes every document of every
// kustomization into the upstream types, or checks its kind is one of the
// custom resources the schema test covers.
func TestManifestsDecodeStrictly(t *testing.T) {
	n := 0
	seen := map[string]bool{} // the overlay builds the bases again
	for _, dir := range kustomizeDirs {
		for _, o := range build(t, root+"/"+dir) {
			if seen[o.where] {
				continue
			}
			seen[o.where] = true
			n++
			key := o.apiVersion() + " " + o.kind()
			if _, ok := typed(o.apiVersion(), o.kind()); !ok {
				if !schemaKinds[key] {
					t.Errorf("%s: %s is neither an upstream Go type nor a custom resource with a schema here", o.where, key)
				}
				continue
			}
			if _, err := decodeStrict(o); err != nil {
				t.Errorf("%s: %s %s: %v", o.where, o.kind(), o.name(), err)
			}
		}
	}
	if n < 10 {
		t.Errorf("decoded %d documents; the manifests have more: is the kustomization list right?", n)
	}
}

// TestStrictDecodingRefusesUnknownFields makes sure the check above would
// catch a misspelt field.
func TestStrictDecodingRefusesUnknownFields(t *testing.T) {
	for _, doc := range []string{
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replica: 2}\n",
		"apiVersion: monitoring.coreos.com/v1\nkind: PodMonitor\nmetadata: {name: x}\nspec: {podMetricEndpoints: []}\n",
		"apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {ports: [{port: 1}], ports: []}\n",
	} {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			// A duplicate key fails even the lax decoder: fine.
			continue
		}
		o := object{where: "test", doc: []byte(doc), obj: m}
		if _, err := decodeStrict(o); err == nil {
			t.Errorf("strict decoding accepted %q", doc)
		}
	}
}
