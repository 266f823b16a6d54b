//! Which parameter each argument of an operator call binds to. Parameters are positional,
//! and optional ones may be left out; an argument's form says which parameters it can be:
//!
//! - a duration literal (`10s`) is a duration;
//! - `{expr}` is a runtime duration where a duration parameter can take it, else an ordinary
//!   expression (a function, a value). Where both readings are possible, a duration literal
//!   after it decides: then the durations start at that literal and `{expr}` is the parameter
//!   at its position (`reduce_by_key_and_window(+, {inverse}, 10s)`); otherwise it is a
//!   duration (`reduce_by_key_and_window(+, {length}, {slide})`);
//! - `_` leaves out the optional parameter at its position
//!   (`reduce_by_key_and_window(+, _, {length}, 2s)`);
//! - anything else is a function, a value or a stream, never a duration.
//!
//! The first reading, in that order of preference, that binds every argument and every
//! required parameter (and gives a `filter` only with an `inverse`) wins. With none, a greedy
//! reading is returned for `check` to report (too many arguments, or an argument of the wrong
//! form where a required parameter stands).

use super::{ArgKind, OpSpec};
use crate::parse::Arg;

/// What parameters an argument can bind to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    /// A duration literal.
    Duration,
    /// `{expr}`: a duration or anything else, by position.
    Block,
    /// `_`: leaves out an optional parameter.
    Omitted,
    /// Anything else.
    Other,
}

fn form(arg: &Arg) -> Form {
    match arg {
        Arg::Duration(_) => Form::Duration,
        Arg::Expr(syn::Expr::Block(_)) => Form::Block,
        Arg::Expr(syn::Expr::Infer(_)) => Form::Omitted,
        _ => Form::Other,
    }
}

/// Whether `arg` is `_`, an optional argument left out.
pub fn is_omitted(arg: &Arg) -> bool {
    form(arg) == Form::Omitted
}

/// Whether an argument of `form` can bind to parameter `param`.
fn fits(form: Form, param: &super::ArgSpec) -> bool {
    let duration = param.kind == ArgKind::Duration;
    match form {
        Form::Duration => duration,
        Form::Block => true,
        Form::Omitted => !param.required,
        Form::Other => !duration,
    }
}

impl OpSpec {
    /// Which parameter each argument binds to, in order (see the module's documentation).
    /// An argument that fits no parameter binds to `None`.
    pub fn bind(&self, args: &[Arg]) -> Vec<Option<usize>> {
        let forms: Vec<Form> = args.iter().map(form).collect();
        if !self.variadic {
            if let Some(reading) = self.search(&forms, 0, &mut Vec::new()) {
                return reading.into_iter().map(Some).collect();
            }
        }
        self.greedy(&forms)
    }

    /// The first complete reading of `forms` from parameter `next` on, after the parameters
    /// `bound` so far, if any.
    fn search(&self, forms: &[Form], next: usize, bound: &mut Vec<usize>) -> Option<Vec<usize>> {
        let Some((&first, rest)) = forms.split_first() else {
            // Every parameter not bound must be optional, and a filter needs an inverse.
            let complete = self.args[next..].iter().all(|p| !p.required) && self.filter_has_inverse(bound);
            return complete.then(|| bound.clone());
        };
        // The parameters it can reach: up to the first required one.
        let reach =
            (next..self.args.len()).find(|&p| self.args[p].required).map_or(self.args.len(), |p| p + 1);
        let mut candidates: Vec<usize> = (next..reach).filter(|&p| fits(first, &self.args[p])).collect();
        if first == Form::Block && !rest.contains(&Form::Duration) {
            // No literal after it: a duration where one can stand.
            candidates.sort_by_key(|&p| self.args[p].kind != ArgKind::Duration);
        }
        for param in candidates {
            bound.push(param);
            if let Some(reading) = self.search(rest, param + 1, bound) {
                return Some(reading);
            }
            bound.pop();
        }
        None
    }

    /// Whether the parameters `bound` give a `filter` only with an `inverse` (the one rule
    /// between optional parameters, which `check` reports; a reading that breaks it is not
    /// the one the user meant when another exists).
    fn filter_has_inverse(&self, bound: &[usize]) -> bool {
        let has = |name: &str| bound.iter().any(|&p| self.args[p].name == name);
        !has("filter") || has("inverse")
    }

