//! What a `stream!` program's types must satisfy, by name: the traits its compile errors
//! mention. You never implement these (each is implemented for every type that qualifies);
//! they are here so that an error reads "the trait `ReduceByKeyInput` is not implemented for
//! `&str`" and you can look up what it asks for, rather than a path into generated code.
//!
//! | trait | asked of | holds for | the fix when it does not |
//! |---|---|---|---|
//! | [`ReduceByKeyInput`](keyed::ReduceByKeyInput), [`CombineByKeyInput`](keyed::CombineByKeyInput), [`GroupByKeyInput`](keyed::GroupByKeyInput), [`MapValuesInput`](keyed::MapValuesInput), [`FlatMapValuesInput`](keyed::FlatMapValuesInput) (in [`keyed`]) | the records of that keyed operator | `(key, value)` pairs | make pairs first: `map(\|x\| (x, 1))` |
//! | [`Plus`], [`Times`], [`Minus`] | the values a `+`, `*` or `-` shorthand combines | types with `Add`, `Mul`, `Sub` (`Output = Self`) | implement the `std::ops` trait, or write a closure |
//! | [`Ordered`] | the values a `min` or `max` shorthand combines | types with `Ord` | for floats, a closure: `\|a: f64, b: f64\| a.max(b)` |
//! | [`RuntimeDuration`] | a duration in braces: `every {interval}` | `std::time::Duration`, [`Duration`](crate::Duration), references to them | `{std::time::Duration::from_secs(2)}`, or a literal `2s` |
//! | [`Checkpointable`] | the keys, values and states each stateful operator keeps (a window: its records) in a program with `#![checkpoint(..)]`; the error names the type that lacks it | types with serde's `Serialize` and `Deserialize` | `#[derive(serde::Serialize, serde::Deserialize)]` |
//! | [`UnionRecords`], [`JoinKeys`] | the other stream of a `union`, or a join's keys | the same type on both sides; text as `&str` on one side and `String` on the other meets as `String` | map one stream so both carry the same type |

pub use crate::ops::branches::{JoinKeys, UnionRecords};
pub use crate::ops::closures::keyed;
pub use crate::ops::closures::{Minus, Ordered, Plus, Times};
pub use crate::ops::durations::RuntimeDuration;
pub use crate::persist::checkpoint::Checkpointable;
