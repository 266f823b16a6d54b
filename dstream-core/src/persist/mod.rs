//! What survives a crash: checkpoints of a job's state at batch boundaries, the batch log of
//! what each batch's sources selected, and the write-ahead log of the socket source.

pub mod batch_log;
pub mod checkpoint;
pub mod frame;
pub mod parts;
pub mod schema;
pub mod wal;
