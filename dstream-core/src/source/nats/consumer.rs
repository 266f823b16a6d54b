//! The JetStream side of the `nats(..)` source: the connection on a runtime of its own, the
//! durable pull consumer, cuts by stream sequence, and the acknowledgements.

use super::NatsOptions;
use crate::error::{Error, Result};
use crate::source::completions::Completions;
use crate::source::{Source, SourceContext};
use crate::time::Time;
use crate::ui::metrics::Metrics;
use async_nats::jetstream::consumer::{pull, AckPolicy, DeliverPolicy, PullConsumer};
use async_nats::jetstream::{self, stream::Stream, Message};
use futures_util::StreamExt;
use std::time::{Duration, Instant};

/// How long one request to the server may take before it counts as unreachable.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Messages asked for by one fetch.
const FETCH_MESSAGES: usize = 1000;
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Malformed payloads logged individually before logging becomes sparse.
const LOG_FIRST_MALFORMED: u64 = 10;
const LOG_EVERY_MALFORMED: u64 = 1000;

/// The server's side once connected.
struct Connection {
    stream: Stream,
    consumer: Option<PullConsumer>,
}

/// Reads a JetStream subject's payloads as `String` records. Built by `nats(..)` in a
/// program.
pub struct NatsSource {
    url: String,
    subject: String,
    options: NatsOptions,
    /// A small runtime of the source's own: the client's connection tasks run on its thread.
    runtime: Option<tokio::runtime::Runtime>,
    connection: Option<Connection>,
    /// The highest stream sequence taken: the checkpoint's position. Every message up to it
    /// is in a batch that ran (or is logged to run again), so a redelivery is skipped.
    last_taken: u64,
    /// Whether `last_taken` came from a checkpoint or a re-run batch: the consumer then
    /// restarts right after it instead of where the durable consumer stood.
    resume_after_last_taken: bool,
    /// The stream sequences the last cut took.
    last: Option<Vec<u64>>,
    /// Messages to acknowledge once the batch at that time completed.
    to_ack: Completions<Vec<Message>>,
    retry_at: Option<Instant>,
    backoff: Duration,
    metrics: Metrics,
    malformed: u64,
}

impl NatsSource {
    /// A source reading `subject` from the JetStream server at `url`.
    pub fn new(url: impl Into<String>, subject: impl Into<String>, options: NatsOptions) -> NatsSource {
        NatsSource {
            url: url.into(),
            subject: subject.into(),
            options,
            runtime: None,
            connection: None,
            last_taken: 0,
            resume_after_last_taken: false,
            last: None,
            to_ack: Completions::default(),
            retry_at: None,
            backoff: FIRST_BACKOFF,
            metrics: Metrics::new(),
            malformed: 0,
        }
    }

    fn error(&self, what: impl std::fmt::Display) -> Error {
        Error::Config(format!("nats({:?}, {:?}): {what}", self.url, self.subject))
    }

    fn durable(&self) -> String {
        self.options.durable.clone().unwrap_or_else(|| {
            let name: String = self
                .subject
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
                .collect();
            format!("dstream-{name}")
        })
    }

    fn runtime(&self) -> Result<&tokio::runtime::Runtime> {
        self.runtime.as_ref().ok_or_else(|| self.error("used before start"))
    }

    /// Connects and finds the stream that holds the subject.
    fn connect(&mut self) -> Result<()> {
        if self.connection.is_some() {
            return Ok(());
        }
        let (url, subject) = (self.url.clone(), self.subject.clone());
        let stream = self.runtime()?.block_on(async move {
            let client = tokio::time::timeout(REQUEST_TIMEOUT, async_nats::connect(url.as_str()))
                .await
                .map_err(|_| "connecting timed out".to_string())?
                .map_err(|e| format!("cannot connect: {e}"))?;
            let js = jetstream::new(client);
            let name = js
                .stream_by_subject(subject.as_str())
                .await
                .map_err(|e| format!("no JetStream stream holds the subject (create one first): {e}"))?;
            js.get_stream(&name).await.map_err(|e| format!("cannot open stream {name:?}: {e}"))
        });
        let stream = stream.map_err(|e| self.error(e))?;
        self.connection = Some(Connection { stream, consumer: None });
        Ok(())
    }

