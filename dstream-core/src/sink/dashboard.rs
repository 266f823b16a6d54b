//! `dashboard(addr)`: a live web page of a keyed-count stream. Each batch's `(label, number)`
//! records are published to an HTTP server on `addr`, whose page shows a chart of every
//! label's number over the recent batches and a table of the latest batch, updated as each
//! batch completes.
//!
//! The server is [axum] on a small [tokio] runtime of the dashboard's own (one worker
//! thread), started when the job is built; the batch loop never waits for it: publishing a
//! batch is a lock, a push and a channel send.
//!
//! | Endpoint | What |
//! |---|---|
//! | `GET /` | the page (HTML, CSS and JavaScript in one file, no external resources) |
//! | `GET /events` | server-sent events: one `data:` message per batch, the recent batches first |
//! | `GET /latest` | the latest batch as JSON; `null` before the first batch |
//!
//! A batch's message is `{"time": 2000, "processing_ms": 0.412, "counts": {"shipped": 3}}`:
//! the batch time in milliseconds, how long the batch had been processing when this output
//! ran, and the batch's numbers by label (labels in sorted order). From the second batch on,
//! the `dashboard` output adds the job's health from its statistics:
//! `"health": {"last_batch": 1000, "total_delay_ms": 1.2, "scheduling_delay_ms": 0.3,
//! "interval_ms": 1000, "behind": false}` (the batch before, since this one is still
//! running; `behind`: its total delay exceeded the interval). Each SSE message has the
//! batch time as its `id`; a reconnecting browser sends it back (`Last-Event-ID`) and gets
//! only the batches after it.
//!
//! The page marks its numbers with stable element ids, for people and for tests:
//! `batch-time` (the batch time in ms), `processing-time` (ms), `batch-total` (the sum of
//! the batch's numbers), `status` (`live` while connected), and one `count-<label>` per
//! row of the table (see [`element_id`]).
//!
//! ```
//! use dstream_core::dashboard::Dashboard;
//! use dstream_core::Time;
//!
//! let dashboard = Dashboard::new("127.0.0.1:0"); // port 0: any free port
//! let addr = dashboard.local_addr().expect("bound");
//! dashboard
//!     .publish(Time::from_millis(1000), std::time::Duration::ZERO, [("shipped", 3u64)])
//!     .unwrap();
//! # let mut stream = std::net::TcpStream::connect(addr).unwrap();
//! # use std::io::{Read, Write};
//! # stream.write_all(b"GET /latest HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
//! # let mut response = String::new();
//! # stream.read_to_string(&mut response).unwrap();
//! # assert!(response.ends_with(r#"{"counts":{"shipped":3},"processing_ms":0.0,"time":1000}"#), "{response}");
//! ```
//!
//! [axum]: https://docs.rs/axum
//! [tokio]: https://docs.rs/tokio

use crate::error::{Error, Result};
use crate::job::BatchContext;
use crate::render::Render;
use crate::time::Time;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;
use futures_util::stream::{self, Stream, StreamExt};
use std::collections::{BTreeMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::broadcast;

/// How many batches the server keeps, and the page charts: the last 60 (an hour of
/// `every 1min`, two minutes of `every 2s`).
pub const HISTORY: usize = 60;

/// The page: one self-contained file, no external resources (the chart is inline SVG).
const PAGE: &str = include_str!("../../assets/dashboard.html");

/// A number a [`Dashboard`] can show: every integer and float type, and references to
/// them. Values are shown as `f64`, exact up to 2^53.
#[diagnostic::on_unimplemented(
    message = "`dashboard` shows numbers: `{Self}` is not a number type",
    label = "the values of the `(label, value)` records must be integers or floats",
    note = "`dashboard` takes a stream of `(label, number)` pairs, such as the output of `map(|x| (x, 1u64)) |> reduce_by_key(+)` or `count_by_value`; `map_values` the values to a number first"
)]
pub trait DashboardValue {
    /// The value as a float.
    fn to_f64(&self) -> f64;
}

macro_rules! dashboard_value {
    ($($t:ty),*) => {$(
        impl DashboardValue for $t {
            #[inline]
            fn to_f64(&self) -> f64 {
                *self as f64
            }
        }

        // Not a blanket `impl for &T`: an error then names the record's own value type.
        impl DashboardValue for &$t {
            #[inline]
            fn to_f64(&self) -> f64 {
                **self as f64
            }
        }
    )*};
}

