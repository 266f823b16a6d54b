//! The schema of a checkpointed state: a description of its serialized shape, stable across
//! compilers and module moves, that tells whether saved bytes still mean the same thing.
//!
//! It is traced from the state type's `Deserialize` and rendered canonically, for example
//!
//! ```text
//! StateStore { partitions: Seq<Map<Str, Running { count: U64 }>>, initial: Seq<Tuple<Str, Running>> }
//! ```
//!
//! Structs and enums appear by their own name with their fields and variants, in order, the
//! first time they occur and by name after that (so recursive types end); module paths never
//! appear. Moving a type to another module, renaming its module or upgrading the compiler
//! changes nothing; changing a field's type, adding a field or a variant, or renaming a type
//! or a field changes the schema. (`std::any::type_name`, used before, changed with the first
//! three and missed none of the others only by accident.)
//!
//! Tracing drives the type's `Deserialize` with a deserializer that offers one element of
//! every sequence and map, `Some` of every option and default scalars, and records what is
//! asked for. An enum's `Deserialize` takes one variant per run, so tracing runs again until
//! every variant of every enum met has been seen. (`serde-reflection` does this too, but stops
//! looking inside a sequence once it knows the element's shape, so it never finishes an enum
//! inside a struct inside a `Vec` — every state's case.)
//!
//! A few types cannot be traced: those whose `Deserialize` asks the input what it holds
//! (`deserialize_any`: untagged enums, `#[serde(flatten)]`, `serde_json::Value`) or rejects
//! the default values offered (for example a date parsed from text). Their schema is `None`
//! and the state is checked only by decoding it.

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// How many tracing runs are tried at most (each explores one more variant of every enum met).
const MAX_RUNS: usize = 256;
/// How deep a recursive type is followed through its enums' first variants before giving up.
const MAX_DEPTH: usize = 64;

/// The schema of `T`, or why it cannot be traced.
#[cfg(test)]
pub fn of<T: serde::de::DeserializeOwned>() -> Result<String, String> {
    of_seed(std::marker::PhantomData::<T>)
}

/// The schema of what `seed` reads (a state read around its parts, [`super::parts`]), or why
/// it cannot be traced.
pub fn of_seed<S: Copy + for<'de> DeserializeSeed<'de>>(seed: S) -> Result<String, String> {
    let mut tracer = Tracer::default();
    for _ in 0..MAX_RUNS {
        let mut shape = Shape::Unknown;
        // A user's `Deserialize` may panic on the values offered: that is a type we cannot
        // trace, not a reason to stop the job at its checkpoint.
        let traced = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            seed.deserialize(Tracing { tracer: &mut tracer, out: &mut shape }).map(drop)
        }));
        traced
            .map_err(|_| "its `Deserialize` panicked on the values tracing offers".to_string())?
            .map_err(|e| e.0)?;
        if tracer.every_variant_seen() {
            return Ok(Renderer { containers: &tracer.containers, shown: BTreeSet::new() }.shape(&shape));
        }
    }
    Err(format!("its enums still had unseen variants after {MAX_RUNS} tracing runs"))
}

/// Where two schemas first differ, as the text around that place in each: for example
/// ``Running { count: U64` became `Running { count: I64``.
pub fn difference(saved: &str, now: &str) -> String {
    /// Tokens (words, or single punctuation characters) with their byte ranges.
    fn tokens(s: &str) -> Vec<(usize, usize, &str)> {
        let mut out = Vec::new();
        let mut chars = s.char_indices().peekable();
        while let Some((start, c)) = chars.next() {
            if c.is_whitespace() {
                continue;
            }
            let mut end = start + c.len_utf8();
            if c.is_alphanumeric() || c == '_' {
                while let Some(&(i, c)) = chars.peek().filter(|(_, c)| c.is_alphanumeric() || *c == '_') {
                    end = i + c.len_utf8();
                    chars.next();
                }
            }
            out.push((start, end, &s[start..end]));
        }
        out
    }
    let (a, b) = (tokens(saved), tokens(now));
    let first = a.iter().zip(&b).take_while(|(x, y)| x.2 == y.2).count();
    let around = |s: &str, t: &[(usize, usize, &str)]| {
        let from = t.get(first.saturating_sub(4)).map_or(s.len(), |t| t.0);
        let to = t.get((first + 3).min(t.len().saturating_sub(1))).map_or(s.len(), |t| t.1);
        let text = &s[from.min(to)..to];
        let (open, close) = (if from > 0 { "…" } else { "" }, if to < s.len() { "…" } else { "" });
        format!("`{open}{text}{close}`")
    };
    format!("{} became {}", around(saved, &a), around(now, &b))
}

