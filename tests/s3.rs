//! `save_as_text_files("s3://bucket/prefix", ..)` against a real S3 server that checks
//! signatures (`scripts/services up s3`: s3s-fs on http://127.0.0.1:9000, bucket `dstream`).
//!
//! The server is found through `DSTREAM_S3_ENDPOINT`, `DSTREAM_S3_REGION`,
//! `DSTREAM_S3_ACCESS_KEY`, `DSTREAM_S3_SECRET_KEY` and `DSTREAM_S3_BUCKET`, with the
//! script's values as defaults. Without a server the tests print "SKIPPED: no S3 at …" and
//! pass, except under CI (`CI=true`), where they fail.
//!
//! The sink reads the standard `AWS_*` variables, which each test sets; the tests hold one
//! lock while they run so that none sees another's.

use dstream::prelude::*;
use dstream::testing::Harness;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Held by every test: the `AWS_*` environment is the process's.
static ENV: Mutex<()> = Mutex::new(());

/// How to reach the test server.
struct Server {
    endpoint: String,
    region: String,
    access_key: String,
    secret_key: String,
    bucket: String,
}

fn setting(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

impl Server {
    fn from_env() -> Server {
        Server {
            endpoint: setting("DSTREAM_S3_ENDPOINT", "http://127.0.0.1:9000"),
            region: setting("DSTREAM_S3_REGION", "us-east-1"),
            access_key: setting("DSTREAM_S3_ACCESS_KEY", "dstream"),
            secret_key: setting("DSTREAM_S3_SECRET_KEY", "dstream-secret"),
            bucket: setting("DSTREAM_S3_BUCKET", "dstream"),
        }
    }

    /// The server, or `None` (with "SKIPPED" printed) when nothing answers outside CI.
    fn reachable() -> Option<Server> {
        let server = Server::from_env();
        let address = server.endpoint.trim_start_matches("http://").trim_start_matches("https://");
        let address = address.split('/').next().unwrap_or_default().to_owned();
        let answers = std::net::ToSocketAddrs::to_socket_addrs(&address)
            .ok()
            .and_then(|mut addrs| addrs.next())
            .is_some_and(|addr| {
                std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(2)).is_ok()
            });
        if answers {
            return Some(server);
        }
        let reason = format!("no S3 at {} (start one with `scripts/services up s3`)", server.endpoint);
        if std::env::var("CI").is_ok_and(|ci| ci == "true") {
            panic!("{reason} (CI=true: not skipped)");
        }
        // Straight to standard error, past the test harness's capture, so that it shows.
        let _ = std::io::Write::write_fmt(&mut std::io::stderr(), format_args!("SKIPPED: {reason}\n"));
        None
    }

    /// Points the sink at this server, with `secret` as the secret key.
    fn export(&self, secret: &str) {
        std::env::set_var("AWS_ENDPOINT_URL", &self.endpoint);
        std::env::set_var("AWS_REGION", &self.region);
        std::env::set_var("AWS_ACCESS_KEY_ID", &self.access_key);
        std::env::set_var("AWS_SECRET_ACCESS_KEY", secret);
    }

    /// Our own client, to list and read back what the job wrote.
    fn client(&self) -> AmazonS3 {
        AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_region(&self.region)
            .with_access_key_id(&self.access_key)
            .with_secret_access_key(&self.secret_key)
            .with_bucket_name(&self.bucket)
            .with_allow_http(true)
            .build()
            .unwrap()
    }
}

/// A prefix no other run used.
fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("tests/{name}-{}-{nanos}", std::process::id())
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(future)
}

/// Every object under `prefix`, as (key relative to `prefix`, content).
fn objects(store: &AmazonS3, prefix: &str) -> BTreeMap<String, String> {
    block_on(async {
        use futures_util::TryStreamExt;
        let metas: Vec<_> = store.list(Some(&Path::from(prefix))).try_collect().await.unwrap();
        let mut out = BTreeMap::new();
        for meta in metas {
            let bytes = store.get(&meta.location).await.unwrap().bytes().await.unwrap();
            let key = meta.location.as_ref().strip_prefix(prefix).unwrap().trim_start_matches('/').to_owned();
            out.insert(key, String::from_utf8(bytes.to_vec()).unwrap());
        }
        out
    })
}

/// Every file under the local directory `dir`, as (path relative to `dir`, content).
fn local_files(dir: &std::path::Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for batch in std::fs::read_dir(dir).unwrap() {
        let batch = batch.unwrap().path();
        for file in std::fs::read_dir(&batch).unwrap() {
            let file = file.unwrap().path();
            let key = file.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            out.insert(key, std::fs::read_to_string(&file).unwrap());
        }
    }
    out
}

fn delete_all(store: &AmazonS3, prefix: &str) {
    for key in objects(store, prefix).keys() {
        block_on(store.delete(&Path::from(format!("{prefix}/{key}")))).unwrap();
    }
}

