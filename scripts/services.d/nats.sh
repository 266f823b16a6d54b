# NATS with JetStream at nats://127.0.0.1:4222 (Debian's nats-server).
install() {
    command -v nats-server >/dev/null && return
    log "installing Debian's nats-server"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null ||
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null; }
}
start() {
    nats-server -a 127.0.0.1 -p 4222 -js -sd "$data/jetstream" >"$log" 2>&1 &
    echo $! >"$pidfile"
}
ready() { (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; }
stop() { stop_pidfile; }
describe() { echo "NATS (JetStream) at nats://127.0.0.1:4222"; }