    /// The durable pull consumer; after a restart it starts right after the last message
    /// taken (the checkpoint decides, not the consumer's own acknowledgements).
    fn consumer(&mut self) -> Result<PullConsumer> {
        self.connect()?;
        let durable = self.durable();
        let (resume, start) = (self.resume_after_last_taken, self.last_taken + 1);
        let subject = self.subject.clone();
        let connection = self.connection.as_mut().expect("connected above");
        if let Some(consumer) = &connection.consumer {
            return Ok(consumer.clone());
        }
        let stream = connection.stream.clone();
        let runtime =
            self.runtime.as_ref().ok_or_else(|| Error::Config("nats source used before start".into()))?;
        let consumer = runtime.block_on(async move {
            let deliver_policy = if resume {
                // The durable consumer's position may be behind or ahead of the checkpoint's.
                let _ = stream.delete_consumer(&durable).await;
                DeliverPolicy::ByStartSequence { start_sequence: start }
            } else {
                DeliverPolicy::All
            };
            let config = pull::Config {
                durable_name: Some(durable.clone()),
                filter_subject: subject,
                deliver_policy,
                ack_policy: AckPolicy::Explicit,
                ..Default::default()
            };
            stream
                .get_or_create_consumer(&durable, config)
                .await
                .map_err(|e| format!("durable consumer {durable:?}: {e}"))
        });
        let consumer = consumer.map_err(|e| self.error(e))?;
        self.resume_after_last_taken = false;
        self.connection.as_mut().expect("connected above").consumer = Some(consumer.clone());
        Ok(consumer)
    }

    /// Fetches what the consumer has, up to the cap: (sequence, payload, message).
    fn fetch(&mut self) -> Result<Vec<(u64, Vec<u8>, Message)>> {
        let consumer = self.consumer()?;
        let cap = self.options.max_records_per_batch;
        // `fetch()` is a no-wait pull: the server answers at once with what it has, so a cut
        // never waits for messages (with `expires` a short batch waited out the whole expiry,
        // seconds per cut). The timeout only guards against a server that stops answering.
        let fetched = self.runtime()?.block_on(async move {
            tokio::time::timeout(REQUEST_TIMEOUT, async move {
                let mut out = Vec::new();
                loop {
                    let want = (cap - out.len()).min(FETCH_MESSAGES);
                    let mut batch = consumer
                        .fetch()
                        .max_messages(want)
                        .messages()
                        .await
                        .map_err(|e| format!("fetch failed: {e}"))?;
                    let before = out.len();
                    while let Some(message) = batch.next().await {
                        let message = message.map_err(|e| format!("fetch failed: {e}"))?;
                        let sequence = message
                            .info()
                            .map_err(|e| format!("a message without JetStream info: {e}"))?
                            .stream_sequence;
                        out.push((sequence, message.payload.to_vec(), message));
                    }
                    if out.len() - before < want || out.len() >= cap {
                        return Ok::<_, String>(out);
                    }
                }
            })
            .await
            .unwrap_or_else(|_| Err(format!("fetch: no answer within {REQUEST_TIMEOUT:?}")))
        });
        fetched.map_err(|e| self.error(e))
    }

    /// A payload as a record; one that is not UTF-8 is counted and logged.
    fn record(&mut self, sequence: u64, payload: Vec<u8>) -> Option<String> {
        self.metrics.add_bytes_received(payload.len() as u64);
        match String::from_utf8(payload) {
            Ok(text) => Some(text),
            Err(e) => {
                self.metrics.add_malformed_not_utf8(1);
                self.malformed += 1;
                if self.malformed <= LOG_FIRST_MALFORMED || self.malformed % LOG_EVERY_MALFORMED == 0 {
                    tracing::warn!(subject = %self.subject, sequence, payload_bytes = e.as_bytes().len(),
                        malformed_so_far = self.malformed, "nats source: dropped a message whose payload is not valid UTF-8");
                }
                None
            }
        }
    }

    fn note_failure(&mut self, e: &Error) {
        self.metrics.add_connection_failures(1);
        tracing::warn!(url = %self.url, subject = %self.subject, error = %e, retry_in_ms = self.backoff.as_millis() as u64,
            "nats source: server unreachable; this batch takes nothing from it, retrying with backoff");
        self.connection = None;
        self.resume_after_last_taken = true;
        self.retry_at = Some(Instant::now() + self.backoff);
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
    }
}

impl Source for NatsSource {
    type Batch = Vec<String>;

