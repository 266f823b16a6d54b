//! Connecting the processes of a cluster to each other, before timely takes the sockets.
//!
//! timely's own connect loop retries forever and prints to standard output (where `print`
//! writes); this one logs through `tracing`, gives up after the configured time with an error
//! naming the peer it could not reach, and checks a greeting so that a stray connection (a
//! port scanner, another program) is refused instead of taken for a peer.
//! Process `i` connects to every process below it and accepts from every process above it,
//! as timely does.

use super::config::ClusterConfig;
use crate::error::{Error, Result};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// What a connecting process sends first: a tag, then its index.
const GREETING: &[u8; 8] = b"dstream1";

/// The sockets to every other process, `None` at this process's index.
pub(crate) fn connect(config: &ClusterConfig) -> Result<Vec<Option<TcpStream>>> {
    let me = config.process;
    let deadline = Instant::now() + config.connect_timeout;
    let own = &config.addresses[me];
    let listener = TcpListener::bind(own).map_err(|e| {
        Error::Cluster(format!("process {me} cannot listen on {own} (its hostfile line): {e}"))
    })?;
    tracing::info!(process = me, processes = config.processes, address = %own, "waiting for peers ...");
    let mut sockets: Vec<Option<TcpStream>> = (0..config.processes).map(|_| None).collect();
    for (peer, address) in config.addresses.iter().enumerate().take(me) {
        sockets[peer] = Some(connect_to(me, peer, address, deadline, config.connect_timeout)?);
    }
    listener.set_nonblocking(true)?;
    while let Some(missing) = (me + 1..config.processes).find(|&p| sockets[p].is_none()) {
        match listener.accept() {
            Ok((stream, from)) => match greeting(stream, config.processes) {
                Some((peer, stream)) if peer > me => {
                    tracing::info!(process = me, peer, %from, "peer connected");
                    sockets[peer] = Some(stream);
                }
                _ => tracing::warn!(process = me, %from, "refused a connection that is not a dstream peer"),
            },
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    return Err(Error::Cluster(format!(
                        "process {me} waited {:?} for process {missing} ({}) to connect to {own}; it did not (is it started, with the same hostfile?)",
                        config.connect_timeout, config.addresses[missing]
                    )));
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(e.into()),
        }
    }
    tracing::info!(process = me, "all peers connected");
    Ok(sockets)
}

/// Connects to `peer` at `address`, retrying with backoff until `deadline`.
fn connect_to(
    me: usize,
    peer: usize,
    address: &str,
    deadline: Instant,
    timeout: Duration,
) -> Result<TcpStream> {
    let mut backoff = Duration::from_millis(20);
    let mut logged = false;
    loop {
        let attempt = address.to_socket_addrs().and_then(|mut addrs| {
            let addr = addrs.next().ok_or_else(|| std::io::Error::other("the name has no address"))?;
            TcpStream::connect_timeout(&addr, Duration::from_secs(1))
        });
        let error = match attempt {
            Ok(mut stream) => {
                stream.set_nodelay(true)?;
                stream.write_all(GREETING)?;
                stream.write_all(&(me as u64).to_le_bytes())?;
                tracing::info!(process = me, peer, %address, "connected to peer");
                return Ok(stream);
            }
            Err(e) => e,
        };
        if Instant::now() >= deadline {
            return Err(Error::Cluster(format!(
                "process {me} could not reach process {peer} at {address} within {timeout:?}: {error}"
            )));
        }
        if !logged {
            tracing::info!(process = me, peer, %address, %error, "waiting for peer ...");
            logged = true;
        }
        std::thread::sleep(backoff);
        backoff = (backoff * 2).min(Duration::from_millis(500));
    }
}

/// Reads a connecting peer's greeting: its index, if it is a dstream process of this cluster.
fn greeting(mut stream: TcpStream, processes: usize) -> Option<(usize, TcpStream)> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut buf = [0u8; 16];
    stream.read_exact(&mut buf).ok()?;
    let peer = u64::from_le_bytes(buf[8..].try_into().ok()?) as usize;
    (&buf[..8] == GREETING && peer < processes).then_some(())?;
    stream.set_read_timeout(None).ok()?;
    stream.set_nodelay(true).ok()?;
    Some((peer, stream))
}
