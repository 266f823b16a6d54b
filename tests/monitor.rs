//! A job's statistics end to end: a real job on the wall clock, started with
//! [`Job::start`], its listener's events, its handle, and its web UI on an ephemeral port:
//! every JSON endpoint checked against the job's input and the job's own statistics,
//! `/metrics` parsed, and the page read in headless Chromium (skipped with "SKIPPED"
//! without Chromium, except under `CI=true`). Nothing asserts a timing.

mod browser;

use dstream::monitor::{BatchInfo, OutputOperationInfo, ReceiverInfo};
use dstream::prelude::*;
use dstream::Monitor;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

/// Upper bound of every wait.
const WAIT: StdDuration = StdDuration::from_secs(30);

/// The input: one queue item per batch; the job runs 6 batches, the last two empty.
fn input() -> Vec<Vec<&'static str>> {
    vec![vec!["a", "b", "a", "c"], vec!["b"], vec![], vec!["a", "d", "e"]]
}
const BATCHES: usize = 6;
const RECORDS: [u64; BATCHES] = [4, 1, 0, 3, 0, 0];
/// Distinct keys with state after each batch.
const KEYS: [u64; BATCHES] = [3, 3, 3, 5, 5, 5];
const INTERVAL_MS: u64 = 100;

/// A new directory name for this test run: tests run in parallel, each gets its own.
fn fresh_dir(name: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("monitor-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The events a listener saw, as short strings.
#[derive(Clone, Default)]
struct Events(Arc<Mutex<Vec<String>>>);

impl Events {
    fn push(&self, event: String) {
        self.0.lock().unwrap().push(event);
    }
    fn count(&self, prefix: &str) -> usize {
        self.0.lock().unwrap().iter().filter(|e| e.starts_with(prefix)).count()
    }
}

impl StreamingListener for Events {
    fn on_streaming_started(&mut self, _: u64) {
        self.push("streaming started".into());
    }
    fn on_batch_submitted(&mut self, b: &BatchInfo) {
        self.push(format!("submitted {}", b.batch_time_ms));
    }
    fn on_batch_started(&mut self, b: &BatchInfo) {
        self.push(format!("started {}", b.batch_time_ms));
    }
    fn on_batch_completed(&mut self, b: &BatchInfo) {
        self.push(format!("completed {} {}", b.batch_time_ms, b.num_records()));
    }
    fn on_output_operation_started(&mut self, t: u64, op: &OutputOperationInfo) {
        self.push(format!("output started {t} {}", op.name));
    }
    fn on_output_operation_completed(&mut self, t: u64, op: &OutputOperationInfo) {
        self.push(format!("output completed {t} {} {}", op.name, op.failure.is_none()));
    }
    fn on_receiver_started(&mut self, r: &ReceiverInfo) {
        self.push(format!("receiver started {}", r.name));
    }
    fn on_receiver_stopped(&mut self, r: &ReceiverInfo) {
        self.push(format!("receiver stopped {}", r.name));
    }
    fn on_receiver_error(&mut self, r: &ReceiverInfo) {
        self.push(format!("receiver error {}", r.name));
    }
}

/// `GET path` over HTTP/1.0: the status line's code and the body.
fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect to the UI");
    stream.set_read_timeout(Some(WAIT)).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("the response");
    let (head, body) = response.split_once("\r\n\r\n").expect("a head and a body");
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status code");
    (status, body.to_string())
}

/// `GET path`, which must answer 200 with JSON.
fn json(addr: SocketAddr, path: &str) -> Value {
    let (status, body) = get(addr, path);
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path} is JSON ({e}): {body}"))
}