dashboard_value!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64);

/// A record a [`Dashboard`] can show: a pair `(label, value)` whose label is
/// [`Render`] (it is shown as `print` shows it) and whose value is a [`DashboardValue`].
#[diagnostic::on_unimplemented(
    message = "`dashboard` needs `(label, number)` pairs, but the records are `{Self}`",
    label = "the records reaching `dashboard` must be pairs `(label, number)`",
    note = "for example `map(|status| (status, 1u64)) |> reduce_by_key(+)`, or `count_by_value`"
)]
pub trait DashboardRecord {
    /// The label, rendered as text.
    fn label(&self) -> String;
    /// The number.
    fn value(&self) -> f64;
}

impl<K: Render, V: DashboardValue> DashboardRecord for (K, V) {
    fn label(&self) -> String {
        self.0.render_to_string()
    }

    fn value(&self) -> f64 {
        self.1.to_f64()
    }
}

/// One published batch: its time and its JSON message, shared by every client.
#[derive(Clone, Debug)]
struct Message {
    time: u64,
    json: Arc<str>,
}

/// What the batch loop and the server's handlers share.
#[derive(Debug)]
struct Shared {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// The last [`HISTORY`] batches, oldest first.
    history: VecDeque<Message>,
    /// Every connected `/events` client listens here.
    live: broadcast::Sender<Message>,
}

impl Shared {
    fn new() -> Shared {
        let (live, _) = broadcast::channel(HISTORY);
        Shared { inner: Mutex::new(Inner { history: VecDeque::with_capacity(HISTORY), live }) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps `message` in the history and sends it to every connected client. Both under
    /// one lock, so that a client that subscribes meanwhile sees every batch exactly once.
    fn publish(&self, message: Message) {
        let mut inner = self.lock();
        if inner.history.len() == HISTORY {
            inner.history.pop_front();
        }
        inner.history.push_back(message.clone());
        // An error only means that no client is connected.
        let _ = inner.live.send(message);
    }

    /// The batches after `after` (all without it), and a receiver of the batches to come.
    fn subscribe(&self, after: Option<u64>) -> (Vec<Message>, broadcast::Receiver<Message>) {
        let inner = self.lock();
        let history =
            inner.history.iter().filter(|m| after.is_none_or(|after| m.time > after)).cloned().collect();
        (history, inner.live.subscribe())
    }

    fn latest(&self) -> Option<Message> {
        self.lock().history.back().cloned()
    }
}

/// The running server: its address and its runtime (shut down when the dashboard drops).
struct Server {
    local_addr: SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
}

/// A dashboard: the HTTP server of the `dashboard(addr)` output, started when the job is
/// built. See the [module documentation](self).
///
/// Binding cannot fail the construction: an address that cannot be bound is logged at once
/// and reported as the job's error by the first batch's [`emit`] (or [`Dashboard::publish`]).
pub struct Dashboard {
    addr: String,
    shared: Arc<Shared>,
    server: std::result::Result<Server, String>,
}

impl std::fmt::Debug for Dashboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dashboard")
            .field("addr", &self.addr)
            .field("local_addr", &self.local_addr())
            .field("error", &self.server.as_ref().err())
            .finish_non_exhaustive()
    }
}

impl Dashboard {
    /// Starts a dashboard server on `addr` (`"127.0.0.1:8080"`; port 0 picks a free port,
    /// see [`local_addr`](Dashboard::local_addr)). Never panics: if the address cannot be
    /// bound, the error is logged now and returned by the first batch.
    ///
    /// The server listens on the address given: keep it on a loopback address
    /// (`127.0.0.1`, `[::1]`, `localhost`) unless the page is meant to be reached from other
    /// machines; it has no authentication.
    pub fn new(addr: impl Into<String>) -> Dashboard {
        let addr = addr.into();
        let shared = Arc::new(Shared::new());
        // In a cluster the dashboard is the driver's (docs/cluster.md): another process of
        // it, which may share the driver's host, does not bind the address.
        let cluster = crate::cluster::ClusterConfig::from_env().ok().flatten().filter(|c| c.processes > 1);
        if let Some(process) = cluster.map(|c| c.process).filter(|&p| p != 0) {
            tracing::debug!(process, address = %addr, "the dashboard is served by the driver, process 0");
            let server = Err(format!("process {process} of a cluster: the dashboard is served by process 0"));
            return Dashboard { addr, shared, server };
        }
        let server = start(&addr, Arc::clone(&shared));
        match &server {
            Ok(server) => {
                tracing::info!(url = %format!("http://{}/", server.local_addr), "dashboard serving")
            }
            Err(error) => {
                tracing::error!(address = %addr, %error, "dashboard cannot serve: the job fails at its first batch")
            }
        }
        Dashboard { addr, shared, server }
    }

