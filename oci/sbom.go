package oci

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"strings"
	"time"
)

// spdxDocument is the subset of SPDX 2.3 (JSON) that describes a Go
// binary's modules. Field names follow the SPDX 2.3 JSON schema.
type spdxDocument struct {
	SPDXVersion       string             `json:"spdxVersion"`
	DataLicense       string             `json:"dataLicense"`
	SPDXID            string             `json:"SPDXID"`
	Name              string             `json:"name"`
	DocumentNamespace string             `json:"documentNamespace"`
	CreationInfo      spdxCreationInfo   `json:"creationInfo"`
	DocumentDescribes []string           `json:"documentDescribes"`
	Packages          []spdxPackage      `json:"packages"`
	Relationships     []spdxRelationship `json:"relationships"`
}

type spdxCreationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type spdxPackage struct {
	Name             string         `json:"name"`
	SPDXID           string         `json:"SPDXID"`
	VersionInfo      string         `json:"versionInfo,omitempty"`
	Supplier         string         `json:"supplier"`
	DownloadLocation string         `json:"downloadLocation"`
	FilesAnalyzed    bool           `json:"filesAnalyzed"`
	Checksums        []spdxChecksum `json:"checksums,omitempty"`
	LicenseConcluded string         `json:"licenseConcluded"`
	LicenseDeclared  string         `json:"licenseDeclared"`
	CopyrightText    string         `json:"copyrightText"`
	PrimaryPurpose   string         `json:"primaryPurpose,omitempty"`
	ExternalRefs     []spdxRef      `json:"externalRefs,omitempty"`
}

type spdxChecksum struct {
	Algorithm     string `json:"algorithm"`
	ChecksumValue string `json:"checksumValue"`
}

type spdxRef struct {
	ReferenceCategory string `json:"referenceCategory"`
	ReferenceType     string `json:"referenceType"`
	ReferenceLocator  string `json:"referenceLocator"`
}

type spdxRelationship struct {
	SPDXElementID      string `json:"spdxElementId"`
	RelationshipType   string `json:"relationshipType"`
	RelatedSPDXElement string `json:"relatedSpdxElement"`
}

// noAssertion is SPDX's "we do not say": Go build information records
// neither licenses nor suppliers.
const noAssertion = "NOASSERTION"

// SBOM returns an SPDX 2.3 JSON document listing the Go modules compiled
// into a binary: the main module (with the binary's SHA-256), the Go
// standard library and every dependency, each with a pkg:golang purl. It is
// what `go version -m` prints, in a format scanners read. binarySHA256 is
// the hex SHA-256 of the binary; created is the document's creation time,
// fixed by the caller so the document is reproducible.
func SBOM(bi *debug.BuildInfo, binarySHA256 string, created time.Time) ([]byte, error) {
	if bi == nil {
		return nil, fmt.Errorf("no Go build information")
	}
	mainName := bi.Main.Path
	if mainName == "" {
		mainName = bi.Path
	}
	doc := spdxDocument{
		SPDXVersion:       "SPDX-2.3",
		DataLicense:       "CC0-1.0",
		SPDXID:            "SPDXRef-DOCUMENT",
		Name:              mainName,
		DocumentNamespace: "urn:uuid:" + namespaceUUID(binarySHA256),
		CreationInfo: spdxCreationInfo{
			Created:  created.UTC().Format(time.RFC3339),
			Creators: []string{"Tool: weir-oci", "Organization: Weir"},
		},
	}
	main := goPackage("SPDXRef-Package-main", mainName, bi.Main.Version)
	main.PrimaryPurpose = "APPLICATION"
	if binarySHA256 != "" {
		main.Checksums = []spdxChecksum{{Algorithm: "SHA256", ChecksumValue: binarySHA256}}
	}
	doc.Packages = append(doc.Packages, main)
	doc.DocumentDescribes = []string{main.SPDXID}
	doc.Relationships = append(doc.Relationships, spdxRelationship{"SPDXRef-DOCUMENT", "DESCRIBES", main.SPDXID})

	std := goPackage("SPDXRef-Package-stdlib", "stdlib", bi.GoVersion)
	std.ExternalRefs = []spdxRef{purl("stdlib", strings.TrimPrefix(bi.GoVersion, "go"))}
	doc.Packages = append(doc.Packages, std)
	doc.Relationships = append(doc.Relationships, spdxRelationship{main.SPDXID, "DEPENDS_ON", std.SPDXID})

	for i, dep := range bi.Deps {
		m := dep
		if dep.Replace != nil {
			m = dep.Replace
		}
		p := goPackage(fmt.Sprintf("SPDXRef-Package-%d-%s", i+1, spdxIDSafe(m.Path)), m.Path, m.Version)
		doc.Packages = append(doc.Packages, p)
		doc.Relationships = append(doc.Relationships, spdxRelationship{main.SPDXID, "DEPENDS_ON", p.SPDXID})
	}
	return json.MarshalIndent(doc, "", "  ")
}

func goPackage(id, path, version string) spdxPackage {
	p := spdxPackage{
		Name:             path,
		SPDXID:           id,
		VersionInfo:      version,
		Supplier:         noAssertion,
		DownloadLocation: noAssertion,
		LicenseConcluded: noAssertion,
		LicenseDeclared:  noAssertion,
		CopyrightText:    noAssertion,
		PrimaryPurpose:   "LIBRARY",
	}
	// A local replacement or the main module built from a checkout has no
	// module version; a purl without one would claim more than we know.
	if version != "" && version != "(devel)" && !strings.HasPrefix(path, ".") && !strings.HasPrefix(path, "/") {
		p.ExternalRefs = []spdxRef{purl(path, version)}
	}
	return p
}

func purl(path, version string) spdxRef {
	return spdxRef{
		ReferenceCategory: "PACKAGE-MANAGER",
		ReferenceType:     "purl",
		ReferenceLocator:  "pkg:golang/" + path + "@" + version,
	}
}

// spdxIDSafe keeps the characters SPDX allows in an element ID (letters,
// digits, '.' and '-') and turns the rest into '-'.
func spdxIDSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '-'
	}, s)
}

// namespaceUUID derives a name-based UUID from the binary's hash, so each
// binary's SBOM has its own namespace and the same binary always the same.
func namespaceUUID(seed string) string {
	h := sha256.Sum256([]byte("weir-sbom:" + seed))
	h[6] = h[6]&0x0f | 0x50 // version 5 layout (name-based, SHA)
	h[8] = h[8]&0x3f | 0x80 // RFC 4122 variant
	s := hex.EncodeToString(h[:16])
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}
