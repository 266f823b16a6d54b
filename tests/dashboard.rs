//! The `dashboard` output end to end: its HTTP endpoints, the order-dashboard example's job
//! over its own generator, and the page in a real browser (headless Chromium driven over
//! WebDriver by `fantoccini`), whose numbers must equal the job's output for the same batch.
//!
//! Every expected count is computed here from the input lines, independently of the job.
//! Jobs run under the [`Harness`] (manual clock: batches at 1000, 2000, ... ms). Every wait
//! is bounded and asserted; nothing sleeps for a fixed time.
//!
//! The browser test needs Debian's `chromium` and `chromium-driver` packages
//! (`apt-get install -y chromium chromium-driver`). When they are missing it is skipped with
//! that advice on standard error, except under CI (`CI=true`), where it fails.
//! `DSTREAM_CHROMIUM` and `DSTREAM_CHROMEDRIVER` override their paths. It saves a screenshot
//! of the page to `target/dashboard-screenshot.png`.

#[allow(dead_code)]
#[path = "../examples/order_dashboard.rs"]
mod order_dashboard;

mod browser;

use dstream::feed::LineServer;
use dstream::prelude::*;
use dstream::testing::{BatchOutput, Harness};
use dstream_core::dashboard::element_id;
use order_dashboard::{order_job, parse_status, Interval, OrderEvents, STATUSES};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use browser::free_addr;

/// Upper bound of every wait: generous, for a loaded 2-core CI machine.
const WAIT: StdDuration = StdDuration::from_secs(30);

type Counts = BTreeMap<String, u64>;

/// The counts per status of event lines, computed without the job: a line counts if it has
/// exactly three comma-separated fields, a numeric order id and timestamp, and a known status.
fn expected_counts<S: AsRef<str>>(lines: &[S]) -> Counts {
    let mut counts = Counts::new();
    for line in lines {
        let fields: Vec<&str> = line.as_ref().split(',').collect();
        if let [id, status, timestamp] = fields[..] {
            let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            if numeric(id) && numeric(timestamp) && STATUSES.contains(&status) {
                *counts.entry(status.to_string()).or_default() += 1;
            }
        }
    }
    counts
}

fn counts(pairs: &[(&str, u64)]) -> Counts {
    pairs.iter().map(|(s, n)| (s.to_string(), *n)).collect()
}

/// The `(status,n)` records that `print` wrote for one batch.
fn printed_counts(out: &BatchOutput) -> Counts {
    out.printed_records()
        .into_iter()
        .map(|record| {
            let inner = record.strip_prefix('(').and_then(|r| r.strip_suffix(')')).expect("a pair");
            let (status, n) = inner.rsplit_once(',').expect("(status,n)");
            (status.to_string(), n.parse().expect("a count"))
        })
        .collect()
}

/// The `counts` object of a batch's JSON message.
fn json_counts(message: &Value) -> Counts {
    message["counts"]
        .as_object()
        .expect("counts is an object")
        .iter()
        .map(|(status, n)| (status.clone(), n.as_u64().expect("an integer count")))
        .collect()
}

/// A request over HTTP/1.0, so that the server closes the connection after the response
/// and the body needs no chunked decoding. Returns the connection, positioned at the body,
/// and the response's head.
fn request(addr: &str, path: &str, headers: &str) -> (BufReader<TcpStream>, String) {
    let mut stream = TcpStream::connect(addr).expect("connect to the dashboard");
    stream.set_read_timeout(Some(WAIT)).expect("read timeout");
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n{headers}\r\n").expect("send the request");
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("a response header line");
        if line == "\r\n" || line.is_empty() {
            break;
        }
        head.push_str(&line);
    }
    (reader, head)
}

/// `GET path`: the head and the whole body.
fn get(addr: &str, path: &str) -> (String, String) {
    let (mut reader, head) = request(addr, path, "");
    let mut body = String::new();
    reader.read_to_string(&mut body).expect("the response body");
    (head, body)
}

/// `GET /latest`, parsed.
fn latest(addr: &str) -> Value {
    let (head, body) = get(addr, "/latest");
    assert!(head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.to_ascii_lowercase().contains("content-type: application/json"), "{head}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("/latest is JSON ({e}): {body}"))
}

/// Reads the next server-sent event: `(id, data)`, skipping keep-alive comments.
fn next_event(reader: &mut BufReader<TcpStream>) -> (String, Value) {
    let (mut id, mut data) = (None, String::new());
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).expect("an event line within the timeout");
        assert!(n > 0, "the event stream ended");
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if data.is_empty() {
                continue; // the end of a comment block
            }
            let data =
                serde_json::from_str(&data).unwrap_or_else(|e| panic!("event data is JSON ({e}): {data}"));
            return (id.expect("every event has an id"), data);
        }
        if let Some(value) = line.strip_prefix("id:") {
            id = Some(value.trim().to_string());
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push_str(value.trim_start());
        }
    }
}