    /// The address the server listens on (with the actual port when bound to port 0), or
    /// `None` if it could not be bound.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.server.as_ref().ok().map(|s| s.local_addr)
    }

    /// The page's URL, `http://127.0.0.1:8080/`, or `None` if the server is not running.
    pub fn url(&self) -> Option<String> {
        self.local_addr().map(|addr| format!("http://{addr}/"))
    }

    /// Publishes one batch: its time, how long it took to process, and its
    /// `(label, value)` records. Records with the same label are added up. The generic
    /// form of [`emit`], for a `foreach_batch` closure or code outside a job.
    ///
    /// Fails if the server could not be started.
    pub fn publish<R: DashboardRecord>(
        &self,
        time: Time,
        processing: std::time::Duration,
        records: impl IntoIterator<Item = R>,
    ) -> Result<()> {
        self.publish_with_health(time, processing, None, records)
    }

    /// [`Dashboard::publish`] with the job's health: the last completed batch's time and
    /// delays, from the job's statistics, and the batch interval (ms).
    pub fn publish_with_health<R: DashboardRecord>(
        &self,
        time: Time,
        processing: std::time::Duration,
        health: Option<(&crate::monitor::BatchInfo, u64)>,
        records: impl IntoIterator<Item = R>,
    ) -> Result<()> {
        if let Err(error) = &self.server {
            return Err(Error::Output {
                operator: "dashboard",
                time,
                message: format!("cannot serve on {}: {error}", self.addr),
            });
        }
        let counts = sum_by_label(records);
        let mut json = batch_json(time, processing, &counts);
        if let Some((last, interval_ms)) = health {
            add_health(&mut json, last, interval_ms);
        }
        self.shared.publish(Message { time: time.as_millis(), json: json.into() });
        Ok(())
    }
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        if let Ok(server) = &mut self.server {
            if let Some(runtime) = server.runtime.take() {
                // Without waiting: this may run inside another runtime, where waiting panics.
                runtime.shutdown_background();
            }
        }
    }
}

/// The `dashboard` output of one batch: publishes the batch's records, gathered from all
/// partitions, with the batch time and its processing time so far. Called by the code
/// `stream!` generates. In a cluster each process sums its partitions' numbers by label and
/// the driver, which serves the page, gathers and publishes them.
#[doc(hidden)]
pub fn emit<R: DashboardRecord>(d: &Dashboard, ctx: &mut BatchContext<'_>, parts: Vec<Vec<R>>) -> Result<()> {
    let health = ctx.job_health();
    let health = health.as_ref().map(|(last, interval_ms)| (&**last, *interval_ms));
    let exec = ctx.exec();
    if exec.in_cluster() {
        let sums: Vec<Vec<(String, f64)>> =
            parts.into_iter().map(|part| sum_by_label(part).into_iter().collect()).collect();
        let gathered = exec.gather(sums);
        if !exec.is_driver() || exec.batch_failed() {
            return Ok(());
        }
        return d.publish_with_health(ctx.time(), ctx.elapsed(), health, gathered);
    }
    d.publish_with_health(ctx.time(), ctx.elapsed(), health, parts.into_iter().flatten())
}

/// The numbers of `records` summed by label.
fn sum_by_label<R: DashboardRecord>(records: impl IntoIterator<Item = R>) -> BTreeMap<String, f64> {
    let mut counts: BTreeMap<String, f64> = BTreeMap::new();
    for record in records {
        *counts.entry(record.label()).or_insert(0.0) += record.value();
    }
    counts
}

/// Adds `"health":{...}` to a batch's message: the last completed batch's time, scheduling
/// and total delay (ms), the batch interval (ms), and whether the job is falling behind
/// (total delay above the interval).
fn add_health(json: &mut String, last: &crate::monitor::BatchInfo, interval_ms: u64) {
    use std::fmt::Write;
    let total_us = last.total_delay_us().unwrap_or(0);
    json.pop(); // the closing brace
    let _ = write!(
        json,
        ",\"health\":{{\"behind\":{},\"interval_ms\":{interval_ms},\"last_batch\":{},\"scheduling_delay_ms\":{:?},\"total_delay_ms\":{:?}}}}}",
        total_us > interval_ms * 1000,
        last.batch_time_ms,
        last.scheduling_delay_us() as f64 / 1e3,
        total_us as f64 / 1e3,
    );
}

