//! Helpers shared by the socket source's tests: a started source on a manual clock, a test
//! server's side of the connection, and looks into the buffer.

use super::buffer::Buffer;
use super::{SocketConfig, SocketSource};
use crate::source::{Source, SourceContext};
use crate::time::clock::ManualClock;
use crate::time::Time;
use crate::ui::metrics::Metrics;
use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(super) const WAIT: Duration = Duration::from_secs(5);

pub(super) fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

pub(super) fn fast_config() -> SocketConfig {
    SocketConfig {
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(40),
        ..SocketConfig::default()
    }
}

pub(super) struct Fixture {
    pub(super) source: SocketSource,
    pub(super) clock: ManualClock,
    pub(super) metrics: Metrics,
}

impl Fixture {
    pub(super) fn start(port: u16, config: SocketConfig) -> Fixture {
        let clock = ManualClock::new();
        let metrics = Metrics::new();
        let ctx = SourceContext::new(Arc::new(clock.clone()), metrics.clone());
        let mut source = SocketSource::new("127.0.0.1", port).with_config(config);
        source.start(&ctx).expect("start");
        Fixture { source, clock, metrics }
    }

    pub(super) fn cut(&mut self, ms: u64) -> Vec<String> {
        self.source.cut(Time::from_millis(ms)).lines().map(str::to_owned).collect()
    }

    /// Waits until the receiver has read (and sent on) `total` bytes.
    pub(super) fn wait_bytes(&self, total: u64) {
        wait_for(&format!("{total} bytes"), || self.metrics.snapshot().bytes_received >= total);
        assert_eq!(self.metrics.snapshot().bytes_received, total);
    }
}

pub(super) fn accept(listener: &TcpListener) -> TcpStream {
    listener.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).unwrap();
                return stream;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                assert!(Instant::now() < deadline, "the source never connected");
                std::thread::sleep(Duration::from_millis(2));
            }
            Err(e) => panic!("accept: {e}"),
        }
    }
}

pub(super) fn send(stream: &mut TcpStream, bytes: &[u8]) {
    stream.write_all(bytes).unwrap();
    stream.flush().unwrap();
}

pub(super) fn listener() -> (TcpListener, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    (listener, port)
}

/// Takes everything out of `buffer`: (stamp in ms, lines) per stamp of each queued block.
pub(super) fn take_all(buffer: &Buffer) -> Vec<(u64, Vec<String>)> {
    let mut state = buffer.lock();
    state.bytes = 0;
    let mut runs = Vec::new();
    for queued in state.queue.drain(..) {
        let lines: Vec<String> = queued.block.lines().map(str::to_owned).collect();
        let mut from = 0;
        for mark in &queued.marks {
            runs.push((mark.stamp.as_millis(), lines[from..mark.lines].to_vec()));
            from = mark.lines;
        }
        assert_eq!(from, lines.len(), "the marks cover the block");
    }
    runs
}

pub(super) fn lines_of(blocks: &[(u64, Vec<String>)]) -> Vec<String> {
    blocks.iter().flat_map(|(_, lines)| lines.iter().cloned()).collect()
}

/// A source that never started, cutting `buffer` (filled by the test).
pub(super) fn source_over(buffer: &Arc<Buffer>, config: SocketConfig) -> SocketSource {
    let mut source = SocketSource::new("127.0.0.1", 0).with_config(config);
    source.buffer = Some(Arc::clone(buffer));
    source
}
