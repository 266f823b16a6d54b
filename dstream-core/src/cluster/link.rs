//! The link between the processes of a cluster: one timely worker per process, running a
//! dataflow that moves byte payloads to the process they are addressed to, one epoch per
//! exchange.
//!
//! The batch thread hands the worker thread the payloads of one exchange (one per destination
//! process) and waits for what every process sent this one in the same exchange. The worker
//! sends them into the dataflow at the current epoch, advances the epoch, and steps until the
//! probe says every process's payloads of that epoch have arrived: every process calls the
//! exchanges of a batch in the same order (they run the same plan), so epoch `e` is the same
//! exchange everywhere. The worker lives on its own thread because timely's worker is not
//! `Send`, while the executor that calls the exchange is shared by the batch's tasks.
//!
//! A lost peer makes timely's networking threads panic, which poisons the worker's queues; the
//! worker thread then dies, and the next (or pending) exchange returns an error naming the
//! cause instead of waiting forever.

use super::config::ClusterConfig;
use super::connect::connect;
use crate::error::{Error, Result};
use crossbeam_channel::{Receiver, Sender};
use serde_bytes::ByteBuf;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Mutex;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::{Input, Probe};
use timely::dataflow::{InputHandle, ProbeHandle};

/// One payload on its way: `(destination process, source process, bytes)`.
type Message = (u64, u64, ByteBuf);

/// What the worker hands back for one exchange: each process's payload, or the index of a
/// process that sent nothing (it left the cluster).
type Arrived = std::result::Result<Vec<Vec<u8>>, usize>;

/// The running link of this process.
pub(crate) struct Link {
    process: usize,
    processes: usize,
    requests: Sender<Vec<Vec<u8>>>,
    responses: Receiver<Arrived>,
    /// The worker thread's guard: joined when the link is dropped.
    worker: Mutex<Option<timely::communication::WorkerGuards<()>>>,
    /// Bytes this process sent to others, for the figures.
    sent: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link").field("process", &self.process).field("processes", &self.processes).finish()
    }
}