// ---------------------------------------------------------------------------------------
// The endpoints.

/// Small batches of event lines, malformed ones among them.
const BATCH_1: &[&str] = &[
    "100001,purchased,1717200000010",
    "100002,purchased,1717200000020",
    "100001,shipped,1717200000030",
    "100003,purchased,1717200000040",
    "100002,cancelled,1717200000050",
    "not an event",
];
const BATCH_3: &[&str] = &[
    "100001,delivered,1717200002010",
    "100004,purchased,1717200002020",
    "100001,returned,1717200002030",
    "100003,shipped,1717200002040",
    "100005,purchased,1717200002050",
    "100006,lost,1717200002060",
    "100004,shipped",
    "100003,delivered,1717200002080",
    "100005,shipped,1717200002090",
    "x100007,purchased,1717200002100",
];

#[test]
fn latest_and_events_serve_every_batch_over_http() {
    assert_eq!(expected_counts(BATCH_1), counts(&[("cancelled", 1), ("purchased", 3), ("shipped", 1)]));
    let batch_3 = counts(&[("delivered", 2), ("purchased", 2), ("returned", 1), ("shipped", 2)]);
    assert_eq!(expected_counts(BATCH_3), batch_3);

    let addr = free_addr();
    let input = vec![BATCH_1.to_vec(), vec![], BATCH_3.to_vec()];
    let job = stream! {
        let counts = queue(input) |> flat_map(parse_status) |> map(|status| (status, 1u64))
            |> reduce_by_key(+) every 1s;
        counts |> print;
        counts |> dashboard(addr.as_str())
    };
    let mut harness = Harness::new(job);
    harness.start().unwrap();

    // Before the first batch: no latest batch, an empty history, and the page.
    assert_eq!(latest(&addr), Value::Null);
    let (head, page) = get(&addr, "/");
    assert!(head.to_ascii_lowercase().contains("content-type: text/html"), "{head}");
    for id in ["batch-time", "processing-time", "batch-total", "latest-rows", "chart", "status"] {
        assert!(page.contains(&format!("id=\"{id}\"")), "the page has an element `{id}`");
    }

    let outputs = harness.run_batches(3).unwrap();
    let expected = [expected_counts(BATCH_1), Counts::new(), batch_3.clone()];
    for (out, expected) in outputs.iter().zip(&expected) {
        assert_eq!(&printed_counts(out), expected, "print at {}", out.time);
    }

    // `/latest`: the third batch, as `print` showed it.
    let message = latest(&addr);
    assert_eq!(message["time"], 3000);
    assert_eq!(json_counts(&message), printed_counts(&outputs[2]));
    let processing = message["processing_ms"].as_f64().expect("processing_ms is a number");
    assert!((0.0..60_000.0).contains(&processing), "{processing}");
    // The job's health, from its statistics: the batch before, and its delays.
    let previous = harness.monitor().batch(2000).expect("batch 2000 is retained");
    let health = &message["health"];
    assert_eq!(health["last_batch"], 2000);
    assert_eq!(health["interval_ms"], 1000);
    assert_eq!(health["total_delay_ms"].as_f64(), Some(previous.total_delay_us().unwrap() as f64 / 1e3));
    assert_eq!(health["scheduling_delay_ms"].as_f64(), Some(previous.scheduling_delay_us() as f64 / 1e3));
    assert_eq!(health["behind"], previous.total_delay_us().unwrap() > 1_000_000);

    // `/events`: the kept batches first, with their times as ids (the empty batch too).
    let (mut events, head) = request(&addr, "/events", "");
    assert!(head.to_ascii_lowercase().contains("content-type: text/event-stream"), "{head}");
    for (out, expected) in outputs.iter().zip(&expected) {
        let (id, data) = next_event(&mut events);
        assert_eq!(id, out.time.as_millis().to_string());
        assert_eq!(data["time"], out.time.as_millis());
        assert_eq!(&json_counts(&data), expected);
    }
    // ... then each new batch as it completes.
    let fourth = harness.step().unwrap();
    assert_eq!(fourth.time, Time::from_millis(4000));
    let (id, data) = next_event(&mut events);
    assert_eq!((id.as_str(), json_counts(&data)), ("4000", Counts::new()));

    // A reconnecting browser sends the last id it got, and gets only the later batches.
    let (mut resumed, _) = request(&addr, "/events", "Last-Event-ID: 2000\r\n");
    assert_eq!(next_event(&mut resumed).0, "3000");
    assert_eq!(next_event(&mut resumed).0, "4000");
}

