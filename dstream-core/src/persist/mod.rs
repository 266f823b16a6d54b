//! What survives a crash: checkpoints of a job's state at batch boundaries.

pub mod checkpoint;