/// The start of a test against the server: the environment's lock, the server with the
/// sink pointed at it, and a fresh prefix; `None` when the test is skipped.
fn set_up(name: &str) -> Option<(std::sync::MutexGuard<'static, ()>, Server, String)> {
    let env = ENV.lock().unwrap_or_else(|e| e.into_inner());
    let server = Server::reachable()?;
    server.export(&server.secret_key);
    Some((env, server, unique(name)))
}

/// A word count writing 3 batches to `prefix`.
fn word_count(prefix: String) -> Job {
    let input = vec![vec!["a b a", "c d"], vec!["b b", "e"], vec!["a f g h"]];
    stream! {
        queue(input) |> flat_map(split) |> map(|w| (w, 1)) |> reduce_by_key(+)
            every 1s |> save_as_text_files(prefix.as_str(), "txt")
    }
}

#[test]
fn three_batches_in_the_bucket_match_the_local_files() {
    let Some((_env, server, prefix)) = set_up("wordcount") else { return };

    Harness::new(word_count(format!("s3://{}/{prefix}/counts", server.bucket))).run_batches(3).unwrap();
    let local = std::env::temp_dir().join(format!("dstream-s3-local-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&local);
    Harness::new(word_count(local.join("counts").to_string_lossy().into_owned())).run_batches(3).unwrap();

    let store = server.client();
    let remote = objects(&store, &prefix);
    let expected = local_files(&local);
    assert_eq!(expected.len(), 9, "3 batches of 2 parts and _SUCCESS: {expected:?}");
    assert_eq!(remote, expected);
    assert_eq!(remote["counts-1000.txt/_SUCCESS"], "");
    let mut first: Vec<&str> = remote
        .iter()
        .filter(|(k, _)| k.starts_with("counts-1000.txt/part-"))
        .flat_map(|(_, v)| v.lines())
        .collect();
    first.sort();
    assert_eq!(first, ["(a,2)", "(b,1)", "(c,1)", "(d,1)"]);

    delete_all(&store, &prefix);
    std::fs::remove_dir_all(&local).unwrap();
}

#[test]
fn a_rerun_batch_replaces_its_objects_with_the_same_content() {
    let Some((_env, server, prefix)) = set_up("rerun") else { return };
    let location = format!("s3://{}/{prefix}/counts", server.bucket);
    let store = server.client();

    Harness::new(word_count(location.clone())).run_batches(3).unwrap();
    let first = objects(&store, &prefix);
    // What an earlier, crashed copy of batch 1000 could have left: a part this run replaces
    // with other content, and a part from a run with more partitions.
    block_on(store.put(&Path::from(format!("{prefix}/counts-1000.txt/part-00000")), "stale\n".into()))
        .unwrap();
    block_on(store.put(&Path::from(format!("{prefix}/counts-1000.txt/part-00007")), "stale\n".into()))
        .unwrap();

    Harness::new(word_count(location)).run_batches(3).unwrap();
    assert_eq!(objects(&store, &prefix), first);
    delete_all(&store, &prefix);
}

#[test]
fn a_wrong_secret_stops_the_job_with_an_error_naming_the_object() {
    let Some((_env, server, prefix)) = set_up("wrong-secret") else { return };
    server.export("not-the-secret");

    let error = Harness::new(word_count(format!("s3://{}/{prefix}/counts", server.bucket)))
        .run_batches(1)
        .unwrap_err()
        .to_string();
    // The first request of a batch deletes the old marker: refused, and not retried.
    let key = format!("s3://{}/{prefix}/counts-1000.txt/_SUCCESS", server.bucket);
    assert!(error.contains(&key), "{error}");
    assert!(error.contains("refused"), "{error}");
    assert!(objects(&server.client(), &prefix).is_empty(), "nothing was written");
}

#[test]
fn an_unreachable_endpoint_is_retried_then_stops_the_job() {
    let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
    // A port on which nothing listens: every try is refused by the operating system.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = listener.local_addr().unwrap();
    drop(listener);
    let server = Server { endpoint: format!("http://{closed}"), ..Server::from_env() };
    server.export(&server.secret_key);

    let error = Harness::new(word_count("s3://dstream/nowhere/counts".to_owned()))
        .run_batches(1)
        .unwrap_err()
        .to_string();
    assert!(error.contains("s3://dstream/nowhere/counts-1000.txt/_SUCCESS"), "{error}");
    assert!(error.contains("failed after 5 tries"), "{error}");
}

#[test]
fn a_job_run_inside_a_tokio_runtime_writes_too() {
    let Some((_env, server, prefix)) = set_up("in-tokio") else { return };
    let location = format!("s3://{}/{prefix}/counts", server.bucket);

    // As from `#[tokio::main]`: the batch thread is a runtime's.
    block_on(async { Harness::new(word_count(location)).run_batches(1).unwrap() });
    let store = server.client();
    assert_eq!(objects(&store, &prefix).len(), 3, "2 parts and _SUCCESS");
    delete_all(&store, &prefix);
}