#[test]
fn a_dashboard_that_cannot_listen_fails_the_first_batch() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let job = stream! {
        queue(vec![vec![("purchased", 1u64)]]) every 1s |> dashboard(addr.as_str())
    };
    let error = Harness::new(job).step().expect_err("the port is taken");
    let text = error.to_string();
    assert!(text.contains("`dashboard`") && text.contains(&addr), "{text}");
}

// ---------------------------------------------------------------------------------------
// The example's job, over its own generator.

/// The bytes a line server writes for `lines`.
fn wire_bytes(lines: &[String]) -> u64 {
    lines.iter().map(|l| l.len() as u64 + 1).sum()
}

/// Runs the example's job for `interval` over `lines` (one batch holds them all); returns
/// the batch's output, its `/latest` message and the malformed lines the job counted.
fn run_example_job(interval: Interval, lines: Vec<String>) -> (BatchOutput, Value, u64) {
    let bytes = wire_bytes(&lines);
    let server = LineServer::start("127.0.0.1:0", lines.into_iter(), None).unwrap();
    let dashboard = free_addr();
    let skipped = Arc::new(AtomicU64::new(0));
    let job = order_job(interval, "127.0.0.1", server.local_addr().port(), &dashboard, Arc::clone(&skipped));
    let mut harness = Harness::new(job);
    harness.start().unwrap();
    assert!(
        harness.wait_for(WAIT, |m| m.bytes_received >= bytes),
        "the job received {} of {bytes} bytes",
        harness.metrics().bytes_received
    );
    let out = harness.step().unwrap();
    let message = latest(&dashboard);
    server.stop();
    (out, message, skipped.load(Ordering::Relaxed))
}

#[test]
fn the_order_dashboard_example_counts_its_generated_events() {
    let lines: Vec<String> = OrderEvents::new(11).take(2000).collect();
    assert_eq!(lines, OrderEvents::new(11).take(2000).collect::<Vec<_>>(), "the generator is deterministic");
    assert_ne!(lines, OrderEvents::new(12).take(2000).collect::<Vec<_>>());
    let expected = expected_counts(&lines);
    let valid: u64 = expected.values().sum();
    assert!(expected.len() == STATUSES.len(), "every status occurs: {expected:?}");
    assert!(valid < lines.len() as u64, "the generator garbles a few lines");

    for (interval, batch_ms) in [(Interval::TwoSeconds, 2000), (Interval::OneMinute, 60_000)] {
        let (out, message, skipped) = run_example_job(interval, lines.clone());
        assert_eq!(out.time.as_millis(), batch_ms, "{interval:?}");
        assert_eq!(printed_counts(&out), expected, "{interval:?}: print");
        assert_eq!(message["time"], batch_ms, "{interval:?}");
        assert_eq!(json_counts(&message), expected, "{interval:?}: the dashboard");
        assert_eq!(skipped, lines.len() as u64 - valid, "{interval:?}: malformed lines");
    }
}

// ---------------------------------------------------------------------------------------
// The page in headless Chromium.

/// What the page shows, read from its elements.
#[derive(Debug)]
struct Shown {
    time: String,
    processing: String,
    total: String,
    batches: String,
    status: String,
    counts: Counts,
    series: u64,
    points: u64,
}

const READ_PAGE: &str = r##"
    const text = (id) => document.getElementById(id).textContent;
    const cells = {};
    for (const td of document.querySelectorAll('#latest-rows td[id^="count-"]')) {
        cells[td.dataset.label] = td.textContent;
    }
    return {
        time: text("batch-time"), processing: text("processing-time"), total: text("batch-total"),
        batches: text("batch-count"), status: text("status"), cells: cells,
        series: document.querySelectorAll("#chart polyline").length,
        points: document.querySelectorAll("#chart circle").length,
        ids: [...document.querySelectorAll('#latest-rows td[id^="count-"]')].map((td) => td.id),
    };
"##;

async fn read_page(client: &fantoccini::Client) -> Shown {
    let v = client.execute(READ_PAGE, vec![]).await.expect("run the reading script");
    let text = |key: &str| v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}")).to_string();
    let counts: Counts = v["cells"]
        .as_object()
        .expect("cells")
        .iter()
        .map(|(label, n)| {
            let n = n.as_str().expect("cell text");
            (label.clone(), n.parse().unwrap_or_else(|_| panic!("the page shows `{n}` for {label}")))
        })
        .collect();
    // Each count cell has the documented id.
    let ids: Vec<&str> = v["ids"].as_array().expect("ids").iter().map(|id| id.as_str().unwrap()).collect();
    let documented: Vec<String> = counts.keys().map(|label| element_id(label)).collect();
    assert_eq!(ids, documented);
    Shown {
        time: text("time"),
        processing: text("processing"),
        total: text("total"),
        batches: text("batches"),
        status: text("status"),
        counts,
        series: v["series"].as_u64().expect("series"),
        points: v["points"].as_u64().expect("points"),
    }
}