/// The id of the table cell that shows `label`'s number on the page: `count-` followed by
/// the label, with every character other than an ASCII letter, digit, `-` or `_` replaced
/// by `_` (`"shipped"` → `count-shipped`, `"in transit"` → `count-in_transit`).
pub fn element_id(label: &str) -> String {
    let mut id = String::with_capacity(6 + label.len());
    id.push_str("count-");
    id.extend(label.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }));
    id
}

/// A batch's JSON message: `{"counts":{...},"processing_ms":x,"time":t}` (keys sorted).
fn batch_json(time: Time, processing: std::time::Duration, counts: &BTreeMap<String, f64>) -> String {
    use std::fmt::Write;
    let mut json = String::with_capacity(64 + counts.len() * 24);
    json.push_str("{\"counts\":{");
    for (i, (label, &value)) in counts.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        push_json_string(&mut json, label);
        json.push(':');
        push_json_number(&mut json, value);
    }
    json.push_str("},\"processing_ms\":");
    // Microsecond resolution, always with a fractional part.
    let processing_ms = processing.as_micros() as f64 / 1e3;
    let _ = write!(json, "{processing_ms:?}");
    let _ = write!(json, ",\"time\":{}}}", time.as_millis());
    json
}

/// Appends `s` as a JSON string literal.
fn push_json_string(json: &mut String, s: &str) {
    use std::fmt::Write;
    json.push('"');
    for c in s.chars() {
        match c {
            '"' => json.push_str("\\\""),
            '\\' => json.push_str("\\\\"),
            '\n' => json.push_str("\\n"),
            '\r' => json.push_str("\\r"),
            '\t' => json.push_str("\\t"),
            c if u32::from(c) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(json, "\\u{:04x}", u32::from(c));
            }
            c => json.push(c),
        }
    }
    json.push('"');
}

/// Appends `value` as a JSON number: an integral value as an integer (`3`, not `3.0`), any
/// other in full precision; `null` for NaN and infinities, which JSON cannot hold.
fn push_json_number(json: &mut String, value: f64) {
    use std::fmt::Write;
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if !value.is_finite() {
        json.push_str("null");
    } else if value.fract() == 0.0 && value.abs() <= EXACT {
        let _ = write!(json, "{}", value as i64);
    } else {
        // `Display` never uses an exponent, and prints the shortest text that round-trips.
        let _ = write!(json, "{value}");
    }
}

/// Binds `addr` and starts the server on a runtime of its own.
fn start(addr: &str, shared: Arc<Shared>) -> std::result::Result<Server, String> {
    let listener = std::net::TcpListener::bind(addr).map_err(|e| e.to_string())?;
    let local_addr = listener.local_addr().map_err(|e| e.to_string())?;
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("dstream-dashboard")
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| format!("cannot start the server's runtime: {e}"))?;
    let listener = {
        let _context = runtime.enter();
        tokio::net::TcpListener::from_std(listener).map_err(|e| e.to_string())?
    };
    let app = Router::new()
        .route("/", get(page))
        .route("/events", get(events))
        .route("/latest", get(latest))
        .with_state(shared);
    runtime.spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(address = %local_addr, %error, "dashboard server stopped");
        }
    });
    Ok(Server { local_addr, runtime: Some(runtime) })
}

/// `GET /`: the page.
async fn page() -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-store")], Html(PAGE))
}

