//! The job's web UI (feature `ui`): pages with charts ([`pages`]), a JSON API in the shape
//! of Spark's streaming REST endpoints ([`api`]) and Prometheus `/metrics` ([`prom`]).
//!
//! A small synchronous server (`tiny_http`) on one thread of its own, `dstream-ui`. It
//! reads the job's [`Monitor`], whose lock the batch loop takes once per batch for a few
//! microseconds: a request never holds up a batch for longer than that copy.
//!
//! Where it listens: [`Job::with_ui`](crate::Job::with_ui) binds exactly the address given;
//! otherwise `DSTREAM_UI_PORT` (`0` or `off`: no UI) or 4040, on 127.0.0.1, trying the next
//! 16 ports when one is taken (Spark's `spark.port.maxRetries`).

pub mod api;
mod charts;
pub mod pages;
pub mod prom;

use super::{Monitor, UiChoice};
use crate::error::{Error, Result};
use std::net::SocketAddr;
use std::sync::Arc;

/// The port the UI tries first, as Spark's.
pub const DEFAULT_PORT: u16 = 4040;
/// Ports tried after a taken one.
const PORT_RETRIES: u16 = 16;

/// A running UI server; stops when dropped.
pub struct UiServer {
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
    address: SocketAddr,
}

impl std::fmt::Debug for UiServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UiServer").field("address", &self.address).finish_non_exhaustive()
    }
}

impl UiServer {
    /// Starts the UI as `choice` says, or none. Logs its address.
    pub(crate) fn start_as(choice: &UiChoice, monitor: Monitor) -> Result<Option<UiServer>> {
        let server = match choice {
            UiChoice::Off => return Ok(None),
            UiChoice::At(address) => Some(UiServer::start(address, monitor.clone()).map_err(|e| {
                Error::Config(format!("the web UI cannot listen on `{address}` (from `with_ui`): {e}"))
            })?),
            UiChoice::Default => {
                let port = match std::env::var("DSTREAM_UI_PORT") {
                    Err(_) => DEFAULT_PORT,
                    Ok(v) if v.trim() == "off" || v.trim() == "0" => return Ok(None),
                    Ok(v) => v.trim().parse::<u16>().map_err(|_| {
                        Error::Config(format!(
                            "DSTREAM_UI_PORT=`{v}` is not a port number (or `0`/`off` for no UI)"
                        ))
                    })?,
                };
                let first_free = UiServer::start_first_free(port, &monitor);
                if first_free.is_none() {
                    tracing::warn!(
                        "no web UI: ports {port} to {} on 127.0.0.1 are all taken",
                        port.saturating_add(PORT_RETRIES)
                    );
                }
                first_free
            }
        };
        if let Some(server) = &server {
            monitor.set_ui_address(server.address);
            tracing::info!("web UI at http://{}", server.address);
        }
        Ok(server)
    }

    /// Serves `monitor` on 127.0.0.1 at `port` or the first free port of the next 16.
    fn start_first_free(port: u16, monitor: &Monitor) -> Option<UiServer> {
        (port..=port.saturating_add(PORT_RETRIES))
            .find_map(|p| UiServer::start(&format!("127.0.0.1:{p}"), monitor.clone()).ok())
    }

    /// Serves `monitor` on `address`.
    pub fn start(address: &str, monitor: Monitor) -> std::io::Result<UiServer> {
        let server = tiny_http::Server::http(address).map_err(std::io::Error::other)?;
        let address = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| std::io::Error::other("the UI server has no IP address"))?;
        let server = Arc::new(server);
        let serving = Arc::clone(&server);
        let thread = std::thread::Builder::new().name("dstream-ui".into()).spawn(move || {
            let app = api::App::new(monitor);
            for request in serving.incoming_requests() {
                let response = route(&app, request.method(), request.url());
                // A client that went away is no error of the job's.
                let _ = request.respond(response);
            }
        })?;
        Ok(UiServer { server, thread: Some(thread), address })
    }
}

impl Drop for UiServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A response with a body of type `content_type`.
pub(crate) type Response = tiny_http::Response<std::io::Cursor<Vec<u8>>>;

fn respond(status: u16, content_type: &str, body: String) -> Response {
    let header = tiny_http::Header::from_bytes("Content-Type", content_type).expect("a valid header");
    tiny_http::Response::from_string(body).with_status_code(status).with_header(header)
}

/// Answers one request.
fn route(app: &api::App, method: &tiny_http::Method, url: &str) -> Response {
    if *method != tiny_http::Method::Get {
        return respond(405, "text/plain; charset=utf-8", "only GET is served\n".into());
    }
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let path = path.trim_end_matches('/');
    if let Some(rest) = path.strip_prefix("/api/v1") {
        return match app.get(rest, query) {
            Some(value) => respond(200, "application/json", value.to_string()),
            None => respond(404, "application/json", r#"{"error":"no such resource"}"#.into()),
        };
    }
    match path {
        "" | "/streaming" => respond(200, "text/html; charset=utf-8", pages::overview(app.monitor())),
        "/streaming/batch" => {
            let id = query.split('&').find_map(|kv| kv.strip_prefix("id=")).and_then(|v| v.parse().ok());
            match id.and_then(|id| app.monitor().batch(id)) {
                Some(batch) => respond(200, "text/html; charset=utf-8", pages::batch(app.monitor(), &batch)),
                None => respond(
                    404,
                    "text/html; charset=utf-8",
                    pages::not_found("no such batch (only the last 1000 are kept)"),
                ),
            }
        }
        "/metrics" => respond(200, prom::CONTENT_TYPE, prom::render(app.monitor())),
        _ => respond(404, "text/html; charset=utf-8", pages::not_found("no such page")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::metrics::Metrics;

    #[test]
    fn a_taken_port_moves_the_ui_to_a_next_free_one() {
        let monitor = Monitor::new("t".into(), 1000, Metrics::new());
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        if port > u16::MAX - PORT_RETRIES {
            return; // no next ports to try
        }
        let server = UiServer::start_first_free(port, &monitor).expect("one of the next 16 ports is free");
        assert!((port + 1..=port + PORT_RETRIES).contains(&server.address.port()), "{:?}", server.address);
    }

    #[test]
    fn an_explicit_address_that_is_taken_is_an_error_naming_it() {
        let monitor = Monitor::new("t".into(), 1000, Metrics::new());
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = taken.local_addr().unwrap().to_string();
        let error = UiServer::start_as(&UiChoice::At(address.clone()), monitor).unwrap_err().to_string();
        assert!(error.contains(&format!("`{address}` (from `with_ui`)")), "{error}");
        assert!(UiServer::start_as(&UiChoice::Off, Monitor::new("t".into(), 1000, Metrics::new()))
            .unwrap()
            .is_none());
    }
}