    fn start(&mut self, ctx: &SourceContext) -> Result<()> {
        self.metrics = ctx.metrics.clone();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("dstream-nats")
            .enable_all()
            .build()
            .map_err(|e| self.error(format!("cannot start its runtime: {e}")))?;
        self.runtime = Some(runtime);
        Ok(())
    }

    fn cut(&mut self, time: Time) -> Vec<String> {
        self.last = Some(Vec::new());
        if self.retry_at.is_some_and(|at| Instant::now() < at) {
            return Vec::new();
        }
        let fetched = match self.fetch() {
            Ok(fetched) => fetched,
            Err(e) => {
                self.note_failure(&e);
                return Vec::new();
            }
        };
        self.retry_at = None;
        self.backoff = FIRST_BACKOFF;
        let mut records = Vec::with_capacity(fetched.len());
        let mut taken = Vec::with_capacity(fetched.len());
        let mut messages = Vec::with_capacity(fetched.len());
        for (sequence, payload, message) in fetched {
            // A redelivery of a message an earlier batch took is only acknowledged again.
            if sequence > self.last_taken {
                self.last_taken = sequence;
                taken.push(sequence);
                records.extend(self.record(sequence, payload));
            }
            messages.push(message);
        }
        self.metrics.add_records_received(records.len() as u64);
        self.last = Some(taken);
        self.to_ack.push(time, messages);
        records
    }

    fn stop_receiving(&mut self) {}

    fn position(&self) -> Option<Vec<u8>> {
        Some(self.last_taken.to_le_bytes().to_vec())
    }

    fn restore_position(&mut self, position: &[u8]) -> Result<()> {
        self.last_taken = position
            .try_into()
            .map(u64::from_le_bytes)
            .map_err(|_| Error::Checkpoint(format!("bad nats position for subject {:?}", self.subject)))?;
        self.resume_after_last_taken = true;
        Ok(())
    }

    fn selection(&self) -> Option<Vec<u8>> {
        postcard::to_allocvec(self.last.as_ref()?).ok()
    }

    /// Gets the recorded stream sequences again, one by one, from the stream.
    fn recut(&mut self, time: Time, selection: &[u8]) -> Result<Vec<String>> {
        let sequences: Vec<u64> = postcard::from_bytes(selection).map_err(|e| {
            Error::Checkpoint(format!(
                "bad nats selection in the batch log for batch {time} of subject {:?}: {e}",
                self.subject
            ))
        })?;
        self.connect()?;
        let stream = self.connection.as_ref().expect("connected above").stream.clone();
        let wanted = sequences.clone();
        let payloads = self.runtime()?.block_on(async move {
            let mut payloads = Vec::with_capacity(wanted.len());
            for sequence in wanted {
                let message = stream.get_raw_message(sequence).await.map_err(|e| {
                    format!("batch {time} took stream sequence {sequence} before a crash, but it cannot be read again: {e}")
                })?;
                payloads.push((sequence, message.payload.to_vec()));
            }
            Ok::<_, String>(payloads)
        });
        let payloads = payloads.map_err(|e| self.error(e))?;
        let mut records = Vec::with_capacity(payloads.len());
        for (sequence, payload) in payloads {
            records.extend(self.record(sequence, payload));
        }
        self.metrics.add_records_received(records.len() as u64);
        if let Some(&max) = sequences.iter().max() {
            self.last_taken = self.last_taken.max(max);
        }
        self.resume_after_last_taken = true;
        self.connection.as_mut().expect("connected above").consumer = None;
        self.last = Some(sequences);
        Ok(records)
    }

    /// Acknowledges the messages of every batch up to `time`. A failed acknowledgement is
    /// logged: the server redelivers the message, and the source skips it as already taken.
    fn batch_completed(&mut self, time: Time) -> Result<()> {
        let messages: Vec<Message> = self.to_ack.through(time).into_iter().flatten().collect();
        if messages.is_empty() {
            return Ok(());
        }
        let failed = self.runtime()?.block_on(async move {
            let mut failed = 0usize;
            for m in &messages {
                if m.ack().await.is_err() {
                    failed += 1;
                }
            }
            failed
        });
        if failed > 0 {
            tracing::warn!(subject = %self.subject, failed, "nats source: acknowledgements failed; the server will redeliver");
        }
        Ok(())
    }
}

/// Called by generated code for `nats(url, subject, options)`.
pub fn nats(url: impl Into<String>, subject: impl Into<String>, options: Option<NatsOptions>) -> NatsSource {
    NatsSource::new(url, subject, options.unwrap_or_default())
}
