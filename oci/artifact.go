package oci

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// emptyJSON is the content of OCI 1.1's empty descriptor.
var emptyJSON = []byte("{}")

// SBOMArtifact returns the OCI artifact that carries the image's SBOM: an
// image manifest with artifactType application/spdx+json, the empty
// config, the SPDX document as its one layer, and the image as its
// subject, so registries list it among the image's referrers.
func (img *Image) SBOMArtifact() (v1.Image, error) {
	subject, err := partial.Descriptor(img.Image)
	if err != nil {
		return nil, err
	}
	// Only what identifies the subject: a platform or annotations there
	// would make the artifact's digest depend on more than the image.
	subject = &v1.Descriptor{MediaType: subject.MediaType, Size: subject.Size, Digest: subject.Digest}
	sbom := static.NewLayer(img.SBOM, SBOMMediaType)
	sbomDigest, err := sbom.Digest()
	if err != nil {
		return nil, err
	}
	cfgHash, _, err := v1.SHA256(bytes.NewReader(emptyJSON))
	if err != nil {
		return nil, err
	}
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  SBOMMediaType,
		Config: v1.Descriptor{
			MediaType: emptyConfigMediaType,
			Size:      int64(len(emptyJSON)),
			Digest:    cfgHash,
			Data:      emptyJSON,
		},
		Layers: []v1.Descriptor{{
			MediaType:   SBOMMediaType,
			Size:        int64(len(img.SBOM)),
			Digest:      sbomDigest,
			Annotations: map[string]string{"org.opencontainers.image.title": "sbom.spdx.json"},
		}},
		Subject:     subject,
		Annotations: map[string]string{LabelCreated: img.Created.UTC().Format(time.RFC3339)},
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return partial.CompressedToImage(&artifact{manifest: raw, config: cfgHash, layer: sbom})
}

// artifact is a one-layer OCI artifact held in memory.
type artifact struct {
	manifest []byte
	config   v1.Hash
	layer    v1.Layer
}

func (a *artifact) RawConfigFile() ([]byte, error)      { return emptyJSON, nil }
func (a *artifact) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }
func (a *artifact) RawManifest() ([]byte, error)        { return a.manifest, nil }

func (a *artifact) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if h == a.config {
		return static.NewLayer(emptyJSON, emptyConfigMediaType), nil
	}
	if d, err := a.layer.Digest(); err == nil && d == h {
		return a.layer, nil
	}
	return nil, fmt.Errorf("artifact has no blob %s", h)
}
