package s3

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/weir-ml/weir"
)

// Delete implements artifact.Store: it removes the object at p and every
// object under p/, in batches of up to 1000 keys.
func (s *Store) Delete(ctx context.Context, p string) (err error) {
	defer weir.Wrap(&err, "s3.Store.Delete(%q)", p)
	clean, key, err := s.key(p)
	if err != nil {
		return err
	}
	if clean == "" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Refusing to delete the artifact root.")
	}
	found := false
	if _, err := s.client.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: &s.Bucket, Key: &key}); err == nil {
		found = true
		if err := s.deleteKeys(ctx, []types.ObjectIdentifier{{Key: aws.String(key)}}); err != nil {
			return err
		}
	} else if !isNotFound(err) {
		return err
	}
	pages := awss3.NewListObjectsV2Paginator(s.client, &awss3.ListObjectsV2Input{
		Bucket: &s.Bucket,
		Prefix: aws.String(dirPrefix(key)),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return err
		}
		ids := make([]types.ObjectIdentifier, 0, len(page.Contents))
		for _, obj := range page.Contents {
			ids = append(ids, types.ObjectIdentifier{Key: obj.Key})
		}
		if len(ids) > 0 {
			found = true
			if err := s.deleteKeys(ctx, ids); err != nil {
				return err
			}
		}
	}
	if !found {
		return weir.Errorf(weir.ErrResourceDoesNotExist, "Artifact %q does not exist.", p)
	}
	return nil
}

// deleteKeys deletes up to 1000 keys, failing if S3 refused any of them.
func (s *Store) deleteKeys(ctx context.Context, ids []types.ObjectIdentifier) error {
	out, err := s.client.DeleteObjects(ctx, &awss3.DeleteObjectsInput{
		Bucket: &s.Bucket,
		Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)},
	})
	if err != nil {
		return err
	}
	if len(out.Errors) > 0 {
		e := out.Errors[0]
		return fmt.Errorf("delete %d of %d keys failed, first %q: %s %s",
			len(out.Errors), len(ids), aws.ToString(e.Key), aws.ToString(e.Code), aws.ToString(e.Message))
	}
	return nil
}
