//! The source type of a connector whose cargo feature is off: it has no values (its
//! constructor cannot be called, see `kafka/missing.rs`), so its `Source` methods never run.

use super::{Source, SourceContext};
use crate::error::Result;
use crate::time::Time;

/// A source that cannot exist: what `kafka(..)` or `nats(..)` build without their feature.
#[derive(Debug)]
pub enum Unavailable {}

impl Source for Unavailable {
    type Batch = Vec<String>;

    fn start(&mut self, _ctx: &SourceContext) -> Result<()> {
        match *self {}
    }

    fn cut(&mut self, _time: Time) -> Vec<String> {
        match *self {}
    }

    fn stop_receiving(&mut self) {
        match *self {}
    }
}