/// The shape of a value as its `Deserialize` asks for it.
#[derive(Clone, Debug)]
enum Shape {
    /// Not traced: the inside of a recursive type's repetition.
    Unknown,
    Scalar(&'static str),
    Option(Box<Shape>),
    Seq(Box<Shape>),
    Map(Box<Shape>, Box<Shape>),
    Tuple(Vec<Shape>),
    /// A struct or enum, described once in [`Tracer::containers`].
    Named(&'static str),
}

/// A struct, or an enum variant.
#[derive(Clone, Debug)]
enum Fields {
    Unit,
    Newtype(Shape),
    Tuple(Vec<Shape>),
    Named(Vec<(&'static str, Shape)>),
}

#[derive(Clone, Debug)]
enum Container {
    Struct(Fields),
    Enum {
        /// Every variant's name, in declaration order (their index is what is encoded).
        names: &'static [&'static str],
        /// The variants seen so far, by index.
        seen: BTreeMap<usize, Fields>,
        /// How many times the enum was met: the next run takes variant `visits % names.len()`.
        visits: usize,
    },
}

/// What tracing learned so far, over runs.
#[derive(Default)]
struct Tracer {
    containers: BTreeMap<&'static str, Container>,
    /// The containers being traced, innermost last: meeting one again is recursion.
    open: Vec<&'static str>,
    /// Above zero inside a recursive repetition: nothing is recorded, collections are empty,
    /// options `None` and enums take their first variant, so the recursion ends.
    repeating: usize,
}

impl Tracer {
    fn every_variant_seen(&self) -> bool {
        self.containers.values().all(|c| match c {
            Container::Enum { names, seen, .. } => seen.len() == names.len(),
            Container::Struct(_) => true,
        })
    }

    /// Enters container `name`; false if it is a repetition of one being traced.
    fn enter(&mut self, name: &'static str) -> Result<bool, TraceError> {
        if self.repeating > 0 || self.open.contains(&name) {
            self.repeating += 1;
            if self.repeating > MAX_DEPTH {
                return Err(TraceError(format!(
                    "the recursive type `{name}` does not end in its first variants"
                )));
            }
            return Ok(false);
        }
        self.open.push(name);
        Ok(true)
    }

    fn leave(&mut self, fresh: bool) {
        if fresh {
            self.open.pop();
        } else {
            self.repeating -= 1;
        }
    }

    fn record_struct(&mut self, name: &'static str, fields: Fields) {
        self.containers.entry(name).or_insert(Container::Struct(fields));
    }
}

/// Why a type cannot be traced.
#[derive(Debug)]
struct TraceError(String);

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TraceError {}

impl de::Error for TraceError {
    fn custom<M: fmt::Display>(msg: M) -> Self {
        TraceError(msg.to_string())
    }
}

/// The deserializer that records the shape asked for into `out`.
struct Tracing<'t> {
    tracer: &'t mut Tracer,
    out: &'t mut Shape,
}

/// Gives one value per slot, each traced into its slot.
struct Slots<'t, I> {
    tracer: &'t mut Tracer,
    slots: I,
}

impl<'de, 't, I: Iterator<Item = &'t mut Shape>> de::SeqAccess<'de> for Slots<'t, I> {
    type Error = TraceError;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, TraceError> {
        match self.slots.next() {
            Some(out) => seed.deserialize(Tracing { tracer: &mut *self.tracer, out }).map(Some),
            None => Ok(None),
        }
    }
}

impl<'de, 't, I: Iterator<Item = &'t mut Shape>> de::MapAccess<'de> for Slots<'t, I> {
    type Error = TraceError;

    fn next_key_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, TraceError> {
        de::SeqAccess::next_element_seed(self, seed)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, TraceError> {
        de::SeqAccess::next_element_seed(self, seed)?
            .ok_or_else(|| TraceError("a map value without key".into()))
    }
}

impl Tracing<'_> {
    fn scalar(self, name: &'static str) -> Self {
        *self.out = Shape::Scalar(name);
        self
    }

    /// Visits `n` slots as a sequence and returns their shapes.
    fn slots<'de, V: Visitor<'de>>(self, n: usize, visitor: V) -> Result<(V::Value, Vec<Shape>), TraceError> {
        let mut shapes = vec![Shape::Unknown; n];
        let value = visitor.visit_seq(Slots { tracer: &mut *self.tracer, slots: shapes.iter_mut() })?;
        Ok((value, shapes))
    }

    /// A struct-like container `name`: traced with `trace`, recorded unless repeating.
    fn container<T>(
        self,
        name: &'static str,
        trace: impl FnOnce(&mut Tracer) -> Result<(T, Fields), TraceError>,
    ) -> Result<T, TraceError> {
        *self.out = Shape::Named(name);
        let fresh = self.tracer.enter(name)?;
        let (value, fields) = trace(self.tracer)?;
        self.tracer.leave(fresh);
        if fresh {
            self.tracer.record_struct(name, fields);
        }
        Ok(value)
    }
}

