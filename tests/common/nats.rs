//! A few lines of the NATS text protocol, enough for the tests to create a JetStream stream,
//! publish to it and ask for a consumer's state without a client library in every test
//! build (`PUB`, `SUB`, `MSG`, and the JetStream API's request subjects).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The tests' server: `scripts/services up nats`.
pub const URL: &str = "nats://127.0.0.1:4222";
const ADDR: &str = "127.0.0.1:4222";

/// A connection to the server.
pub struct Wire {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    next_inbox: u64,
}

impl Wire {
    /// Connects; `None` when no server answers.
    pub fn connect() -> Option<Wire> {
        let stream = TcpStream::connect_timeout(&ADDR.parse().ok()?, Duration::from_secs(2)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
        let mut wire =
            Wire { reader: BufReader::new(stream.try_clone().ok()?), writer: stream, next_inbox: 0 };
        let info = wire.line();
        assert!(info.starts_with("INFO"), "not a NATS server at {ADDR}: {info}");
        wire.send(b"CONNECT {\"verbose\":false,\"pedantic\":false}\r\n");
        Some(wire)
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write to the NATS server");
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("read from the NATS server");
        line.trim_end().to_string()
    }

    /// Publishes `payload` on `subject` (captured by the stream that holds the subject).
    pub fn publish(&mut self, subject: &str, payload: &[u8]) {
        let mut message = format!("PUB {subject} {}\r\n", payload.len()).into_bytes();
        message.extend_from_slice(payload);
        message.extend_from_slice(b"\r\n");
        self.send(&message);
    }

    /// Sends `body` to `subject` and returns the reply's payload.
    pub fn request(&mut self, subject: &str, body: &str) -> String {
        self.next_inbox += 1;
        let inbox = format!("_INBOX.dstream-test.{}.{}", std::process::id(), self.next_inbox);
        self.send(
            format!("SUB {inbox} {}\r\nPUB {subject} {inbox} {}\r\n{body}\r\n", self.next_inbox, body.len())
                .as_bytes(),
        );
        loop {
            let line = self.line();
            if line == "PING" {
                self.send(b"PONG\r\n");
            } else if let Some(rest) = line.strip_prefix("MSG ") {
                let len: usize = rest.rsplit(' ').next().and_then(|n| n.parse().ok()).expect("a MSG length");
                let mut payload = vec![0; len + 2];
                self.reader.read_exact(&mut payload).expect("read a MSG payload");
                payload.truncate(len);
                self.send(format!("UNSUB {}\r\n", self.next_inbox).as_bytes());
                return String::from_utf8(payload).expect("a UTF-8 reply");
            } else {
                assert!(!line.starts_with("-ERR"), "the NATS server refused a request: {line}");
            }
        }
    }

    /// Creates (or replaces) file-backed stream `name` holding `subject`.
    pub fn create_stream(&mut self, name: &str, subject: &str) {
        let _ = self.request(&format!("$JS.API.STREAM.DELETE.{name}"), "");
        let config = format!(r#"{{"name":"{name}","subjects":["{subject}"],"storage":"file"}}"#);
        // A server busy with another test's jobs may answer with a temporary error.
        let mut reply = String::new();
        for _ in 0..10 {
            reply = self.request(&format!("$JS.API.STREAM.CREATE.{name}"), &config);
            if !reply.contains("\"error\"") {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        panic!("creating stream {name}: {reply}");
    }

    /// Deletes stream `name`.
    pub fn delete_stream(&mut self, name: &str) {
        let _ = self.request(&format!("$JS.API.STREAM.DELETE.{name}"), "");
    }

    /// A consumer's state: (messages delivered and not acknowledged, acknowledged floor).
    pub fn consumer_acks(&mut self, stream: &str, durable: &str) -> (u64, u64) {
        let reply = self.request(&format!("$JS.API.CONSUMER.INFO.{stream}.{durable}"), "");
        let info: serde_json::Value = serde_json::from_str(&reply).expect("consumer info is JSON");
        let pending =
            info["num_ack_pending"].as_u64().unwrap_or_else(|| panic!("no num_ack_pending in {reply}"));
        let floor = info["ack_floor"]["stream_seq"].as_u64().unwrap_or(0);
        (pending, floor)
    }

    /// Waits until everything published so far reached the server (a round trip).
    pub fn flush(&mut self) {
        self.send(b"PING\r\n");
        while self.line() != "PONG" {}
    }
}