    /// The reading for reporting a call that has no complete one: each argument binds where
    /// its form fits, or at a required parameter (the mismatch is reported there), skipping
    /// optional parameters it does not fit; a variadic last parameter takes the rest.
    fn greedy(&self, forms: &[Form]) -> Vec<Option<usize>> {
        let mut next = 0;
        forms
            .iter()
            .map(|&form| loop {
                let beyond = next >= self.args.len();
                let param = match (beyond, self.variadic) {
                    (false, _) => next,
                    (true, true) => self.args.len().checked_sub(1)?,
                    (true, false) => return None,
                };
                let spec = &self.args[param];
                next += 1;
                if fits(form, spec) || spec.required || beyond {
                    return Some(param);
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::lookup;
    use crate::parse::{Arg, DurationLit};

    fn d() -> Arg {
        Arg::Duration(DurationLit {
            span: proc_macro2::Span::call_site(),
            digits: "1".into(),
            unit: "s".into(),
        })
    }
    fn e() -> Arg {
        Arg::Expr(syn::parse_quote!(f))
    }
    fn b() -> Arg {
        Arg::Expr(syn::parse_quote!({ x }))
    }
    fn skip() -> Arg {
        Arg::Expr(syn::parse_quote!(_))
    }

    #[test]
    fn arguments_bind_by_form_skipping_optional_parameters() {
        let window = lookup("reduce_by_key_and_window").unwrap();
        assert_eq!(window.bind(&[e(), d()]), vec![Some(0), Some(2)]);
        assert_eq!(window.bind(&[e(), e(), d(), d()]), vec![Some(0), Some(1), Some(2), Some(3)]);
        assert_eq!(window.bind(&[e(), d(), d(), e()]), vec![Some(0), Some(2), Some(3), Some(4)]);
        let map_with_state = lookup("map_with_state").unwrap();
        assert_eq!(map_with_state.bind(&[e(), d()]), vec![Some(0), Some(2)]);
        let map = lookup("map").unwrap();
        assert_eq!(map.bind(&[e(), e()]), vec![Some(0), None]);
        let union = lookup("union").unwrap();
        assert_eq!(union.bind(&[e(), e(), e()]), vec![Some(0), Some(0), Some(0)]);
    }

    #[test]
    fn braces_are_durations_unless_a_literal_follows() {
        let window = lookup("reduce_by_key_and_window").unwrap();
        // `{inverse}` before a literal length is the inverse, not the length.
        assert_eq!(window.bind(&[e(), b(), d()]), vec![Some(0), Some(1), Some(2)]);
        assert_eq!(window.bind(&[e(), b(), d(), d()]), vec![Some(0), Some(1), Some(2), Some(3)]);
        // Without a literal after them, braces are durations.
        assert_eq!(window.bind(&[e(), b()]), vec![Some(0), Some(2)]);
        assert_eq!(window.bind(&[e(), b(), b()]), vec![Some(0), Some(2), Some(3)]);
        // ... unless that leaves a filter without an inverse.
        assert_eq!(window.bind(&[e(), b(), b(), b()]), vec![Some(0), Some(1), Some(2), Some(3)]);
        assert_eq!(
            window.bind(&[e(), e(), b(), b(), b()]),
            vec![Some(0), Some(1), Some(2), Some(3), Some(4)]
        );
        // `_` leaves the inverse out.
        assert_eq!(window.bind(&[e(), skip(), b(), d()]), vec![Some(0), Some(1), Some(2), Some(3)]);
        // A value in braces where no duration can stand.
        let state = lookup("update_state_by_key").unwrap();
        assert_eq!(state.bind(&[e(), b()]), vec![Some(0), Some(1)]);
        let map_with_state = lookup("map_with_state").unwrap();
        assert_eq!(map_with_state.bind(&[e(), b(), b()]), vec![Some(0), Some(1), Some(2)]);
        assert_eq!(map_with_state.bind(&[e(), skip(), b()]), vec![Some(0), Some(1), Some(2)]);
        assert_eq!(lookup("map").unwrap().bind(&[b()]), vec![Some(0)]);
        // `_` cannot stand for a required parameter (`check` reports it there).
        assert_eq!(lookup("map").unwrap().bind(&[skip()]), vec![Some(0)]);
    }
}
