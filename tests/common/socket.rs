//! For jobs that read a socket with a write-ahead log: a server of numbered lines, and a
//! reader of the log's segments.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A server that writes numbered lines (`line 0`, `line 1`, ...), five per `write` every
/// millisecond, to whoever connects, numbering on across connections, while `sending` is
/// set and until `done` is. Returns how many lines it wrote.
pub fn numbering_server(
    listener: TcpListener,
    sending: Arc<AtomicBool>,
    done: Arc<AtomicBool>,
) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        listener.set_nonblocking(true).expect("non-blocking listener");
        let mut next = 0u64;
        let mut conn: Option<TcpStream> = None;
        while !done.load(Ordering::SeqCst) {
            if let Ok((stream, _)) = listener.accept() {
                stream.set_nonblocking(false).expect("blocking stream");
                stream.set_write_timeout(Some(Duration::from_millis(200))).expect("write timeout");
                conn = Some(stream);
            }
            if let (Some(stream), true) = (conn.as_mut(), sending.load(Ordering::SeqCst)) {
                let text: String = (next..next + 5).map(|n| format!("line {n}\n")).collect();
                match stream.write_all(text.as_bytes()) {
                    Ok(()) => next += 5,
                    // The child died: what it had not read is lost with it, never received.
                    Err(_) => conn = None,
                }
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        next
    })
}

/// The segment files of the log, oldest first.
pub fn segments(wal: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(wal)
        .expect("the log directory")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("wal-")))
        .collect();
    found.sort();
    found
}

/// The lines of every record in the log's segments, read as the socket module's
/// documentation describes the format (records are not checked against their CRC here:
/// after SIGKILL every completed `write` is in the file; an incomplete last record is
/// skipped). Nothing if the log does not exist yet.
pub fn logged_lines(wal: &Path) -> Vec<String> {
    let mut found = Vec::new();
    if !wal.exists() {
        return found;
    }
    for segment in segments(wal) {
        let bytes = std::fs::read(&segment).expect("read a segment");
        assert!(bytes.len() < 8 || &bytes[..8] == b"DSTRWAL1", "segment {} has no magic", segment.display());
        let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let mut at = 8;
        while at + 8 <= bytes.len() {
            let len = u32_at(at);
            let payload = at + 8;
            if payload + len > bytes.len() {
                break;
            }
            let count = u32_at(payload + 16);
            let mut text = payload + 20 + 4 * count;
            for i in 0..count {
                let line_len = u32_at(payload + 20 + 4 * i);
                found.push(String::from_utf8(bytes[text..text + line_len].to_vec()).expect("UTF-8 lines"));
                text += line_len;
            }
            assert_eq!(text, payload + len, "record at {at} of {}", segment.display());
            at = payload + len;
        }
    }
    found
}
