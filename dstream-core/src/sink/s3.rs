//! `save_as_text_files("s3://bucket/prefix", ..)`: the batch's directory as objects in an
//! S3 bucket (feature `s3`), through the `object_store` crate.
//!
//! Configuration is the standard AWS environment: `AWS_ENDPOINT_URL` (an `http://` endpoint,
//! such as a local server, is allowed as written; elsewhere set `AWS_ALLOW_HTTP=true`),
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`, and every
//! other `AWS_*` variable `object_store` reads. Requests use path-style addressing unless
//! `AWS_VIRTUAL_HOSTED_STYLE_REQUEST=true`.
//!
//! A PUT replaces an object atomically, but a directory of objects has no rename, so a batch
//! is replaced in an order that keeps `_SUCCESS` honest: delete the old marker, put every
//! part, delete parts an earlier copy had and this one has not, put the marker. A re-run of a
//! batch thus ends with the same objects, and a reader who sees `_SUCCESS` sees a complete
//! copy. Each request is tried up to [`TRIES`] times with a doubling backoff, every failure
//! logged; a refused request (bad credentials, no such bucket) is not retried. The error that
//! stops the job names the request and `s3://bucket/key`.

use super::text_files::BatchStore;
use crate::error::{Error, Result};
use crate::time::Time;
use ::object_store::aws::{AmazonS3, AmazonS3Builder};
use ::object_store::path::Path;
use ::object_store::{ObjectStore, ObjectStoreExt, RetryConfig};
use futures_util::TryStreamExt;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// How many times a request is tried before the job stops.
pub const TRIES: u32 = 5;
/// The wait after the first failed try; it doubles after each.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
/// The longest wait between two tries.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// A client for one bucket, with the runtime its async requests run on.
struct Client {
    store: AmazonS3,
    runtime: tokio::runtime::Runtime,
}

impl Client {
    /// Runs `request` to completion. A job run from inside a tokio runtime (a
    /// `#[tokio::main]`) cannot block its thread on another runtime, so the request then runs
    /// on a thread of its own.
    fn run<T: Send>(&self, request: impl Future<Output = T> + Send) -> Result<T> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Ok(self.runtime.block_on(request));
        }
        std::thread::scope(|scope| scope.spawn(|| self.runtime.block_on(request)).join())
            .map_err(|_| Error::Config("save_as_text_files: the thread of an S3 request panicked".to_owned()))
    }
}

/// The clients made so far, keyed by bucket and the `AWS_*` environment they were made
/// with, so that a job reuses its connections and a changed environment gets a new client.
type Clients = Vec<(Vec<(String, String)>, Arc<Client>)>;

fn clients() -> &'static Mutex<Clients> {
    static CLIENTS: OnceLock<Mutex<Clients>> = OnceLock::new();
    CLIENTS.get_or_init(Mutex::default)
}

/// One S3 bucket that a batch is written to.
pub struct S3Bucket {
    bucket: String,
    client: Arc<Client>,
    /// The batch being written, for errors.
    time: Time,
}

impl S3Bucket {
    /// The bucket of `location` (`bucket/prefix`, without `s3://`) and the prefix inside it.
    pub fn for_location(location: &str, time: Time) -> Result<(S3Bucket, String)> {
        let (bucket, prefix) = location.split_once('/').unwrap_or((location, ""));
        if bucket.is_empty() {
            return Err(Error::Config(format!(
                "save_as_text_files(\"s3://{location}\"): an S3 location is `s3://bucket/prefix`, and this one names no bucket"
            )));
        }
        let client = client(bucket)?;
        Ok((S3Bucket { bucket: bucket.to_owned(), client, time }, prefix.to_owned()))
    }

    /// `s3://bucket/key`, for messages.
    fn url(&self, key: &Path) -> String {
        format!("s3://{}/{key}", self.bucket)
    }

