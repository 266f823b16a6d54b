//! The sources of a job as one value: the tuple of its sources, cut together at each
//! batch time, so that each stage of the generated code gets its input with its own type.

use super::{Source, SourceContext};
use crate::error::Result;
use crate::time::Time;

/// The sources of a job, as a tuple: `(S0,)`, `(S0, S1)`, ... Cutting them yields a tuple of
/// their batches, so each stage gets its input with its own type.
pub trait SourceSet: Send + 'static {
    /// One batch of every source.
    type Batches: Send;
    /// Starts every source (on a process of a cluster other than the driver, only the
    /// sources read where they are assigned, [`Source::read_where_assigned`]).
    fn start(&mut self, ctx: &SourceContext) -> Result<()>;
    /// Cuts every source at `time`.
    fn cut(&mut self, time: Time) -> Self::Batches;
    /// Stops every source's receiving.
    fn stop_receiving(&mut self);
    /// Every source's position, for a checkpoint.
    fn positions(&self) -> Vec<Option<Vec<u8>>>;
    /// Resumes every source from saved positions.
    fn restore_positions(&mut self, positions: &[Option<Vec<u8>>]) -> Result<()>;
    /// What every source's last cut took ([`Source::selection`]).
    fn selections(&self) -> Vec<Option<Vec<u8>>>;
    /// Re-cuts every source at `time` from its recorded selection; a source without one
    /// is cut afresh.
    fn recut(&mut self, time: Time, selections: &[Option<Vec<u8>>]) -> Result<Self::Batches>;
    /// Per source, whether it is read on every process of a cluster.
    fn read_where_assigned(&self) -> Vec<bool>;
    /// The sources' type names, to name them in the log.
    fn names(&self) -> Vec<&'static str>;
    /// Tells every source that the batch at `time` completed (see [`Source::batch_completed`]).
    fn batch_completed(&mut self, time: Time) -> Result<()>;
}

macro_rules! source_set {
    ($($s:ident . $i:tt),*) => {
        impl<$($s: Source),*> SourceSet for ($($s,)*) {
            type Batches = ($($s::Batch,)*);
            #[allow(unused_variables)]
            fn start(&mut self, ctx: &SourceContext) -> Result<()> {
                $(if ctx.process == 0 || self.$i.read_where_assigned() {
                    self.$i.start(&ctx.for_source($i))?;
                })*
                Ok(())
            }
            #[allow(unused_variables, clippy::unused_unit)]
            fn cut(&mut self, time: Time) -> Self::Batches {
                ($(self.$i.cut(time),)*)
            }
            fn stop_receiving(&mut self) {
                $(self.$i.stop_receiving();)*
            }
            fn positions(&self) -> Vec<Option<Vec<u8>>> {
                vec![$(self.$i.position()),*]
            }
            #[allow(unused_variables)]
            fn restore_positions(&mut self, positions: &[Option<Vec<u8>>]) -> Result<()> {
                $(if let Some(Some(p)) = positions.get($i) { self.$i.restore_position(p)?; })*
                Ok(())
            }
            fn selections(&self) -> Vec<Option<Vec<u8>>> {
                vec![$(self.$i.selection()),*]
            }
            #[allow(unused_variables, clippy::unused_unit)]
            fn recut(&mut self, time: Time, selections: &[Option<Vec<u8>>]) -> Result<Self::Batches> {
                Ok(($(match selections.get($i) {
                    Some(Some(selection)) => self.$i.recut(time, selection)?,
                    _ => self.$i.cut(time),
                },)*))
            }
            fn read_where_assigned(&self) -> Vec<bool> {
                vec![$(self.$i.read_where_assigned()),*]
            }
            fn names(&self) -> Vec<&'static str> {
                vec![$(std::any::type_name::<$s>()),*]
            }
            #[allow(unused_variables)]
            fn batch_completed(&mut self, time: Time) -> Result<()> {
                $(self.$i.batch_completed(time)?;)*
                Ok(())
            }
        }
    };
}

source_set!();
source_set!(A.0);
source_set!(A.0, B.1);
source_set!(A.0, B.1, C.2);
source_set!(A.0, B.1, C.2, D.3);
source_set!(A.0, B.1, C.2, D.3, E.4);
source_set!(A.0, B.1, C.2, D.3, E.4, F.5);
source_set!(A.0, B.1, C.2, D.3, E.4, F.5, G.6);
source_set!(A.0, B.1, C.2, D.3, E.4, F.5, G.6, H.7);
