//! Spark's `StreamingListener`: a job tells its listeners when it starts, when each batch
//! is submitted, starts and completes, about each output operation, and about its receivers.
//!
//! Listeners run on a thread of their own (`dstream-listener-bus`), fed through a bounded
//! channel, as Spark's asynchronous listener bus: a slow listener never stalls a batch. When
//! it falls 10 000 events behind, new events are dropped and counted (Spark does the same),
//! with a warning. A listener that panics is reported and skipped for that event. When the
//! job stops, the bus delivers every queued event before the job's `run` returns.

use super::stats::{BatchInfo, OutputOperationInfo, ReceiverInfo};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Receives a job's events. Every method has an empty default: implement those you need,
/// and register the listener with [`Job::add_listener`](crate::Job::add_listener).
///
/// Called on the listener thread, one event at a time, in the order the job posted them.
pub trait StreamingListener: Send {
    /// The job started at `start_us` (µs since the Unix epoch).
    fn on_streaming_started(&mut self, start_us: u64) {
        let _ = start_us;
    }
    /// A batch is due and about to run (Spark: submitted to the job scheduler).
    fn on_batch_submitted(&mut self, batch: &BatchInfo) {
        let _ = batch;
    }
    /// A batch started processing.
    fn on_batch_started(&mut self, batch: &BatchInfo) {
        let _ = batch;
    }
    /// A batch finished (`batch.failure` tells whether it failed), with its statistics.
    fn on_batch_completed(&mut self, batch: &BatchInfo) {
        let _ = batch;
    }
    /// An output operation of the batch at `batch_time_ms` started. Posted when the batch
    /// is done, just before its completion, with the operation's real start time.
    fn on_output_operation_started(&mut self, batch_time_ms: u64, op: &OutputOperationInfo) {
        let _ = (batch_time_ms, op);
    }
    /// An output operation finished (`op.failure` tells whether it failed).
    fn on_output_operation_completed(&mut self, batch_time_ms: u64, op: &OutputOperationInfo) {
        let _ = (batch_time_ms, op);
    }
    /// A source started receiving.
    fn on_receiver_started(&mut self, receiver: &ReceiverInfo) {
        let _ = receiver;
    }
    /// Sources counted errors (failed connections, malformed records) since the last batch
    /// was done; `receiver.last_error` holds the last one. Posted after the batch.
    fn on_receiver_error(&mut self, receiver: &ReceiverInfo) {
        let _ = receiver;
    }
    /// A source stopped receiving.
    fn on_receiver_stopped(&mut self, receiver: &ReceiverInfo) {
        let _ = receiver;
    }
}

/// One event for the listeners.
#[derive(Debug)]
pub(crate) enum Event {
    StreamingStarted(u64),
    BatchSubmitted(Arc<BatchInfo>),
    BatchStarted(Arc<BatchInfo>),
    BatchCompleted(Arc<BatchInfo>),
    OutputOperationStarted(u64, OutputOperationInfo),
    OutputOperationCompleted(u64, OutputOperationInfo),
    ReceiverStarted(ReceiverInfo),
    ReceiverError(ReceiverInfo),
    ReceiverStopped(ReceiverInfo),
}

impl Event {
    fn deliver(&self, listener: &mut dyn StreamingListener) {
        match self {
            Event::StreamingStarted(start) => listener.on_streaming_started(*start),
            Event::BatchSubmitted(batch) => listener.on_batch_submitted(batch),
            Event::BatchStarted(batch) => listener.on_batch_started(batch),
            Event::BatchCompleted(batch) => listener.on_batch_completed(batch),
            Event::OutputOperationStarted(time, op) => listener.on_output_operation_started(*time, op),
            Event::OutputOperationCompleted(time, op) => listener.on_output_operation_completed(*time, op),
            Event::ReceiverStarted(r) => listener.on_receiver_started(r),
            Event::ReceiverError(r) => listener.on_receiver_error(r),
            Event::ReceiverStopped(r) => listener.on_receiver_stopped(r),
        }
    }
}

/// Events a bus holds before it drops new ones (Spark's
/// `spark.scheduler.listenerbus.eventqueue.capacity`).
const CAPACITY: usize = 10_000;

/// The listener thread and the channel to it.
#[derive(Debug)]
pub(crate) struct Bus {
    sender: crossbeam_channel::Sender<Event>,
    thread: std::thread::JoinHandle<()>,
    dropped: AtomicU64,
}

impl Bus {
    /// Starts the thread that calls `listeners`.
    pub(crate) fn start(mut listeners: Vec<Box<dyn StreamingListener>>) -> Bus {
        let (sender, receiver) = crossbeam_channel::bounded::<Event>(CAPACITY);
        let thread = std::thread::Builder::new()
            .name("dstream-listener-bus".into())
            .spawn(move || {
                for event in receiver {
                    for (index, listener) in listeners.iter_mut().enumerate() {
                        if catch_unwind(AssertUnwindSafe(|| event.deliver(listener.as_mut()))).is_err() {
                            tracing::error!(
                                listener = index,
                                ?event,
                                "a streaming listener panicked on this event"
                            );
                        }
                    }
                }
            })
            .expect("spawn the listener bus thread");
        Bus { sender, thread, dropped: AtomicU64::new(0) }
    }

    /// Queues `event`; drops it if the listeners are [`CAPACITY`] events behind.
    pub(crate) fn post(&self, event: Event) {
        if self.sender.try_send(event).is_err() && self.dropped.fetch_add(1, Ordering::Relaxed) == 0 {
            tracing::warn!(
                "the streaming listeners are {CAPACITY} events behind: dropping events until they catch up"
            );
        }
    }

    /// Delivers the queued events, then stops the thread.
    pub(crate) fn finish(self) {
        let dropped = self.dropped.load(Ordering::Relaxed);
        drop(self.sender);
        let _ = self.thread.join();
        if dropped > 0 {
            tracing::warn!(
                dropped,
                "streaming listener events were dropped because the listeners fell behind"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    struct Names(Arc<Mutex<Vec<String>>>);

    impl StreamingListener for Names {
        fn on_streaming_started(&mut self, _: u64) {
            self.0.lock().unwrap().push("started".into());
        }
        fn on_receiver_stopped(&mut self, receiver: &ReceiverInfo) {
            self.0.lock().unwrap().push(format!("stopped {}", receiver.name));
        }
    }

    struct Panics;

    impl StreamingListener for Panics {
        fn on_streaming_started(&mut self, _: u64) {
            panic!("listener bug");
        }
    }

    #[test]
    fn events_arrive_in_order_and_a_panicking_listener_does_not_stop_the_others() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let bus = Bus::start(vec![Box::new(Panics), Box::new(Names(Arc::clone(&seen)))]);
        bus.post(Event::StreamingStarted(1));
        let receiver = ReceiverInfo {
            source: 0,
            name: "Q".into(),
            active: false,
            last_error: None,
            avg_rate: None,
            malformed_records: 0,
            connection_failures: 0,
        };
        bus.post(Event::ReceiverStopped(receiver));
        bus.finish();
        assert_eq!(*seen.lock().unwrap(), ["started", "stopped Q"]);
    }
}