    /// Runs `request` on `key` until it succeeds, up to [`TRIES`] times with a doubling
    /// backoff, logging each failure. `action` names the request in messages.
    fn with_retries<T, F, Fut>(&self, action: &str, key: &Path, mut request: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = ::object_store::Result<T>> + Send,
        T: Send,
    {
        let (mut backoff, mut attempt) = (FIRST_BACKOFF, 1);
        loop {
            let err = match self.client.run(request())? {
                Ok(value) => return Ok(value),
                Err(err) => err,
            };
            let url = self.url(key);
            if !retryable(&err) {
                return Err(self.error(format!("{action} {url} was refused (not retried): {err}")));
            }
            if attempt == TRIES {
                return Err(self.error(format!("{action} {url} failed after {TRIES} tries: {err}")));
            }
            tracing::warn!("save_as_text_files: {action} {url} failed (try {attempt} of {TRIES}), retrying in {backoff:?}: {err}");
            std::thread::sleep(backoff);
            backoff = (backoff * 2).min(MAX_BACKOFF);
            attempt += 1;
        }
    }

    fn error(&self, message: String) -> Error {
        Error::Output { operator: "save_as_text_files", time: self.time, message }
    }

    /// The object key of `name` in `dir` (of `dir` itself for an empty name).
    fn key(&self, dir: &str, name: &str) -> Result<Path> {
        let key = if name.is_empty() { dir.to_owned() } else { format!("{dir}/{name}") };
        Path::parse(&key).map_err(|err| {
            Error::Config(format!(
                "save_as_text_files: `s3://{}/{key}` is not a valid object key: {err}",
                self.bucket
            ))
        })
    }

    fn put(&self, key: &Path, text: &str) -> Result<()> {
        let store = &self.client.store;
        self.with_retries("PUT", key, || store.put(key, text.to_owned().into())).map(drop)
    }

    /// Deletes `key`; a key that is not there is no error.
    fn delete(&self, key: &Path) -> Result<()> {
        let store = &self.client.store;
        self.with_retries("DELETE", key, || async move {
            match store.delete(key).await {
                Err(::object_store::Error::NotFound { .. }) => Ok(()),
                other => other,
            }
        })
    }

    /// The keys under the directory `dir`.
    fn list(&self, dir: &Path) -> Result<Vec<Path>> {
        let store = &self.client.store;
        self.with_retries("LIST", dir, || store.list(Some(dir)).map_ok(|meta| meta.location).try_collect())
    }
}

impl BatchStore for S3Bucket {
    fn replace_dir(&mut self, dir: &str, mut files: Vec<(String, String)>) -> Result<()> {
        let Some((marker_name, marker_text)) = files.pop() else { return Ok(()) };
        let marker = self.key(dir, &marker_name)?;
        // Readers stop trusting an earlier copy before any of its objects change.
        self.delete(&marker)?;
        let mut written = Vec::with_capacity(files.len() + 1);
        for (name, text) in &files {
            let key = self.key(dir, name)?;
            self.put(&key, text)?;
            written.push(key);
        }
        written.push(marker.clone());
        // An earlier copy with more partitions left parts this one does not replace.
        for stale in self.list(&self.key(dir, "")?)? {
            if !written.contains(&stale) {
                self.delete(&stale)?;
            }
        }
        self.put(&marker, &marker_text)
    }
}

/// Whether a failed request may succeed when tried again: not when the server refused it
/// or the request itself is wrong.
fn retryable(err: &::object_store::Error) -> bool {
    use ::object_store::Error as E;
    !matches!(
        err,
        E::PermissionDenied { .. }
            | E::Unauthenticated { .. }
            | E::NotFound { .. }
            | E::InvalidPath { .. }
            | E::NotSupported { .. }
            | E::NotImplemented { .. }
            | E::UnknownConfigurationKey { .. }
    )
}

/// The client for `bucket` under the current environment, made on first use.
fn client(bucket: &str) -> Result<Arc<Client>> {
    let mut env: Vec<(String, String)> = std::env::vars().filter(|(k, _)| k.starts_with("AWS_")).collect();
    env.sort();
    env.push(("bucket".to_owned(), bucket.to_owned()));
    let mut clients = clients().lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, client)) = clients.iter().find(|(key, _)| *key == env) {
        return Ok(Arc::clone(client));
    }
    let config_error = |err: &dyn std::fmt::Display| {
        Error::Config(format!("save_as_text_files: cannot set up a client for S3 bucket `{bucket}`: {err}"))
    };
    let endpoint =
        std::env::var("AWS_ENDPOINT_URL").or_else(|_| std::env::var("AWS_ENDPOINT")).unwrap_or_default();
    let mut builder = AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        // The retries are ours, logged and counted per request.
        .with_retry(RetryConfig { max_retries: 0, ..RetryConfig::default() });
    if endpoint.starts_with("http://") {
        builder = builder.with_allow_http(true);
    }
    let store = builder.build().map_err(|err| config_error(&err))?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let client = Arc::new(Client { store, runtime });
    clients.push((env, Arc::clone(&client)));
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_not_retried() {
        let refused = ::object_store::Error::PermissionDenied { path: "k".into(), source: "403".into() };
        assert!(!retryable(&refused));
        let broken = ::object_store::Error::Generic { store: "S3", source: "connection reset".into() };
        assert!(retryable(&broken));
    }

    #[test]
    fn a_location_without_a_bucket_is_an_error() {
        let err = S3Bucket::for_location("/counts", Time::from_millis(1000)).err().unwrap().to_string();
        assert!(err.contains("names no bucket"), "{err}");
    }
}
