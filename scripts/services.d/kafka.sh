# Kafka at 127.0.0.1:9092: tansu 0.6, a Kafka-compatible broker written in Rust, with its
# SQLite storage engine (its memory engine misreports offsets). No Apache Kafka build can be
# fetched here; tansu is installed from crates.io once (about 25 minutes on 2 cores) into
# $DSTREAM_TOOLS and reused.
install() {
    command -v tansu >/dev/null && return
    log "installing tansu 0.6.0 into $DSTREAM_TOOLS (cargo install, about 25 minutes on 2 cores)"
    cargo install tansu --version 0.6.0 --locked --no-default-features --features libsql \
        --root "$(dirname "$DSTREAM_TOOLS")" --target-dir "$root/target/services/kafka-build" >&2
    rm -rf "$root/target/services/kafka-build"
}
# tansu reads `sqlite://FILE` relative to its working directory: it runs in $data.
start() {
    (cd "$data" && exec tansu broker \
        --listener-url tcp://127.0.0.1:9092 \
        --advertised-listener-url tcp://127.0.0.1:9092 \
        --storage-engine sqlite://tansu.db) >"$log" 2>&1 &
    echo $! >"$pidfile"
}
# The port answers and a metadata request (listing topics) succeeds.
ready() {
    (exec 3<>/dev/tcp/127.0.0.1/9092) 2>/dev/null || return 1
    tansu topic list --broker tcp://127.0.0.1:9092 >/dev/null 2>&1
}
stop() { stop_pidfile; }
describe() { echo "Kafka (tansu) at 127.0.0.1:9092; create a topic: tansu topic create NAME --partitions 3 --broker tcp://127.0.0.1:9092"; }
