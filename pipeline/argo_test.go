package pipeline

import (
	"bytes"
	"strings"
	"testing"
)

func TestDNSLabel(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"bank-marketing", "bank-marketing"},
		{"Bank Marketing_2", "bank-marketing-2"},
		{"--x--", "x"},
		{"ü", "pipeline"},
	} {
		if got := dnsLabel(tc.in); got != tc.want {
			t.Errorf("dnsLabel(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestArgoWorkflow(t *testing.T) {
	spec, err := ParseSpec(BankMarketing)
	if err != nil {
		t.Fatal(err)
	}
	o := ArgoOptions{Image: "registry.example.com/weir:1", StateDir: "s3://b/state", Secret: "weir"}
	a, err := ArgoWorkflow(spec, BankMarketing, o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ArgoWorkflow(spec, BankMarketing, o)
	if !bytes.Equal(a, b) {
		t.Errorf("two exports of one spec differ")
	}
	text := string(a)
	for _, want := range []string{
		"kind: ConfigMap\n", "kind: Workflow\n", "generateName: bank-marketing-\n",
		"- --state-dir\n", "- s3://b/state\n", "- '{{inputs.parameters.step}}'\n", "- '{{workflow.name}}'\n",
		"image: registry.example.com/weir:1\n", "key: tracking-uri\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("export lacks %q", want)
		}
	}
	// Each step after the first depends on the one before.
	for i := 1; i < len(Steps); i++ {
		if want := "- name: " + Steps[i] + "\n            template: step\n            dependencies:\n              - " + Steps[i-1] + "\n"; !strings.Contains(text, want) {
			t.Errorf("step %s does not depend on %s", Steps[i], Steps[i-1])
		}
	}
	for _, bad := range []ArgoOptions{
		{Image: "i", StateDir: "/shared", Secret: "s"},
		{Image: "i", StateDir: "s3://", Secret: "s"},
		{StateDir: "s3://b", Secret: "s"},
	} {
		if _, err := ArgoWorkflow(spec, BankMarketing, bad); err == nil {
			t.Errorf("ArgoWorkflow(%+v) accepted", bad)
		}
	}
}