/// Runs the test job to its end with the UI on an ephemeral port; returns its handle (the
/// UI lives as long as it does), what its listener saw, and its checkpoint directory.
fn run_job() -> (dstream::JobHandle, Events, PathBuf) {
    let dir = fresh_dir("job");
    let events = Events::default();
    let checkpoint_dir = dir.clone();
    let job = stream! {
        #![checkpoint(checkpoint_dir, 100ms)]
        queue(input()) |> map(|w| (w, 1u64))
            |> update_state_by_key(|values, state| Some(values.iter().sum::<u64>() + state.unwrap_or(0)))
            every 100ms |> foreach_batch(|_records, _time| {})
    };
    let mut handle = job
        .with_name("monitor-test")
        .with_ui("127.0.0.1:0")
        .add_listener(events.clone())
        .stop_after_batches(BATCHES as u64)
        .start()
        .expect("the job starts");
    assert!(
        handle.await_termination_or_timeout(WAIT).expect("the job ends well"),
        "the job ended within {WAIT:?}"
    );
    (handle, events, dir)
}

#[test]
fn a_finished_jobs_statistics_events_and_json_api_agree_with_its_input() {
    let (handle, events, dir) = run_job();
    let monitor: &Monitor = handle.monitor();
    let addr = handle.ui_address().expect("the UI listens");

    // The statistics.
    let stats = handle.statistics();
    assert_eq!(stats.total_completed_batches, BATCHES as u64);
    assert_eq!(stats.processed_records, RECORDS.iter().sum::<u64>());
    assert_eq!(stats.received_records, RECORDS.iter().sum::<u64>());
    assert_eq!(stats.batch_duration_ms, INTERVAL_MS);
    assert_eq!(stats.active_batches, 0);
    let batches = monitor.batches();
    let newest_first: Vec<u64> = batches.iter().map(|b| b.num_records()).collect();
    assert_eq!(newest_first, RECORDS.iter().rev().copied().collect::<Vec<_>>());
    let times: Vec<u64> = batches.iter().map(|b| b.batch_time_ms).collect();
    assert!(times.windows(2).all(|w| w[0] == w[1] + INTERVAL_MS), "{times:?}");
    for (batch, keys) in batches.iter().rev().zip(KEYS) {
        assert_eq!(batch.state.len(), 1);
        assert_eq!(batch.state[0].operator, "update_state_by_key#0");
        assert_eq!(batch.state[0].keys, keys);
        let names: Vec<&str> = batch.output_operations.iter().map(|o| o.name).collect();
        assert_eq!(names, ["foreach_batch"]);
        assert!(batch.output_operations[0].end_us.is_some());
        assert!(!batch.stages.is_empty(), "every batch runs at least one stage");
        assert!(batch.total_delay_us() >= batch.processing_delay_us());
    }
    let checkpoint = monitor.checkpoint();
    assert!(checkpoint.enabled);
    assert_eq!((checkpoint.written, checkpoint.failures), (BATCHES as u64, 0), "a checkpoint per batch");
    assert_eq!(checkpoint.last_batch_ms, Some(times[0]));

    // The listener saw every event, in order per batch.
    assert_eq!(events.count("streaming started"), 1);
    assert_eq!(events.count("receiver started QueueSource"), 1);
    assert_eq!(events.count("receiver stopped QueueSource"), 1);
    for prefix in ["submitted", "started", "completed", "output started", "output completed"] {
        assert_eq!(events.count(prefix), BATCHES, "{prefix}");
    }
    let first = times[BATCHES - 1];
    let seen = events.0.lock().unwrap().clone();
    let of_first: Vec<&String> = seen.iter().filter(|e| e.contains(&first.to_string())).collect();
    assert_eq!(
        of_first,
        [
            &format!("submitted {first}"),
            &format!("started {first}"),
            &format!("output started {first} foreach_batch"),
            &format!("output completed {first} foreach_batch true"),
            &format!("completed {first} 4"),
        ]
    );

    // The JSON API.
    let apps = json(addr, "/api/v1/applications");
    let id = format!("local-{}", stats.start_us / 1000);
    assert_eq!(apps.as_array().map(Vec::len), Some(1));
    assert_eq!(apps[0]["id"], id.as_str());
    assert_eq!(apps[0]["name"], "monitor-test");
    assert_eq!(apps[0]["attempts"][0]["completed"], false);
    let last_end_ms = batches[0].processing_end_us.unwrap() / 1000;
    assert_eq!(apps[0]["attempts"][0]["lastUpdatedEpoch"], last_end_ms, "the last batch's end");
    assert_eq!(apps[0]["attempts"][0]["startTimeEpoch"], stats.start_us / 1000);
    assert_eq!(json(addr, &format!("/api/v1/applications/{id}")), apps[0]);
    let base = format!("/api/v1/applications/{id}/streaming");

    let s = json(addr, &format!("{base}/statistics"));
    assert_eq!(s["batchDuration"], INTERVAL_MS);
    assert_eq!(
        (s["numReceivers"].as_u64(), s["numActiveReceivers"].as_u64(), s["numInactiveReceivers"].as_u64()),
        (Some(1), Some(0), Some(1))
    );
    assert_eq!(s["numTotalCompletedBatches"], BATCHES);
    assert_eq!(s["numRetainedCompletedBatches"], BATCHES);
    assert_eq!(s["numActiveBatches"], 0);
    assert_eq!(s["numProcessedRecords"], 8);
    assert_eq!(s["numReceivedRecords"], 8);
    let rate = 8.0 / (BATCHES as f64 * INTERVAL_MS as f64 / 1000.0);
    assert!((s["avgInputRate"].as_f64().unwrap() - rate).abs() < 1e-9, "{s}");
    assert_eq!(s["avgSchedulingDelay"], stats.avg_scheduling_delay_us.unwrap() / 1000);
    assert_eq!(s["avgProcessingTime"], stats.avg_processing_time_us.unwrap() / 1000);
    assert_eq!(s["avgTotalDelay"], stats.avg_total_delay_us.unwrap() / 1000);
    assert!(s["startTime"].as_str().unwrap().ends_with("GMT"), "{s}");

    let listed = json(addr, &format!("{base}/batches"));
    let listed = listed.as_array().expect("an array of batches");
    assert_eq!(listed.len(), BATCHES);
    for (json_batch, batch) in listed.iter().zip(&batches) {
        assert_eq!(json_batch["batchId"], batch.batch_time_ms);
        assert_eq!(json_batch["status"], "COMPLETED");
        assert_eq!(json_batch["batchDuration"], INTERVAL_MS);
        assert_eq!(json_batch["inputSize"], batch.num_records());
        assert_eq!(json_batch["schedulingDelay"], batch.scheduling_delay_us() / 1000);
        assert_eq!(json_batch["processingTime"], batch.processing_delay_us().unwrap() / 1000);
        assert_eq!(json_batch["totalDelay"], batch.total_delay_us().unwrap() / 1000);
        assert_eq!(json_batch["numTotalOutputOps"], 1);
        assert_eq!(json_batch["numCompletedOutputOps"], 1);
        assert_eq!(json_batch["numFailedOutputOps"], 0);
        assert_eq!(json_batch["numActiveOutputOps"], 0);
        assert!(json_batch.get("firstFailureReason").is_none(), "absent values are left out: {json_batch}");
    }
    assert_eq!(
        json(addr, &format!("{base}/batches?status=COMPLETED")).as_array().map(Vec::len),
        Some(BATCHES)
    );
    assert_eq!(json(addr, &format!("{base}/batches?status=PROCESSING")).as_array().map(Vec::len), Some(0));

    let fourth = &batches[BATCHES - 4];
    let detail = json(addr, &format!("{base}/batches/{}", fourth.batch_time_ms));
    assert_eq!(detail["inputSize"], 3);
    assert_eq!(detail["inputs"], serde_json::json!([{"streamId": 0, "records": 3}]));
    assert_eq!(detail["stateSizes"][0]["operator"], "update_state_by_key#0");
    assert_eq!(detail["stateSizes"][0]["keys"], 5);
    assert_eq!(detail["stages"].as_array().map(Vec::len), Some(fourth.stages.len()));
    let operations = json(addr, &format!("{base}/batches/{}/operations", fourth.batch_time_ms));
    let op = &fourth.output_operations[0];
    assert_eq!(operations[0]["outputOpId"], 0);
    assert_eq!(operations[0]["name"], "foreach_batch");
    assert_eq!(operations[0]["duration"], op.duration_us().unwrap() / 1000);
    assert!(operations[0]["startTime"].is_string() && operations[0]["endTime"].is_string());
    assert_eq!(json(addr, &format!("{base}/batches/{}/operations/0", fourth.batch_time_ms)), operations[0]);

    let receivers = json(addr, &format!("{base}/receivers"));
    assert_eq!(receivers.as_array().map(Vec::len), Some(1));
    let r = &receivers[0];
    assert_eq!(
        (r["streamId"].as_u64(), r["streamName"].as_str(), r["isActive"].as_bool()),
        (Some(0), Some("QueueSource"), Some(false))
    );
    assert!((r["avgEventRate"].as_f64().unwrap() - rate).abs() < 1e-9, "{r}");
    let rates: Vec<f64> =
        r["eventRates"].as_array().unwrap().iter().map(|p| p[1].as_f64().unwrap()).collect();
    let expected: Vec<f64> = RECORDS.iter().map(|n| *n as f64 * 1000.0 / INTERVAL_MS as f64).collect();
    assert_eq!(rates, expected);
    assert_eq!(json(addr, &format!("{base}/receivers/0")), *r);

    for missing in
        [format!("{base}/batches/1"), format!("{base}/receivers/7"), "/api/v1/applications/other".into()]
    {
        assert_eq!(get(addr, &missing).0, 404, "{missing}");
    }

    // `/metrics` parses as the Prometheus text format and holds the job's numbers.
    let (status, text) = get(addr, "/metrics");
    assert_eq!(status, 200);
    let metrics = parse_metrics(&text);
    assert_eq!(metrics["dstream_batches_completed_total"], BATCHES as f64);
    assert_eq!(metrics["dstream_records_processed_total"], 8.0);
    assert_eq!(metrics["dstream_checkpoints_written_total"], BATCHES as f64);
    assert_eq!(metrics[r#"dstream_state_keys{operator="update_state_by_key#0"}"#], 5.0);
    assert_eq!(metrics["dstream_batch_interval_seconds"], 0.1);
    assert_eq!(metrics["dstream_last_batch_time_seconds"], times[0] as f64 / 1000.0);

    drop(handle);
    let deadline = std::time::Instant::now() + WAIT;
    while TcpStream::connect(addr).is_ok() {
        assert!(std::time::Instant::now() < deadline, "the UI stops with the handle");
        std::thread::sleep(StdDuration::from_millis(10));
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// The samples of a Prometheus text exposition, `name{labels}` → value. Panics on a line
/// that is not a comment, a sample, or the final `# EOF`, and on a sample of an
/// undeclared metric.
fn parse_metrics(text: &str) -> BTreeMap<String, f64> {
    assert!(text.ends_with("# EOF\n"), "{text}");
    let mut declared = Vec::new();
    let mut samples = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            declared.push(rest.split(' ').next().unwrap().to_string());
        } else if line.starts_with("# HELP ") || line.starts_with("# UNIT ") || line == "# EOF" {
            continue;
        } else {
            let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("a sample line: {line}"));
            let name = series.split('{').next().unwrap();
            assert!(declared.iter().any(|d| name.starts_with(d.as_str())), "{name} is declared: {text}");
            samples.insert(series.to_string(), value.parse().unwrap_or_else(|e| panic!("{line}: {e}")));
        }
    }
    samples
}

#[test]
fn a_handle_stops_a_job_at_once_or_gracefully() {
    for graceful in [false, true] {
        let job = stream! {
            queue((0..1000).map(|n| vec![n])) |> map(|n| n * 2) every 50ms |> foreach_batch(|_records, _time| {})
        };
        let mut handle = job.without_ui().start().unwrap();
        assert!(
            !handle.await_termination_or_timeout(StdDuration::from_millis(1)).unwrap(),
            "1000 batches take longer"
        );
        assert_eq!(handle.ui_address(), None);
        let deadline = std::time::Instant::now() + WAIT;
        while handle.statistics().total_completed_batches < 2 {
            assert!(std::time::Instant::now() < deadline, "two batches within {WAIT:?}");
            std::thread::sleep(StdDuration::from_millis(10));
        }
        handle.stop(graceful);
        let monitor = handle.monitor().clone();
        handle.await_termination().expect("a stopped job ends well");
        let done = monitor.statistics().total_completed_batches;
        assert!((2..1000).contains(&done), "graceful {graceful}: {done} batches");
        assert!(!monitor.receivers()[0].active, "receiving stopped");
    }
}

#[test]
fn the_harness_starts_no_ui() {
    let job = stream! { queue(vec![vec![1]]) every 1s |> print };
    let mut harness = dstream::testing::Harness::new(job);
    harness.run_batches(1).unwrap();
    assert_eq!(harness.monitor().ui_address(), None);
    assert_eq!(harness.monitor().statistics().total_completed_batches, 1);
}

/// A chart's points: (batch time in ms, value).
type Points = Vec<(u64, f64)>;

/// What the overview page shows, read in the browser.
const READ_PAGE: &str = r##"
    const charts = {};
    for (const svg of document.querySelectorAll("svg[id^='chart-']")) {
        const points = [...svg.querySelectorAll("circle.point")]
            .map((c) => [Number(c.dataset.batch), Number(c.dataset.value)]);
        charts[svg.id] = {
            unit: svg.dataset.unit,
            yUnit: svg.querySelector("text.y-unit").textContent,
            xUnit: svg.querySelector("text.x-unit").textContent,
            ticks: svg.querySelectorAll("text").length,
            points: points,
        };
    }
    return {
        title: document.title,
        heading: document.querySelector("h1").textContent,
        health: document.getElementById("health").textContent,
        rows: document.querySelectorAll("#batches tr").length - 1,
        receivers: document.querySelector("#receivers tr:nth-child(2)").textContent,
        state: document.querySelector("#state tr:nth-child(2)").textContent,
        checkpoint: document.getElementById("checkpoint").textContent,
        charts: charts,
    };
"##;

#[test]
fn the_ui_page_in_headless_chromium_charts_the_jobs_numbers() {
    let Some((chromium, chromedriver)) = browser::browser() else { return };
    let (handle, _events, dir) = run_job();
    let addr = handle.ui_address().expect("the UI listens");
    let batches = handle.monitor().batches();

    let tmp = fresh_dir("browser");
    std::fs::create_dir_all(&tmp).unwrap();
    let driver = browser::Chromedriver::start(&chromedriver, &tmp.join("chromedriver.log"));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let client = runtime.block_on(browser::session(&driver, &chromium, &tmp));
    let shown = runtime.block_on(async {
        client.goto(&format!("http://{addr}/streaming/")).await.expect("open the UI");
        client.execute(READ_PAGE, vec![]).await.expect("read the page")
    });
    assert_eq!(shown["title"], "monitor-test – dstream");
    assert_eq!(shown["heading"], "monitor-test: streaming");
    assert_eq!(shown["rows"], BATCHES);
    assert!(shown["receivers"].as_str().unwrap().contains("QueueSource"), "{shown}");
    assert!(shown["state"].as_str().unwrap().starts_with("update_state_by_key#05"), "{shown}");
    assert!(shown["checkpoint"].as_str().unwrap().starts_with("6 written"), "{shown}");
    assert!(!shown["health"].as_str().unwrap().is_empty());
    let oldest_first: Vec<&std::sync::Arc<BatchInfo>> = batches.iter().rev().collect();
    let expect = |f: &dyn Fn(&BatchInfo) -> f64| -> Vec<(u64, f64)> {
        oldest_first.iter().map(|b| (b.batch_time_ms, f(b))).collect()
    };
    let ms = |us: Option<u64>| us.unwrap() as f64 / 1000.0;
    let charts: [(&str, &str, Points); 4] = [
        ("chart-input-rate", "records/s", expect(&|b| b.num_records() as f64 * 1000.0 / INTERVAL_MS as f64)),
        ("chart-scheduling-delay", "ms", expect(&|b| ms(Some(b.scheduling_delay_us())))),
        ("chart-processing-time", "ms", expect(&|b| ms(b.processing_delay_us()))),
        ("chart-total-delay", "ms", expect(&|b| ms(b.total_delay_us()))),
    ];
    for (id, unit, points) in charts {
        let chart = &shown["charts"][id];
        assert_eq!(chart["unit"], unit, "{id}");
        assert_eq!(chart["yUnit"], unit, "{id}: the y axis names its unit");
        assert_eq!(chart["xUnit"], "batch time (UTC)", "{id}");
        assert!(chart["ticks"].as_u64().unwrap() >= 5 + 3 + 2, "{id}: tick labels on both axes");
        let drawn: Vec<(u64, f64)> = chart["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_u64().unwrap(), p[1].as_f64().unwrap()))
            .collect();
        assert_eq!(drawn, points, "{id}: one point per batch with the job's number");
    }

    // A batch's page, reached from the table.
    let fourth = batches[BATCHES - 4].batch_time_ms;
    let input_size = runtime.block_on(async {
        let link = client
            .find(fantoccini::Locator::Css(&format!("a[href='/streaming/batch/?id={fourth}']")))
            .await
            .expect("the batch's link");
        link.click().await.expect("follow it");
        client.find(fantoccini::Locator::Id("input-size")).await.unwrap().text().await.unwrap()
    });
    assert_eq!(input_size, "3");

    runtime.block_on(async {
        client.goto(&format!("http://{addr}/streaming/")).await.unwrap();
        browser::screenshot_and_close(client, "ui-screenshot.png").await;
    });
    drop(driver);
    let _ = std::fs::remove_dir_all(&tmp);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_source_that_cannot_connect_is_reported_to_the_listener_and_in_the_receivers() {
    // A port that was just free: nobody listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let events = Events::default();
    // A second source that has no trouble: its receiver shows no error.
    let job = stream! {
        let quiet = queue(vec![vec!["a"]]);
        socket("127.0.0.1", port) |> union(quiet) every 1s |> count |> print
    };
    let mut harness = dstream::testing::Harness::new(job.add_listener(events.clone()));
    harness.start().unwrap();
    assert!(harness.wait_for(WAIT, |m| m.connection_failures >= 1), "the source tried to connect");
    harness.step().unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    while events.count("receiver error") == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the listener heard of the error: {:?}",
            events.0.lock().unwrap()
        );
        std::thread::sleep(StdDuration::from_millis(10));
    }
    let receivers = harness.monitor().receivers();
    let by_name = |name: &str| receivers.iter().find(|r| r.name == name).expect(name).clone();
    let quiet = by_name("QueueSource");
    assert_eq!((quiet.connection_failures, quiet.last_error), (0, None), "errors are each receiver's own");
    let receiver = by_name("SocketSource");
    assert!(receiver.connection_failures >= 1);
    let (_, message) = receiver.last_error.clone().expect("the last error is kept");
    assert!(message.contains(&format!("127.0.0.1:{port}: cannot connect")), "{message}");
}
