# S3 at http://127.0.0.1:9000: s3s-fs 0.14.1 (a Rust S3 server over a directory, built with
# cargo), with SigV4 signatures checked against one access key and secret, and a bucket
# `dstream`. Objects live under target/services/s3/root/BUCKET/.
#
# s3s-fs rather than Garage: it builds in about 2 minutes instead of 10, starts with no
# layout or key setup, and its buckets are plain directories we can create before it starts.
# Later s3s-fs versions need a newer rustc than ours.
s3_endpoint="http://127.0.0.1:9000"
s3_region="${DSTREAM_S3_REGION:-us-east-1}"
s3_access_key="${DSTREAM_S3_ACCESS_KEY:-dstream}"
s3_secret_key="${DSTREAM_S3_SECRET_KEY:-dstream-secret}"
s3_bucket="dstream"

install() {
    command -v s3s-fs >/dev/null && return
    log "building s3s-fs 0.14.1 into $DSTREAM_TOOLS (about 2 minutes on 2 cores)"
    local root
    root="$(mktemp -d)"
    cargo install s3s-fs --version 0.14.1 --locked --features binary --root "$root" >"$data/install.log" 2>&1 ||
        { tail -n 30 "$data/install.log" >&2; rm -rf "$root"; return 1; }
    mkdir -p "$DSTREAM_TOOLS"
    cp "$root/bin/s3s-fs" "$DSTREAM_TOOLS/"
    rm -rf "$root"
}
start() {
    # A bucket is a directory of the root: create `dstream` before the server starts.
    mkdir -p "$data/root/$s3_bucket"
    RUST_LOG="${RUST_LOG:-info}" s3s-fs --host 127.0.0.1 --port 9000 \
        --access-key "$s3_access_key" --secret-key "$s3_secret_key" "$data/root" >"$log" 2>&1 &
    echo $! >"$pidfile"
}
ready() { (exec 3<>/dev/tcp/127.0.0.1/9000) 2>/dev/null; }
stop() { stop_pidfile; }
describe() {
    echo "S3 (s3s-fs, SigV4 checked) at $s3_endpoint, bucket $s3_bucket; a client reaches it with:"
    echo "  export AWS_ENDPOINT_URL=$s3_endpoint AWS_REGION=$s3_region AWS_ACCESS_KEY_ID=$s3_access_key AWS_SECRET_ACCESS_KEY=$s3_secret_key"
}
