package s3

import (
	"context"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/weir-ml/weir"
)

// These methods let the tracking server hand MLflow clients presigned URLs,
// so that large files go straight to the storage in parts (MLflow's
// MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD) and downloads can come straight from
// it. Their signatures use only standard types so that the server matches
// them by interface without importing this package.

// MaxParts is S3's largest number of parts in one upload.
const MaxParts = 10000

// PresignTTL is how long presigned URLs stay valid.
const PresignTTL = time.Hour

// CreateMultipartUpload starts a multipart upload to path p and returns its
// id and one presigned PUT URL per part: partURLs[i] takes part i+1.
func (s *Store) CreateMultipartUpload(ctx context.Context, p string, numParts int) (uploadID string, partURLs []string, err error) {
	defer weir.Wrap(&err, "s3.Store.CreateMultipartUpload(%q)", p)
	if numParts < 1 || numParts > MaxParts {
		return "", nil, weir.Errorf(weir.ErrInvalidParameterValue, "num_parts must be between 1 and %d, got %d.", MaxParts, numParts)
	}
	clean, key, err := s.key(p)
	if err != nil {
		return "", nil, err
	}
	if clean == "" {
		return "", nil, weir.Errorf(weir.ErrInvalidParameterValue, "Invalid path: an artifact needs a file name.")
	}
	out, err := s.client.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{Bucket: &s.Bucket, Key: &key})
	if err != nil {
		return "", nil, err
	}
	id := aws.ToString(out.UploadId)
	partURLs = make([]string, numParts)
	for i := range partURLs {
		req, err := s.presign.PresignUploadPart(ctx, &awss3.UploadPartInput{
			Bucket:     &s.Bucket,
			Key:        &key,
			UploadId:   &id,
			PartNumber: aws.Int32(int32(i + 1)),
		}, awss3.WithPresignExpires(PresignTTL))
		if err != nil {
			s.AbortMultipartUpload(context.WithoutCancel(ctx), clean, id)
			return "", nil, err
		}
		partURLs[i] = req.URL
	}
	return id, partURLs, nil
}

// CompleteMultipartUpload joins the uploaded parts, given as part number to
// ETag, into the object at p.
func (s *Store) CompleteMultipartUpload(ctx context.Context, p, uploadID string, etags map[int]string) (err error) {
	defer weir.Wrap(&err, "s3.Store.CompleteMultipartUpload(%q)", p)
	_, key, err := s.key(p)
	if err != nil {
		return err
	}
	if len(etags) == 0 {
		return weir.Errorf(weir.ErrInvalidParameterValue, "A multipart upload needs at least one part.")
	}
	parts := make([]types.CompletedPart, 0, len(etags))
	for num, etag := range etags {
		if num < 1 || num > MaxParts {
			return weir.Errorf(weir.ErrInvalidParameterValue, "part_number must be between 1 and %d, got %d.", MaxParts, num)
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(num)), ETag: aws.String(etag)})
	}
	sort.Slice(parts, func(i, j int) bool { return *parts[i].PartNumber < *parts[j].PartNumber })
	_, err = s.client.CompleteMultipartUpload(ctx, &awss3.CompleteMultipartUploadInput{
		Bucket:          &s.Bucket,
		Key:             &key,
		UploadId:        &uploadID,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	if isNoSuchUpload(err) {
		return weir.Errorf(weir.ErrResourceDoesNotExist, "Multipart upload %q does not exist.", uploadID)
	}
	if isBadPart(err) {
		return weir.Errorf(weir.ErrInvalidParameterValue,
			"The parts do not match the upload: a part is missing, too small or has another ETag.")
	}
	return err
}

// AbortMultipartUpload discards a multipart upload and its parts.
func (s *Store) AbortMultipartUpload(ctx context.Context, p, uploadID string) (err error) {
	defer weir.Wrap(&err, "s3.Store.AbortMultipartUpload(%q)", p)
	_, key, err := s.key(p)
	if err != nil {
		return err
	}
	_, err = s.client.AbortMultipartUpload(ctx, &awss3.AbortMultipartUploadInput{
		Bucket: &s.Bucket, Key: &key, UploadId: &uploadID,
	})
	if isNoSuchUpload(err) {
		return weir.Errorf(weir.ErrResourceDoesNotExist, "Multipart upload %q does not exist.", uploadID)
	}
	return err
}

// PresignGet returns a presigned GET URL for the file at p and its size.
func (s *Store) PresignGet(ctx context.Context, p string) (url string, size int64, err error) {
	size, err = s.Size(ctx, p)
	if err != nil {
		return "", 0, err
	}
	defer weir.Wrap(&err, "s3.Store.PresignGet(%q)", p)
	_, key, err := s.key(p)
	if err != nil {
		return "", 0, err
	}
	req, err := s.presign.PresignGetObject(ctx, &awss3.GetObjectInput{Bucket: &s.Bucket, Key: &key},
		awss3.WithPresignExpires(PresignTTL))
	if err != nil {
		return "", 0, err
	}
	return req.URL, size, nil
}
