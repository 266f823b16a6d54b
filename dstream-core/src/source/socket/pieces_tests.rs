//! Pieces of a batch handed over before its cut ([`Source::take_piece`]): with the cut, they
//! hold exactly the lines the cut alone would, in order, each once; they count in the buffer's
//! bound until the cut; with a write-ahead log the cut's selection covers them.

use super::test_support::*;
use super::SocketConfig;
use crate::source::Source;
use crate::test_support::TempDir;
use crate::time::Time;

/// Sends `writes` writes of 4 lines each (waiting until each is read, so each is a read of its
/// own), at clock time 500, with pieces of 16 bytes; then takes pieces of batch 1000 and cuts
/// it. Returns the pieces' lines, the cut's lines, and the source.
fn pieces_then_cut(config: SocketConfig, writes: usize) -> (Vec<Vec<String>>, Vec<String>, Fixture) {
    let (listener, port) = listener();
    let mut f = Fixture::start(port, SocketConfig { piece_bytes: 16, ..config });
    let mut conn = accept(&listener);
    let at = Time::from_millis(1000);
    assert!(f.source.take_piece(at).is_none(), "nothing received yet");
    f.clock.set(Time::from_millis(500));
    let mut sent = 0;
    for w in 0..writes {
        let text: String = (0..4).map(|n| format!("w{w}-{n}\n")).collect();
        send(&mut conn, text.as_bytes());
        sent += text.len() as u64;
        f.wait_bytes(sent);
    }
    let mut pieces = Vec::new();
    while let Some(piece) = f.source.take_piece(at) {
        pieces.push(piece.lines().map(str::to_owned).collect::<Vec<_>>());
    }
    let cut = f.cut(1000);
    (pieces, cut, f)
}

fn all_lines(writes: usize) -> Vec<String> {
    (0..writes).flat_map(|w| (0..4).map(move |n| format!("w{w}-{n}"))).collect()
}

#[test]
fn pieces_and_the_cut_hold_every_line_once_in_order() {
    let (pieces, cut, f) = pieces_then_cut(fast_config(), 6);
    // Every read (4 lines, 20 bytes) closes its block; the last one is still being filled.
    assert_eq!(pieces.len(), 5, "{pieces:?}");
    let mut got = pieces.concat();
    got.extend(cut);
    assert_eq!(got, all_lines(6));
    let m = f.metrics.snapshot();
    assert_eq!((m.records_received, m.pieces), (24, 5));
    let state = f.source.buffer.as_ref().map(|b| {
        let state = b.lock();
        (state.bytes, state.lent)
    });
    assert_eq!(state, Some((0, 0)));
}

#[test]
fn pieces_count_in_the_buffer_bound_until_the_cut() {
    let (listener, port) = listener();
    let mut f =
        Fixture::start(port, SocketConfig { piece_bytes: 4, max_buffered_bytes: 40, ..fast_config() });
    let mut conn = accept(&listener);
    let at = Time::from_millis(1000);
    assert!(f.source.take_piece(at).is_none());
    f.clock.set(Time::from_millis(500));
    send(&mut conn, b"0123456789\n0123456789\n");
    f.wait_bytes(22);
    send(&mut conn, b"abcdefghij\nabcdefghij\n");
    f.wait_bytes(44);
    let piece = f.source.take_piece(at).expect("the first read's block");
    assert_eq!(piece.len(), 2);
    // The buffer is full (44 bytes >= 40) although a piece left it: the receiver waits for
    // the cut, not for the piece.
    send(&mut conn, b"later\n");
    std::thread::sleep(std::time::Duration::from_millis(150));
    let buffered = |f: &Fixture| f.source.buffer.as_ref().map(|b| b.lock().bytes);
    assert_eq!(buffered(&f), Some(44));
    assert_eq!(f.metrics.snapshot().bytes_received, 44, "the receiver went on although the buffer is full");
    assert_eq!(f.cut(1000), ["abcdefghij", "abcdefghij"]);
    f.wait_bytes(50);
    assert_eq!(buffered(&f), Some(6));
    f.clock.set(Time::from_millis(1500));
    assert_eq!(f.cut(2000), ["later"]);
}

#[test]
fn with_a_write_ahead_log_the_cut_selection_covers_its_pieces() {
    let dir = TempDir::new("pieces-wal");
    let config = SocketConfig { write_ahead_log: Some(dir.0.clone()), ..fast_config() };
    let (pieces, cut, mut f) = pieces_then_cut(config, 4);
    assert!(!pieces.is_empty());
    let mut got = pieces.concat();
    got.extend(cut);
    assert_eq!(got, all_lines(4));
    // One logged block per read: the cut took blocks (0, 4], pieces included.
    let selection = f.source.selection().expect("a selection with a log");
    assert_eq!(selection, [0u64.to_le_bytes(), 4u64.to_le_bytes()].concat());
    assert_eq!(f.source.position(), Some(4u64.to_le_bytes().to_vec()));
    f.source.stop_receiving();
}

#[test]
fn no_pieces_when_they_are_off_or_after_the_stop() {
    let (pieces, cut, mut f) = pieces_then_cut(SocketConfig { ..fast_config() }, 0);
    assert!(pieces.is_empty() && cut.is_empty());
    f.source.stop_receiving();
    assert!(f.source.take_piece(Time::from_millis(2000)).is_none());
    let (listener, port) = listener();
    let mut f = Fixture::start(port, SocketConfig { piece_bytes: 0, ..fast_config() });
    let mut conn = accept(&listener);
    for (w, total) in [(0, 6), (1, 12), (2, 18)] {
        send(&mut conn, format!("{w}aaaa\n").as_bytes());
        f.wait_bytes(total);
        assert!(f.source.take_piece(Time::from_millis(u64::MAX / 2)).is_none(), "pieces are off");
    }
    assert_eq!(f.cut(u64::MAX / 2), ["0aaaa", "1aaaa", "2aaaa"]);
    assert_eq!(f.metrics.snapshot().pieces, 0);
}

#[test]
fn pieces_grow_with_the_batch_interval_between_bounds() {
    use super::{piece_size, MIN_PIECE_BYTES, PIECE_BYTES};
    assert_eq!(piece_size(PIECE_BYTES, 0), MIN_PIECE_BYTES, "interval not known yet");
    assert_eq!(piece_size(PIECE_BYTES, 10), MIN_PIECE_BYTES);
    assert_eq!(piece_size(PIECE_BYTES, 100), MIN_PIECE_BYTES);
    assert_eq!(piece_size(PIECE_BYTES, 500), 500 * PIECE_BYTES.div_ceil(1000));
    assert_eq!(piece_size(PIECE_BYTES, 1000), PIECE_BYTES);
    assert_eq!(piece_size(PIECE_BYTES, 60_000), PIECE_BYTES);
    assert_eq!(piece_size(48, 1000), 48, "a small setting is the piece");
}