impl Link {
    /// Connects to the peers (see [`connect`]) and starts this process's timely worker.
    pub(crate) fn start(config: &ClusterConfig) -> Result<Link> {
        let sockets = connect(config)?;
        let process_allocators = timely_communication::allocator::ProcessBuilder::new_typed_vector(
            1,
            timely_communication::Hooks::default().refill,
            None,
        );
        let (builders, guard) =
            timely_communication::allocator::zero_copy::initialize::initialize_networking_from_sockets(
                process_allocators,
                sockets,
                config.process,
                1,
                timely_communication::Hooks::default(),
            )?;
        let builders = builders.into_iter().map(timely_communication::AllocatorBuilder::Tcp).collect();
        let (requests, requests_rx) = crossbeam_channel::bounded::<Vec<Vec<u8>>>(1);
        let (responses_tx, responses) = crossbeam_channel::bounded::<Arrived>(1);
        let processes = config.processes;
        let worker = timely::execute::execute_from(
            builders,
            Box::new(guard),
            timely::WorkerConfig::default(),
            move |worker| serve(worker, processes, &requests_rx, &responses_tx),
        )
        .map_err(Error::Cluster)?;
        Ok(Link {
            process: config.process,
            processes,
            requests,
            responses,
            worker: Mutex::new(Some(worker)),
            sent: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// This process's index.
    pub(crate) fn process(&self) -> usize {
        self.process
    }

    /// The number of processes.
    pub(crate) fn processes(&self) -> usize {
        self.processes
    }

    /// Bytes sent to other processes so far.
    pub(crate) fn bytes_sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// One exchange: `payloads[p]` goes to process `p` (this process's own entry is ignored;
    /// empty payloads are sent too, to show this process is still there). Returns what each
    /// process sent this one (empty for itself), or an error if a process sent nothing (it
    /// left the cluster). Every process must call it, in the same order as the others.
    pub(crate) fn exchange(&self, payloads: Vec<Vec<u8>>) -> Result<Vec<Vec<u8>>> {
        let sent: usize =
            payloads.iter().enumerate().filter(|(p, _)| *p != self.process).map(|(_, b)| b.len()).sum();
        self.sent.fetch_add(sent as u64, std::sync::atomic::Ordering::Relaxed);
        self.requests.send(payloads).map_err(|_| self.lost())?;
        match self.responses.recv() {
            Ok(Ok(arrived)) => Ok(arrived),
            Ok(Err(peer)) => Err(Error::Cluster(format!(
                "process {} lost the cluster: process {peer} left it (it stopped, or failed: see its log)",
                self.process
            ))),
            Err(_) => Err(self.lost()),
        }
    }

    /// The error of an exchange whose worker died: a peer was lost (timely's networking
    /// panicked and poisoned the worker's queues), or the worker failed.
    fn lost(&self) -> Error {
        // The worker and timely's networking threads panicked; joining them would panic
        // again (timely's guards unwrap the joins). The process is about to stop with this
        // error: leave the threads be.
        if let Some(guards) = self.worker.lock().ok().and_then(|mut w| w.take()) {
            std::mem::forget(guards);
        }
        Error::Cluster(format!(
            "process {} lost the cluster: a peer process stopped or its connection broke (timely's networking reported it above)",
            self.process
        ))
    }
}

/// The worker thread: builds the dataflow, then serves exchanges until the link is dropped.
fn serve(
    worker: &mut timely::worker::Worker,
    processes: usize,
    requests: &Receiver<Vec<Vec<u8>>>,
    responses: &Sender<Arrived>,
) {
    let me = worker.index() as u64;
    let mut input: InputHandle<u64, _> = InputHandle::new();
    let probe = ProbeHandle::new();
    // `(epoch, source process, bytes)`: a faster peer's next exchange may arrive while this
    // worker still steps through the current one.
    let arrived: Rc<RefCell<Vec<(u64, u64, ByteBuf)>>> = Rc::new(RefCell::new(Vec::new()));
    let delivered = Rc::clone(&arrived);
    worker.dataflow::<u64, _, _>(|scope| {
        scope
            .input_from(&mut input)
            .container::<Vec<Message>>()
            .unary::<timely::container::CapacityContainerBuilder<Vec<()>>, _, _, _>(
                Exchange::new(|m: &Message| m.0),
                "Deliver",
                move |_, _| {
                    move |input, _output| {
                        input.for_each(|time, data| {
                            // A message with no time claims no epoch (timely never sends one here).
                            let Some(&epoch) = time.least() else { return };
                            delivered
                                .borrow_mut()
                                .extend(data.drain(..).map(|(_, from, bytes)| (epoch, from, bytes)));
                        });
                    }
                },
            )
            .probe_with(&probe);
    });
    while let Ok(payloads) = requests.recv() {
        let epoch = *input.time();
        for (to, bytes) in payloads.into_iter().enumerate() {
            // Empty payloads are sent too: every peer hears from every other in every
            // exchange, so a peer that left (its epochs then pass without it) is noticed.
            if to as u64 != me {
                input.send((to as u64, me, ByteBuf::from(bytes)));
            }
        }
        input.advance_to(epoch + 1);
        while probe.less_than(input.time()) {
            worker.step();
        }
        let mut from: Vec<Vec<u8>> = (0..processes).map(|_| Vec::new()).collect();
        let mut heard = vec![false; processes];
        heard[me as usize] = true;
        arrived.borrow_mut().retain_mut(|(at, source, bytes)| {
            if *at != epoch {
                return true;
            }
            from[*source as usize] = std::mem::take(bytes).into_vec();
            heard[*source as usize] = true;
            false
        });
        let response = match heard.iter().position(|h| !h) {
            Some(silent) => Err(silent),
            None => Ok(from),
        };
        if responses.send(response).is_err() {
            break;
        }
    }
}