macro_rules! scalars {
    ($($method:ident => $visit:ident($($value:expr)?) as $name:literal;)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
            self.scalar($name);
            visitor.$visit($($value)?)
        })*
    };
}

impl<'de> de::Deserializer<'de> for Tracing<'_> {
    type Error = TraceError;

    scalars! {
        deserialize_bool => visit_bool(false) as "Bool";
        deserialize_i8 => visit_i8(0) as "I8";
        deserialize_i16 => visit_i16(0) as "I16";
        deserialize_i32 => visit_i32(0) as "I32";
        deserialize_i64 => visit_i64(0) as "I64";
        deserialize_i128 => visit_i128(0) as "I128";
        deserialize_u8 => visit_u8(0) as "U8";
        deserialize_u16 => visit_u16(0) as "U16";
        deserialize_u32 => visit_u32(0) as "U32";
        deserialize_u64 => visit_u64(0) as "U64";
        deserialize_u128 => visit_u128(0) as "U128";
        deserialize_f32 => visit_f32(0.0) as "F32";
        deserialize_f64 => visit_f64(0.0) as "F64";
        deserialize_char => visit_char('a') as "Char";
        deserialize_str => visit_borrowed_str("") as "Str";
        deserialize_string => visit_borrowed_str("") as "Str";
        deserialize_bytes => visit_borrowed_bytes(&[]) as "Bytes";
        deserialize_byte_buf => visit_borrowed_bytes(&[]) as "Bytes";
        deserialize_unit => visit_unit() as "Unit";
    }

    /// Checkpoints are postcard, which is not human-readable: types that encode differently
    /// for people (addresses, dates) must show the shape postcard gets.
    fn is_human_readable(&self) -> bool {
        false
    }

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, TraceError> {
        Err(TraceError(
            "its `Deserialize` asks the input what it holds (`deserialize_any`: an untagged enum, a flattened field, a self-describing value)".into(),
        ))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        visitor.visit_unit()
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, _: V) -> Result<V::Value, TraceError> {
        Err(TraceError("an identifier outside a struct or enum".into()))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        if self.tracer.repeating > 0 {
            return visitor.visit_none();
        }
        let mut inner = Shape::Unknown;
        let value = visitor.visit_some(Tracing { tracer: &mut *self.tracer, out: &mut inner })?;
        *self.out = Shape::Option(Box::new(inner));
        Ok(value)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        let n = usize::from(self.tracer.repeating == 0);
        let tracer = &mut *self.tracer;
        let (value, mut shapes) = Tracing { tracer, out: self.out }.slots(n, visitor)?;
        *self.out = Shape::Seq(Box::new(shapes.pop().unwrap_or(Shape::Unknown)));
        Ok(value)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, TraceError> {
        let tracer = &mut *self.tracer;
        let (value, shapes) = Tracing { tracer, out: self.out }.slots(len, visitor)?;
        *self.out = Shape::Tuple(shapes);
        Ok(value)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        let mut shapes = [Shape::Unknown, Shape::Unknown];
        let n = if self.tracer.repeating > 0 { 0 } else { 2 };
        let value =
            visitor.visit_map(Slots { tracer: &mut *self.tracer, slots: shapes.iter_mut().take(n) })?;
        let [key, val] = shapes;
        *self.out = Shape::Map(Box::new(key), Box::new(val));
        Ok(value)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.container(name, |_| Ok((visitor.visit_unit()?, Fields::Unit)))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.container(name, |tracer| {
            let mut inner = Shape::Unknown;
            let value = visitor.visit_newtype_struct(Tracing { tracer, out: &mut inner })?;
            Ok((value, Fields::Newtype(inner)))
        })
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.container(name, |tracer| {
            let mut shapes = vec![Shape::Unknown; len];
            let value = visitor.visit_seq(Slots { tracer, slots: shapes.iter_mut() })?;
            Ok((value, Fields::Tuple(shapes)))
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.container(name, |tracer| {
            let mut shapes = vec![Shape::Unknown; fields.len()];
            let value = visitor.visit_seq(Slots { tracer, slots: shapes.iter_mut() })?;
            Ok((value, Fields::Named(fields.iter().copied().zip(shapes).collect())))
        })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        if variants.is_empty() {
            return Err(TraceError(format!("the enum `{name}` has no variant to deserialize")));
        }
        *self.out = Shape::Named(name);
        let fresh = self.tracer.enter(name)?;
        let index = match (fresh, self.tracer.containers.get_mut(name)) {
            (false, _) => 0,
            (true, Some(Container::Enum { visits, .. })) => {
                *visits += 1;
                *visits % variants.len()
            }
            (true, _) => 0,
        };
        let mut fields = Fields::Unit;
        let value = visitor.visit_enum(Variant { tracer: &mut *self.tracer, index, fields: &mut fields })?;
        self.tracer.leave(fresh);
        if fresh {
            let entry = self.tracer.containers.entry(name).or_insert(Container::Enum {
                names: variants,
                seen: BTreeMap::new(),
                visits: 0,
            });
            if let Container::Enum { seen, .. } = entry {
                seen.entry(index).or_insert(fields);
            }
        }
        Ok(value)
    }

    serde::forward_to_deserialize_any! {}
}

/// The variant `index` of an enum, tracing its fields into `fields`.
struct Variant<'t> {
    tracer: &'t mut Tracer,
    index: usize,
    fields: &'t mut Fields,
}

impl<'de, 't> de::EnumAccess<'de> for Variant<'t> {
    type Error = TraceError;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self), TraceError> {
        let index = u64::try_from(self.index).map_err(|_| TraceError("too many variants".into()))?;
        let tag = seed.deserialize(index.into_deserializer())?;
        Ok((tag, self))
    }
}

