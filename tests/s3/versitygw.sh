#!/usr/bin/env bash
# Runs versitygw (an S3 gateway) with its posix backend on 127.0.0.1 for the
# S3 tests, and creates the test bucket.
#
#   tests/s3/versitygw.sh start DIR PORT   # prints the variables to export
#   tests/s3/versitygw.sh stop DIR [PORT]
#
# DIR holds the buckets (DIR/data), the log and the pid file. Install the
# gateway with:
#   go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR PORT" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1 dir=$2 port=${3:-}

access=weir-test-access
secret=weir-test-secret-key
bucket=weir-test
region=us-east-1

gw=$(command -v versitygw || true)
if [ -z "$gw" ] && [ -x "$(go env GOPATH 2>/dev/null)/bin/versitygw" ]; then
	gw=$(go env GOPATH)/bin/versitygw
fi

case $cmd in
start)
	[ -n "$port" ] || usage
	[ -n "$gw" ] || { echo "versitygw not found: go install github.com/versity/versitygw/cmd/versitygw@v1.8.0" >&2; exit 1; }
	mkdir -p "$dir/data"
	if [ -f "$dir/versitygw.pid" ] && kill -0 "$(cat "$dir/versitygw.pid")" 2>/dev/null; then
		echo "versitygw already running with pid $(cat "$dir/versitygw.pid")" >&2
		exit 1
	fi
	ROOT_ACCESS_KEY_ID=$access ROOT_SECRET_ACCESS_KEY=$secret \
		nohup "$gw" --port "127.0.0.1:$port" --region "$region" --quiet posix "$dir/data" \
		>"$dir/versitygw.log" 2>&1 &
	echo $! >"$dir/versitygw.pid"
	endpoint=http://127.0.0.1:$port
	# Wait until it answers (any HTTP status counts), at most 15 s.
	for _ in $(seq 150); do
		if curl -s -o /dev/null "$endpoint/"; then break; fi
		if ! kill -0 "$(cat "$dir/versitygw.pid")" 2>/dev/null; then
			echo "versitygw exited; log:" >&2; cat "$dir/versitygw.log" >&2; exit 1
		fi
		sleep 0.1
	done
	# Create the bucket with a SigV4-signed PUT; an existing one is fine.
	code=$(curl -s -o "$dir/create-bucket.out" -w '%{http_code}' -X PUT \
		-H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
		--aws-sigv4 "aws:amz:$region:s3" --user "$access:$secret" "$endpoint/$bucket")
	if [ "$code" != 200 ] && ! grep -q BucketAlreadyOwnedByYou "$dir/create-bucket.out"; then
		echo "create bucket: HTTP $code" >&2; cat "$dir/create-bucket.out" >&2; exit 1
	fi
	cat <<ENV
export WEIR_TEST_S3_ENDPOINT=$endpoint
export WEIR_TEST_S3_BUCKET=$bucket
export AWS_ACCESS_KEY_ID=$access
export AWS_SECRET_ACCESS_KEY=$secret
export AWS_REGION=$region
ENV
	;;
stop)
	if [ -f "$dir/versitygw.pid" ]; then
		pid=$(cat "$dir/versitygw.pid")
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		rm -f "$dir/versitygw.pid"
	fi
	;;
*) usage ;;
esac