/// Waits until the page shows the batch at `time_ms` (pushed to it over server-sent
/// events), and returns what it shows.
async fn wait_for_batch(client: &fantoccini::Client, time_ms: u64) -> Shown {
    let deadline = Instant::now() + WAIT;
    loop {
        let shown = read_page(client).await;
        if shown.time == time_ms.to_string() && shown.status == "live" {
            return shown;
        }
        assert!(Instant::now() < deadline, "the page did not show the batch at {time_ms} ms: {shown:?}");
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
}

/// Checks that the page shows exactly the batch `out` printed and `/latest` holds.
fn assert_page_shows(shown: &Shown, out: &BatchOutput, expected: &Counts, dashboard: &str) {
    let time = out.time.as_millis();
    assert_eq!(shown.time, time.to_string());
    assert_eq!(&shown.counts, expected, "the page at {time} ms, against the input");
    assert_eq!(shown.counts, printed_counts(out), "the page at {time} ms, against `print`");
    assert_eq!(shown.total, expected.values().sum::<u64>().to_string());
    let message = latest(dashboard);
    assert_eq!(message["time"], time);
    let processing: f64 = shown.processing.parse().expect("the processing time is a number");
    let served = message["processing_ms"].as_f64().unwrap();
    assert!((processing - served).abs() < 1e-9, "page {processing} ms, /latest {served} ms");
}

#[test]
fn the_page_in_headless_chromium_shows_the_jobs_counts() {
    let Some((chromium, chromedriver)) = browser::browser() else { return };

    // Batches 1 to 3 by hand, 4 to 10 from the example's generator.
    let mut input: Vec<Vec<String>> = vec![
        BATCH_1.iter().map(|l| l.to_string()).collect(),
        vec![
            "100003,shipped,1717200001010".into(),
            "100004,purchased,1717200001020".into(),
            "100001,delivered,1717200001030".into(),
            "100004,shipped,1717200001040".into(),
        ],
        BATCH_3.iter().map(|l| l.to_string()).collect(),
    ];
    let generated: Vec<String> = OrderEvents::new(3).take(7 * 80).collect();
    input.extend(generated.chunks(80).map(<[String]>::to_vec));
    let expected: Vec<Counts> = input.iter().map(|batch| expected_counts(batch)).collect();
    assert_eq!(expected[1], counts(&[("delivered", 1), ("purchased", 1), ("shipped", 2)]));

    let dashboard = free_addr();
    let job = stream! {
        let counts = queue(input) |> flat_map(|line| parse_status(&line)) |> map(|status| (status, 1u64))
            |> reduce_by_key(+) every 1s;
        counts |> print;
        counts |> dashboard(dashboard.as_str())
    };
    let mut harness = Harness::new(job);
    let mut outputs = harness.run_batches(2).unwrap();

    let tmp =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("dashboard-browser-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let driver = browser::Chromedriver::start(&chromedriver, &tmp.join("chromedriver.log"));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let client = runtime.block_on(browser::session(&driver, &chromium, &tmp));

    // A page opened after two batches gets them from the history.
    let shown = runtime.block_on(async {
        client.goto(&format!("http://{dashboard}/")).await.expect("open the dashboard");
        assert_eq!(client.title().await.unwrap(), "dstream dashboard");
        wait_for_batch(&client, 2000).await
    });
    assert_page_shows(&shown, &outputs[1], &expected[1], &dashboard);
    assert_eq!(shown.batches, "2");
    // One line per status seen in the two batches, one point per status and batch.
    assert_eq!((shown.series, shown.points), (4, 8));

    // Each later batch reaches the open page as it completes.
    outputs.push(harness.step().unwrap());
    let shown = runtime.block_on(wait_for_batch(&client, 3000));
    assert_page_shows(&shown, &outputs[2], &expected[2], &dashboard);
    assert!(!shown.counts.contains_key("cancelled"), "rows of the previous batch are gone");
    for _ in 3..10 {
        outputs.push(harness.step().unwrap());
    }
    let shown = runtime.block_on(wait_for_batch(&client, 10_000));
    assert_page_shows(&shown, &outputs[9], &expected[9], &dashboard);
    assert_eq!(shown.batches, "10");
    assert_eq!((shown.series, shown.points), (5, 50));

    runtime.block_on(browser::screenshot_and_close(client, "dashboard-screenshot.png"));
    drop(driver);
    let _ = std::fs::remove_dir_all(&tmp);
}
