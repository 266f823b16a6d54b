//! What survives a crash: checkpoints of a job's state at batch boundaries, and the
//! write-ahead log of the socket source.

pub mod checkpoint;
pub mod frame;
pub mod wal;
