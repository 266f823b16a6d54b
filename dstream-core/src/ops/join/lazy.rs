//! A join's input read where the join reads it: the `map`, `map_values` and `filter`
//! operators between a stream and the one join that reads it run as the join reads each
//! record, instead of in a stage of their own that writes every record into a `Vec` first.
//!
//! Generated code (a stage whose end the plan marks as read lazily) makes the chain one
//! function from an input record to the record it gives, if any ([`reader`]), and hands the
//! join its input partitions wrapped with it ([`lazily`]). The join reads a [`LazyPart`] as
//! any other partition: with one reduce partition its build fills the table straight from
//! the input records and its probe applies the chain as it goes; with more, the shuffle's map
//! side cuts the chain's records into buckets as it reads them. Same records, same order.

use std::iter::FilterMap;

/// One input partition of a join and the chain applied to its records as they are read.
pub struct LazyPart<'f, P, F> {
    part: P,
    chain: &'f F,
}

/// `chain`, with its record type fixed to that of `parts`' records (so that the closure's
/// parameter type is inferred where it is written).
#[inline(always)]
pub fn reader<P, T, F>(_parts: &[P], chain: F) -> F
where
    P: IntoIterator,
    F: Fn(P::Item) -> Option<T>,
{
    chain
}

/// `parts`, each read through `chain`.
pub fn lazily<P, T, F>(parts: Vec<P>, chain: &F) -> Vec<LazyPart<'_, P, F>>
where
    P: IntoIterator,
    F: Fn(P::Item) -> Option<T>,
{
    parts.into_iter().map(|part| LazyPart { part, chain }).collect()
}

impl<'f, P, T, F> IntoIterator for LazyPart<'f, P, F>
where
    P: IntoIterator,
    F: Fn(P::Item) -> Option<T>,
{
    type Item = T;
    type IntoIter = FilterMap<P::IntoIter, &'f F>;

    #[inline]
    fn into_iter(self) -> Self::IntoIter {
        self.part.into_iter().filter_map(self.chain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::Executor;
    use crate::ops::join::{join, left_outer_join, right_outer_join};

    #[test]
    fn a_lazy_part_gives_the_chains_records_in_order() {
        let parts = vec![vec![1, 2, 3, 4], vec![5, 6]];
        let chain = reader(&parts, |x: i32| (x % 2 == 0).then_some((x, x * 10)));
        let read: Vec<Vec<(i32, i32)>> =
            lazily(parts, &chain).into_iter().map(|p| p.into_iter().collect()).collect();
        assert_eq!(read, [vec![(2, 20), (4, 40)], vec![(6, 60)]]);
    }

    /// Each join gives the same records from lazy inputs as from the same records in `Vec`s,
    /// on one reduce partition (built and probed from the inputs) and on several (cut first).
    #[test]
    fn joins_of_lazy_inputs_equal_joins_of_their_records() {
        let exec = Executor::new(2);
        let left_in = vec![vec![1u64, 2, 3, 3, 4], vec![5, 1, 9]];
        let right_in = vec![vec![10u64, 30, 11], vec![33, 50, 60, 30]];
        let left_chain = reader(&left_in, |x: u64| (x != 4).then_some((x, format!("l{x}"))));
        let right_chain = reader(&right_in, |x: u64| Some((x % 10, x)));
        let eager_left: Vec<Vec<(u64, String)>> =
            left_in.iter().map(|p| p.iter().filter_map(|&x| left_chain(x)).collect()).collect();
        let eager_right: Vec<Vec<(u64, u64)>> =
            right_in.iter().map(|p| p.iter().filter_map(|&x| right_chain(x)).collect()).collect();
        for partitions in [1, 3] {
            let lazy = |l: &Vec<Vec<u64>>, r: &Vec<Vec<u64>>| {
                (lazily(l.clone(), &left_chain), lazily(r.clone(), &right_chain))
            };
            let (l, r) = lazy(&left_in, &right_in);
            assert_eq!(
                join(&exec, l, r, partitions),
                join(&exec, eager_left.clone(), eager_right.clone(), partitions)
            );
            let (l, r) = lazy(&left_in, &right_in);
            assert_eq!(
                left_outer_join(&exec, l, r, partitions),
                left_outer_join(&exec, eager_left.clone(), eager_right.clone(), partitions)
            );
            let (l, r) = lazy(&left_in, &right_in);
            assert_eq!(
                right_outer_join(&exec, l, r, partitions),
                right_outer_join(&exec, eager_left.clone(), eager_right.clone(), partitions)
            );
            // Right values that own memory (moved into their last pair) and lazy left values.
            let (l, r) = lazy(&left_in, &right_in);
            assert_eq!(
                join(&exec, r, l, partitions),
                join(&exec, eager_right.clone(), eager_left.clone(), partitions)
            );
        }
    }
}
