package oci

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

func TestSBOM(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Path:      "github.com/weir-ml/weir/cmd/weir",
		Main:      debug.Module{Path: "github.com/weir-ml/weir", Version: "(devel)"},
		Deps: []*debug.Module{
			{Path: "github.com/alecthomas/kong", Version: "v1.17.0", Sum: "h1:abc"},
			{Path: "example.com/old", Version: "v1.0.0", Replace: &debug.Module{Path: "example.com/new", Version: "v1.2.0"}},
			{Path: "example.com/local", Version: "v0.0.0", Replace: &debug.Module{Path: "../local"}},
		},
	}
	b, err := SBOM(bi, "00ff", time.Unix(1700000000, 0))
	if err != nil {
		t.Fatal(err)
	}
	var doc spdxDocument
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.SPDXVersion != "SPDX-2.3" || doc.DataLicense != "CC0-1.0" || doc.SPDXID != "SPDXRef-DOCUMENT" {
		t.Errorf("header: got %s %s %s", doc.SPDXVersion, doc.DataLicense, doc.SPDXID)
	}
	if got, want := doc.CreationInfo.Created, "2023-11-14T22:13:20Z"; got != want {
		t.Errorf("created: got %s, want %s", got, want)
	}
	if !strings.HasPrefix(doc.DocumentNamespace, "urn:uuid:") {
		t.Errorf("namespace %q is not a urn:uuid URI", doc.DocumentNamespace)
	}
	type pkg struct{ name, version, purl string }
	var got []pkg
	for _, p := range doc.Packages {
		var purl string
		if len(p.ExternalRefs) > 0 {
			purl = p.ExternalRefs[0].ReferenceLocator
		}
		got = append(got, pkg{p.Name, p.VersionInfo, purl})
	}
	want := []pkg{
		{"github.com/weir-ml/weir", "(devel)", ""},
		{"stdlib", "go1.26.8", "pkg:golang/stdlib@1.26.8"},
		{"github.com/alecthomas/kong", "v1.17.0", "pkg:golang/github.com/alecthomas/kong@v1.17.0"},
		{"example.com/new", "v1.2.0", "pkg:golang/example.com/new@v1.2.0"},
		{"../local", "", ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("packages:\ngot  %v\nwant %v", got, want)
	}
	if c := doc.Packages[0].Checksums; len(c) != 1 || c[0].ChecksumValue != "00ff" {
		t.Errorf("main package checksums: got %v, want the binary's SHA256", c)
	}
	ids := map[string]bool{}
	for _, p := range doc.Packages {
		if ids[p.SPDXID] {
			t.Errorf("SPDXID %s used twice", p.SPDXID)
		}
		ids[p.SPDXID] = true
		if strings.Trim(strings.TrimPrefix(p.SPDXID, "SPDXRef-"), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != "" {
			t.Errorf("SPDXID %q has characters SPDX does not allow", p.SPDXID)
		}
	}
	// The document describes the main package, which depends on the rest.
	if len(doc.Relationships) != len(doc.Packages) {
		t.Fatalf("relationships: got %d, want %d", len(doc.Relationships), len(doc.Packages))
	}
	if r := doc.Relationships[0]; r.RelationshipType != "DESCRIBES" || r.RelatedSPDXElement != doc.Packages[0].SPDXID {
		t.Errorf("first relationship: got %+v", r)
	}
	for _, r := range doc.Relationships[1:] {
		if r.RelationshipType != "DEPENDS_ON" || r.SPDXElementID != doc.Packages[0].SPDXID || !ids[r.RelatedSPDXElement] {
			t.Errorf("relationship %+v: want main DEPENDS_ON a listed package", r)
		}
	}

	again, err := SBOM(bi, "00ff", time.Unix(1700000000, 0))
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(b) {
		t.Error("the same build information gave two different documents")
	}
	if _, err := SBOM(nil, "", time.Time{}); err == nil {
		t.Error("SBOM(nil): no error")
	}
}

// TestSBOMPassesSPDXTools validates a real binary's SBOM with the SPDX
// project's own validator (pip install spdx-tools==0.8.3) when it is
// installed: WEIR_PYSPDXTOOLS names it, else pyspdxtools on PATH.
func TestSBOMPassesSPDXTools(t *testing.T) {
	tool := os.Getenv("WEIR_PYSPDXTOOLS")
	if tool == "" {
		var err error
		if tool, err = exec.LookPath("pyspdxtools"); err != nil {
			t.Skip("pyspdxtools not found (pip install spdx-tools==0.8.3, or set WEIR_PYSPDXTOOLS)")
		}
	}
	bin := mustTinyBinary(t)
	bi, err := CheckBinary(bin, DefaultPlatform)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := fileSHA256(bin)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := SBOM(bi, sum, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sbom.spdx.json")
	if err := os.WriteFile(path, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-i", path).CombinedOutput()
	// pyspdxtools exits 0 even on invalid input; it reports on stderr.
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("pyspdxtools -i: %v\n%s", err, out)
	}
}