/// `GET /latest`: the latest batch's message, or `null`.
async fn latest(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    let body = shared.latest().map_or_else(|| Arc::from("null"), |m| m.json);
    ([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")], body.to_string())
}

/// `GET /events`: the kept batches (after `Last-Event-ID`, if sent), then each new batch.
///
/// A client too slow to keep up (more than [`HISTORY`] batches behind) is disconnected;
/// its browser reconnects with the id of the last batch it got and receives the rest from
/// the history.
async fn events(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Sse<impl Stream<Item = std::result::Result<Event, Infallible>>> {
    let after =
        headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    let (history, receiver) = shared.subscribe(after);
    let live = stream::unfold(receiver, |mut receiver| async move {
        match receiver.recv().await {
            Ok(message) => Some((message, receiver)),
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::debug!(missed, "dashboard: a slow client is disconnected to catch up");
                None
            }
            Err(broadcast::error::RecvError::Closed) => None,
        }
    });
    let messages =
        stream::iter(history).chain(live).map(|m| Ok(Event::default().id(m.time.to_string()).data(&*m.json)));
    Sse::new(messages).keep_alive(KeepAlive::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_of_every_number_type() {
        assert_eq!(3u8.to_f64(), 3.0);
        assert_eq!((-2i64).to_f64(), -2.0);
        assert_eq!(1.5f32.to_f64(), 1.5);
        assert_eq!(DashboardValue::to_f64(&&7usize), 7.0);
        assert_eq!(("a", 2u64).label(), "a");
        assert_eq!((("a", 1), 2.5).label(), "(a,1)");
    }

    #[test]
    fn messages_have_integers_floats_and_sorted_labels() {
        let mut counts = BTreeMap::new();
        counts.insert("shipped".to_string(), 3.0);
        counts.insert("delivered".to_string(), 0.5);
        counts.insert("bad".to_string(), f64::NAN);
        let json = batch_json(Time::from_millis(2000), std::time::Duration::from_micros(1234), &counts);
        assert_eq!(
            json,
            r#"{"counts":{"bad":null,"delivered":0.5,"shipped":3},"processing_ms":1.234,"time":2000}"#
        );
    }

    #[test]
    fn labels_are_escaped_and_numbers_are_json() {
        let mut json = String::new();
        push_json_string(&mut json, "a\"b\\c\nd\u{1}é");
        assert_eq!(json, r#""a\"b\\c\nd\u0001é""#);
        let number = |v: f64| {
            let mut s = String::new();
            push_json_number(&mut s, v);
            s
        };
        assert_eq!(number(-4.0), "-4");
        assert_eq!(number(0.1), "0.1");
        assert_eq!(number(1e300).len(), 301);
        assert_eq!(number(f64::INFINITY), "null");
        assert_eq!(number(1.5e-7), "0.00000015");
    }

    #[test]
    fn element_ids_keep_safe_characters() {
        assert_eq!(element_id("shipped"), "count-shipped");
        assert_eq!(element_id("in transit/2"), "count-in_transit_2");
        assert_eq!(element_id("a-b_c9"), "count-a-b_c9");
    }

    #[test]
    fn the_page_keeps_as_many_batches_as_the_server() {
        assert!(PAGE.contains(&format!("const HISTORY = {HISTORY};")));
        for external in ["src=\"http", "href=\"http", "@import", "url("] {
            assert!(!PAGE.contains(external), "the page loads nothing from elsewhere: {external}");
        }
    }

    #[test]
    fn history_is_bounded_and_subscribers_see_each_batch_once() {
        let dashboard = Dashboard::new("127.0.0.1:0");
        for t in 1..=(HISTORY as u64 + 5) {
            dashboard.publish(Time::from_millis(t * 1000), std::time::Duration::ZERO, [("x", t)]).unwrap();
        }
        let (history, mut live) = dashboard.shared.subscribe(None);
        assert_eq!(history.len(), HISTORY);
        assert_eq!(history[0].time, 6000);
        let (after, _) = dashboard.shared.subscribe(Some(64_000));
        assert_eq!(after.iter().map(|m| m.time).collect::<Vec<_>>(), [65_000]);
        dashboard.publish(Time::from_millis(66_000), std::time::Duration::ZERO, [("x", 1u8)]).unwrap();
        assert_eq!(live.try_recv().unwrap().time, 66_000);
        assert!(live.try_recv().is_err());
    }

    #[test]
    fn a_bind_error_is_reported_by_the_first_batch() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let dashboard = Dashboard::new(taken.local_addr().unwrap().to_string());
        assert!(dashboard.local_addr().is_none());
        let error =
            dashboard.publish(Time::from_millis(1000), std::time::Duration::ZERO, [("x", 1)]).unwrap_err();
        let text = error.to_string();
        assert!(
            text.starts_with("output operation `dashboard` failed at 1000 ms: cannot serve on 127.0.0.1:"),
            "{text}"
        );
        let dashboard = Dashboard::new("not an address");
        assert!(dashboard.publish(Time::from_millis(1000), std::time::Duration::ZERO, [("x", 1)]).is_err());
    }
}