impl<'de> de::VariantAccess<'de> for Variant<'_> {
    type Error = TraceError;

    fn unit_variant(self) -> Result<(), TraceError> {
        *self.fields = Fields::Unit;
        Ok(())
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, TraceError> {
        let mut inner = Shape::Unknown;
        let value = seed.deserialize(Tracing { tracer: self.tracer, out: &mut inner })?;
        *self.fields = Fields::Newtype(inner);
        Ok(value)
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, TraceError> {
        let mut shapes = vec![Shape::Unknown; len];
        let value = visitor.visit_seq(Slots { tracer: self.tracer, slots: shapes.iter_mut() })?;
        *self.fields = Fields::Tuple(shapes);
        Ok(value)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        names: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        let mut shapes = vec![Shape::Unknown; names.len()];
        let value = visitor.visit_seq(Slots { tracer: self.tracer, slots: shapes.iter_mut() })?;
        *self.fields = Fields::Named(names.iter().copied().zip(shapes).collect());
        Ok(value)
    }
}

/// Renders shapes, describing each container in full the first time it appears.
struct Renderer<'r> {
    containers: &'r BTreeMap<&'static str, Container>,
    shown: BTreeSet<&'static str>,
}

impl Renderer<'_> {
    fn shape(&mut self, shape: &Shape) -> String {
        match shape {
            Shape::Unknown => "?".to_string(),
            Shape::Scalar(name) => name.to_string(),
            Shape::Option(inner) => format!("Option<{}>", self.shape(inner)),
            Shape::Seq(inner) => format!("Seq<{}>", self.shape(inner)),
            Shape::Map(key, value) => format!("Map<{}, {}>", self.shape(key), self.shape(value)),
            Shape::Tuple(items) => format!("Tuple<{}>", self.list(items)),
            Shape::Named(name) => self.container(name),
        }
    }

    fn list(&mut self, shapes: &[Shape]) -> String {
        shapes.iter().map(|s| self.shape(s)).collect::<Vec<_>>().join(", ")
    }

    fn fields(&mut self, fields: &Fields) -> String {
        match fields {
            Fields::Unit => String::new(),
            Fields::Newtype(inner) => format!("({})", self.shape(inner)),
            Fields::Tuple(items) => format!("({})", self.list(items)),
            Fields::Named(named) => {
                let named: Vec<String> =
                    named.iter().map(|(n, s)| format!("{n}: {}", self.shape(s))).collect();
                format!(" {{ {} }}", named.join(", "))
            }
        }
    }

    fn container(&mut self, name: &'static str) -> String {
        if !self.shown.insert(name) {
            return name.to_string();
        }
        match self.containers.get(name) {
            None => name.to_string(),
            Some(Container::Struct(fields)) => format!("{name}{}", self.fields(fields)),
            Some(Container::Enum { names, seen, .. }) => {
                let variants: Vec<String> = names
                    .iter()
                    .enumerate()
                    .map(|(i, v)| match seen.get(&i) {
                        Some(fields) => format!("{v}{}", self.fields(fields)),
                        None => format!("{v}(?)"),
                    })
                    .collect();
                format!("{name} {{ {} }}", variants.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::of;
    use serde::Deserialize;
    use std::collections::{BTreeMap, HashMap, VecDeque};

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Running {
        count: u64,
        last: Option<(i32, String)>,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    enum Session {
        Idle,
        Open(u32),
        Closed { at: u64, reason: Reason },
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    enum Reason {
        Timeout,
        Error(String, u8),
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Tree {
        children: Vec<Tree>,
        label: Box<str>,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    enum List {
        Nil,
        Cons(i32, Box<List>),
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Unit;

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Meters(f64);

    #[test]
    fn the_difference_shows_where_two_schemas_part() {
        let saved = "Seq<Running { count: U64, trend: Trend { New, Up(U64) } }>";
        assert_eq!(
            super::difference(saved, "Seq<Running { count: I64, trend: Trend { New, Up(U64) } }>"),
            "`…Running { count: U64, trend:…` became `…Running { count: I64, trend:…`"
        );
        assert_eq!(
            super::difference(saved, "Seq<Running { count: U64, trend: Trend { New, Up(U64), Down } }>"),
            "`…Up(U64) } }>` became `…Up(U64), Down } }…`"
        );
        assert_eq!(super::difference("U64", "Str"), "`U64` became `Str`");
    }

    #[test]
    fn std_types_render_structurally() {
        assert_eq!(of::<HashMap<String, (i64, u64)>>().unwrap(), "Map<Str, Tuple<I64, U64>>");
        assert_eq!(of::<Vec<Option<char>>>().unwrap(), "Seq<Option<Char>>");
        assert_eq!(of::<BTreeMap<u8, [f64; 2]>>().unwrap(), "Map<U8, Tuple<F64, F64>>");
        assert_eq!(of::<VecDeque<(bool, Vec<u8>, ())>>().unwrap(), "Seq<Tuple<Bool, Seq<U8>, Unit>>");
    }

    #[test]
    fn types_are_traced_as_postcard_sees_them() {
        assert_eq!(of::<std::net::Ipv4Addr>().unwrap(), "Tuple<U8, U8, U8, U8>");
        assert_eq!(of::<std::time::Duration>().unwrap(), "Duration { secs: U64, nanos: U32 }");
    }

    #[test]
    fn user_types_render_by_name_and_fields_once() {
        assert_eq!(
            of::<Vec<(Running, Running)>>().unwrap(),
            "Seq<Tuple<Running { count: U64, last: Option<Tuple<I32, Str>> }, Running>>"
        );
        assert_eq!(of::<(Unit, Meters)>().unwrap(), "Tuple<Unit, Meters(F64)>");
    }

    #[test]
    fn every_variant_of_enums_nested_in_collections_is_traced() {
        let expected =
            "Session { Idle, Open(U32), Closed { at: U64, reason: Reason { Timeout, Error(Str, U8) } } }";
        assert_eq!(of::<Session>().unwrap(), expected);
        assert_eq!(of::<Vec<HashMap<String, Session>>>().unwrap(), format!("Seq<Map<Str, {expected}>>"));
    }

    #[test]
    fn recursive_types_end() {
        assert_eq!(of::<Tree>().unwrap(), "Tree { children: Seq<Tree>, label: Str }");
        assert_eq!(of::<Vec<List>>().unwrap(), "Seq<List { Nil, Cons(I32, List) }>");
    }

    #[test]
    fn a_type_that_asks_its_input_cannot_be_traced() {
        #[derive(Deserialize)]
        #[serde(untagged)]
        #[allow(dead_code)]
        enum Either {
            A(u8),
            B(String),
        }
        let err = of::<Vec<Either>>().unwrap_err();
        assert!(err.contains("deserialize_any"), "{err}");
    }

    #[test]
    fn a_deserialize_that_panics_is_untraceable_not_a_crash() {
        struct Picky;
        impl<'de> Deserialize<'de> for Picky {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let n = u64::deserialize(d)?;
                assert!(n > 0, "Picky wants a positive number");
                Ok(Picky)
            }
        }
        assert!(of::<Vec<Picky>>().unwrap_err().contains("panicked"));
    }

    #[test]
    fn a_recursion_without_a_base_case_first_is_refused_not_overflowed() {
        #[derive(Deserialize)]
        #[allow(dead_code)]
        enum Endless {
            More(Box<Endless>),
            Done,
        }
        assert!(of::<Endless>().unwrap_err().contains("does not end"));
    }
}
