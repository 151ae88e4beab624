//! Pretty JSON with every object's keys in sorted order, written straight from the `Serialize`
//! impls: the text `serde_json::to_string_pretty(&serde_json::to_value(x))` gives, without
//! building the tree. The facts document of 10,000 hosts is about 200 MB of JSON; as a
//! `serde_json::Value` it took 1.5 GB and a fifth of the command's time (issue #12).
//!
//! Structs serialize their fields in declaration order, which is not key order, and a
//! `Serialize` impl can only be run whole. So each object is first *probed* (its keys
//! collected, its values not touched), then run once per ascending run of its sorted keys,
//! writing only that run's entries: one pass for a map already in key order (a `BTreeMap` of
//! strings), a few for a struct. Nothing is buffered but the keys of the object being
//! written, so memory stays that of the value being written.
//!
//! What the tree would do is kept: map keys are stringified as `serde_json` does and sorted as
//! strings (`"10"` before `"9"`), a key given twice keeps its last value, numbers go through
//! `serde_json::Value` (so a NaN is `null` and an `f32` prints as the tree prints it), enums
//! are externally tagged. A key that is no string, number, `bool`, `char` or unit variant is
//! an error, as it is for `serde_json::to_value`.

use serde::ser::{self, Impossible, Serialize};
use std::fmt;
use std::io::Write;

/// Why writing failed.
#[derive(Debug)]
pub enum Error {
    /// The output refused the bytes.
    Io(std::io::Error),
    /// A `Serialize` impl reported an error, or a map key was not a string-like value.
    Message(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "{e}"),
            Error::Message(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::Message(msg.to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        if e.is_io() {
            Error::Io(std::io::Error::other(e))
        } else {
            Error::Message(e.to_string())
        }
    }
}

type Result<T> = std::result::Result<T, Error>;

/// Write `value` as `serde_json::to_string_pretty(&serde_json::to_value(value)?)` would (keys
/// sorted, two-space indent, no trailing newline).
///
/// # Errors
/// [`Error::Io`] when `out` fails; [`Error::Message`] when the value cannot be JSON (a map key
/// that is not string-like, an error of its own `Serialize` impl).
///
/// # Complexity
/// `O(b + Σ k log k)` for `b` bytes written and `k` keys per object, plus one probe of each
/// object's keys per ascending run of them.
pub fn to_writer<W: Write, T: ?Sized + Serialize>(out: W, value: &T) -> Result<()> {
    Writer { out, depth: 0 }.value(value)
}

struct Writer<W> {
    out: W,
    depth: usize,
}

impl<W: Write> Writer<W> {
    fn value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        let shape = match value.serialize(Probe) {
            Ok(shape) => shape,
            Err(Error::Message(m)) if m == PLAIN => Shape::Plain,
            Err(e) => return Err(e),
        };
        match shape {
            Shape::Plain => value.serialize(Plain { w: self }),
            Shape::Object { variant, keys } => {
                if let Some(name) = variant {
                    self.out.write_all(b"{")?;
                    self.depth += 1;
                    self.newline()?;
                    self.key(name)?;
                    self.object(value, &keys)?;
                    self.depth -= 1;
                    self.newline()?;
                    self.out.write_all(b"}")?;
                    Ok(())
                } else {
                    self.object(value, &keys)
                }
            }
        }
    }

    /// The entries of an object probed to have `keys` (in the order its impl gives them), in
    /// key order: one run of `value`'s impl per ascending run of the sorted keys.
    fn object<T: ?Sized + Serialize>(&mut self, value: &T, keys: &[Key]) -> Result<()> {
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_by(|&a, &b| keys[a].as_str().cmp(keys[b].as_str()));
        // A key given twice keeps its last value, as in a map (the sort is stable).
        let mut kept: Vec<usize> = Vec::with_capacity(order.len());
        for i in order {
            match kept.last_mut() {
                Some(last) if keys[*last].as_str() == keys[i].as_str() => *last = i,
                _ => kept.push(i),
            }
        }
        if kept.is_empty() {
            self.out.write_all(b"{}")?;
            return Ok(());
        }
        self.out.write_all(b"{")?;
        self.depth += 1;
        let mut start = 0;
        while start < kept.len() {
            let mut end = start + 1;
            while end < kept.len() && kept[end] > kept[end - 1] {
                end += 1;
            }
            value.serialize(Emit {
                w: &mut *self,
                keys,
                want: &kept[start..end],
                first: start == 0,
            })?;
            start = end;
        }
        self.depth -= 1;
        self.newline()?;
        self.out.write_all(b"}")?;
        Ok(())
    }

    fn newline(&mut self) -> Result<()> {
        self.out.write_all(b"\n")?;
        for _ in 0..self.depth {
            self.out.write_all(b"  ")?;
        }
        Ok(())
    }

    /// `"key": ` (the newline and indent before it are the caller's).
    fn key(&mut self, key: &str) -> Result<()> {
        serde_json::to_writer(&mut self.out, key)?;
        self.out.write_all(b": ")?;
        Ok(())
    }

    /// Scalars print as their `serde_json::Value` prints.
    fn scalar(&mut self, v: &serde_json::Value) -> Result<()> {
        serde_json::to_writer(&mut self.out, v)?;
        Ok(())
    }
}

/// An object's key as given: a field name, or a map key turned into its string.
enum Key {
    Static(&'static str),
    Owned(String),
}

impl Key {
    fn as_str(&self) -> &str {
        match self {
            Key::Static(s) => s,
            Key::Owned(s) => s,
        }
    }
}

/// What [`Probe`] found.
enum Shape {
    /// Anything but an object: written as it comes.
    Plain,
    /// An object (struct, map, or struct variant wrapped in `{"variant": …}`) with these keys
    /// in the order its impl gives them.
    Object {
        variant: Option<&'static str>,
        keys: Vec<Key>,
    },
}

/// Finds whether a value is an object and collects its keys without touching its values.
struct Probe;

/// Collects an object's keys for [`Probe`].
struct ProbeObject {
    variant: Option<&'static str>,
    keys: Vec<Key>,
}

impl ser::Serializer for Probe {
    type Ok = Shape;
    type Error = Error;
    type SerializeSeq = Impossible<Shape, Error>;
    type SerializeTuple = Impossible<Shape, Error>;
    type SerializeTupleStruct = Impossible<Shape, Error>;
    type SerializeTupleVariant = Impossible<Shape, Error>;
    type SerializeMap = ProbeObject;
    type SerializeStruct = ProbeObject;
    type SerializeStructVariant = ProbeObject;

    fn serialize_bool(self, _: bool) -> Result<Shape> {
        Ok(Shape::Plain)
    }
    fn serialize_i8(self, _: i8) -> Result<Shape> {
        Ok(Shape::Plain)
    }
    fn serialize_i16(self, _: i16) -> Result<Shape> {
        Ok(Shape::Plain)
    }
    fn serialize_i32(self, _: i32) -> Result<Shape> {
        Ok(Shape::Plain)
    }
    fn serialize_i64(self, _: i64) -> Result<Shape> {
        Ok(Shape::Plain)
    }
    fn serialize_u8(self, _: u8) -> Result<Shape> {
        Ok(Shape::Plain)
    }
    fn serialize_u16(self, _: u16) -> Result<Shape> {
        Ok(Shape::Plain)
    }
    fn serialize_u32(self, _: u32) -> Result<Shape> {
        Ok(Shape::Plain)
    }
    fn serialize_u64(self, _: u64) -> Result<Shape> {
        Ok(Shape::Plain)
    }
    fn serialize_i128(self, _: i128) -> Result<Shape> {
        Ok(Shape::Plain)
    }
    fn serialize_u128(self, _: u128) -> Result<Shape> {
        Ok(Shape::Plain)
    }
    fn serialize_f32(self, _: f32) -> Result<Shape> {
        Ok(Shape::Plain)
    }
    fn serialize_f64(self, _: f64) -> Result<Shape> {
        Ok(Shape::Plain)
    }
    fn serialize_char(self, _: char) -> Result<Shape> {
        Ok(Shape::Plain)
    }
    fn serialize_str(self, _: &str) -> Result<Shape> {
        Ok(Shape::Plain)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<Shape> {
        Ok(Shape::Plain)
    }
    fn serialize_none(self) -> Result<Shape> {
        Ok(Shape::Plain)
    }
    // Options and newtypes are written by [`Plain`], which probes what they hold.
    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<Shape> {
        Ok(Shape::Plain)
    }
    fn serialize_unit(self) -> Result<Shape> {
        Ok(Shape::Plain)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Shape> {
        Ok(Shape::Plain)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<Shape> {
        Ok(Shape::Plain)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<Shape> {
        Ok(Shape::Plain)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Shape> {
        Ok(Shape::Plain)
    }
    // Sequences are plain: the probe stops at once (an error no caller sees) instead of
    // walking their elements.
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(Error::Message(PLAIN.into()))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        Err(Error::Message(PLAIN.into()))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(Error::Message(PLAIN.into()))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(Error::Message(PLAIN.into()))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<ProbeObject> {
        Ok(ProbeObject {
            variant: None,
            keys: Vec::with_capacity(len.unwrap_or(0)),
        })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<ProbeObject> {
        Ok(ProbeObject {
            variant: None,
            keys: Vec::with_capacity(len),
        })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<ProbeObject> {
        Ok(ProbeObject {
            variant: Some(variant),
            keys: Vec::with_capacity(len),
        })
    }
}

/// The message [`Probe`] stops a sequence with; [`Writer::value`] reads it as "plain".
const PLAIN: &str = "\u{0}plain";

impl ser::SerializeMap for ProbeObject {
    type Ok = Shape;
    type Error = Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<()> {
        self.keys.push(Key::Owned(key.serialize(KeyString)?));
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, _: &T) -> Result<()> {
        Ok(())
    }
    fn end(self) -> Result<Shape> {
        Ok(Shape::Object {
            variant: self.variant,
            keys: self.keys,
        })
    }
}

impl ser::SerializeStruct for ProbeObject {
    type Ok = Shape;
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, _: &T) -> Result<()> {
        self.keys.push(Key::Static(key));
        Ok(())
    }
    fn end(self) -> Result<Shape> {
        ser::SerializeMap::end(self)
    }
}

impl ser::SerializeStructVariant for ProbeObject {
    type Ok = Shape;
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, _: &T) -> Result<()> {
        self.keys.push(Key::Static(key));
        Ok(())
    }
    fn end(self) -> Result<Shape> {
        ser::SerializeMap::end(self)
    }
}

/// A map key as the string `serde_json` makes of it.
struct KeyString;

fn key_error() -> Error {
    Error::Message("key must be a string".into())
}

impl ser::Serializer for KeyString {
    type Ok = String;
    type Error = Error;
    type SerializeSeq = Impossible<String, Error>;
    type SerializeTuple = Impossible<String, Error>;
    type SerializeTupleStruct = Impossible<String, Error>;
    type SerializeTupleVariant = Impossible<String, Error>;
    type SerializeMap = Impossible<String, Error>;
    type SerializeStruct = Impossible<String, Error>;
    type SerializeStructVariant = Impossible<String, Error>;

    fn serialize_bool(self, v: bool) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_i8(self, v: i8) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<String> {
        Ok(v.to_string())
    }
    // Float keys: `serde_json` formats them with its own float printer; none of ours has one.
    fn serialize_f32(self, _: f32) -> Result<String> {
        Err(key_error())
    }
    fn serialize_f64(self, _: f64) -> Result<String> {
        Err(key_error())
    }
    fn serialize_char(self, v: char) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<String> {
        Ok(v.to_owned())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String> {
        Err(key_error())
    }
    fn serialize_none(self) -> Result<String> {
        Err(key_error())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<String> {
        Err(key_error())
    }
    fn serialize_unit(self) -> Result<String> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String> {
        Err(key_error())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String> {
        Err(key_error())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(key_error())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        Err(key_error())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(key_error())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(key_error())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        Err(key_error())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        Err(key_error())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(key_error())
    }
}

/// Writes a value [`Probe`] found plain: scalars, sequences, options, newtypes.
struct Plain<'w, W> {
    w: &'w mut Writer<W>,
}

/// Writes a sequence's elements (or a tuple variant's, inside its `{"variant": …}`).
struct Seq<'w, W> {
    w: &'w mut Writer<W>,
    first: bool,
    /// A tuple variant: one more object to close.
    variant: bool,
}

impl<'w, W: Write> Plain<'w, W> {
    fn open_seq(self, variant: Option<&'static str>) -> Result<Seq<'w, W>> {
        let w = self.w;
        if let Some(name) = variant {
            w.out.write_all(b"{")?;
            w.depth += 1;
            w.newline()?;
            w.key(name)?;
        }
        w.out.write_all(b"[")?;
        w.depth += 1;
        Ok(Seq {
            w,
            first: true,
            variant: variant.is_some(),
        })
    }
}

impl<W: Write> Seq<'_, W> {
    fn element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        if !self.first {
            self.w.out.write_all(b",")?;
        }
        self.first = false;
        self.w.newline()?;
        self.w.value(value)
    }

    fn close(self) -> Result<()> {
        self.w.depth -= 1;
        if !self.first {
            self.w.newline()?;
        }
        self.w.out.write_all(b"]")?;
        if self.variant {
            self.w.depth -= 1;
            self.w.newline()?;
            self.w.out.write_all(b"}")?;
        }
        Ok(())
    }
}

impl<W: Write> ser::SerializeSeq for Seq<'_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }
    fn end(self) -> Result<()> {
        self.close()
    }
}

impl<W: Write> ser::SerializeTuple for Seq<'_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }
    fn end(self) -> Result<()> {
        self.close()
    }
}

impl<W: Write> ser::SerializeTupleStruct for Seq<'_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }
    fn end(self) -> Result<()> {
        self.close()
    }
}

impl<W: Write> ser::SerializeTupleVariant for Seq<'_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }
    fn end(self) -> Result<()> {
        self.close()
    }
}

fn not_plain() -> Error {
    Error::Message("an object's impl changed its shape between two runs".into())
}

impl<'w, W: Write> ser::Serializer for Plain<'w, W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Seq<'w, W>;
    type SerializeTuple = Seq<'w, W>;
    type SerializeTupleStruct = Seq<'w, W>;
    type SerializeTupleVariant = Seq<'w, W>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        self.w.out.write_all(if v { b"true" } else { b"false" })?;
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<()> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<()> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<()> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<()> {
        write!(self.w.out, "{v}")?;
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<()> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<()> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<()> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<()> {
        write!(self.w.out, "{v}")?;
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<()> {
        self.w.scalar(&serde_json::to_value(v)?)
    }
    fn serialize_u128(self, v: u128) -> Result<()> {
        self.w.scalar(&serde_json::to_value(v)?)
    }
    fn serialize_f32(self, v: f32) -> Result<()> {
        self.w.scalar(&serde_json::Value::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<()> {
        self.w.scalar(&serde_json::Value::from(v))
    }
    fn serialize_char(self, v: char) -> Result<()> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<()> {
        serde_json::to_writer(&mut self.w.out, v)?;
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        let mut seq = self.open_seq(None)?;
        for b in v {
            seq.element(b)?;
        }
        seq.close()
    }
    fn serialize_none(self) -> Result<()> {
        self.serialize_unit()
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<()> {
        self.w.value(value)
    }
    fn serialize_unit(self) -> Result<()> {
        self.w.out.write_all(b"null")?;
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<()> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<()> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<()> {
        self.w.value(value)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        let w = self.w;
        w.out.write_all(b"{")?;
        w.depth += 1;
        w.newline()?;
        w.key(variant)?;
        w.value(value)?;
        w.depth -= 1;
        w.newline()?;
        w.out.write_all(b"}")?;
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Seq<'w, W>> {
        self.open_seq(None)
    }
    fn serialize_tuple(self, _: usize) -> Result<Seq<'w, W>> {
        self.open_seq(None)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Seq<'w, W>> {
        self.open_seq(None)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Seq<'w, W>> {
        self.open_seq(Some(variant))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        Err(not_plain())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        Err(not_plain())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(not_plain())
    }
}

/// One run of an object's impl that writes the entries `want` (indices in the order the impl
/// gives them, ascending) and skips the others.
struct Emit<'w, 'k, W> {
    w: &'w mut Writer<W>,
    keys: &'k [Key],
    want: &'k [usize],
    /// Whether this run writes the object's first entry (no comma before it).
    first: bool,
}

/// The state of an [`Emit`] run inside the object.
struct EmitObject<'w, 'k, W> {
    emit: Emit<'w, 'k, W>,
    /// Index of the next entry the impl gives.
    next: usize,
    /// How many of `want` are written.
    done: usize,
    /// Whether the entry whose key was just given is wanted (maps give key and value apart).
    wanted: bool,
}

impl<W: Write> EmitObject<'_, '_, W> {
    fn key(&mut self) -> Result<bool> {
        let i = self.next;
        self.next += 1;
        if self.emit.want.get(self.done) != Some(&i) {
            return Ok(false);
        }
        let Some(key) = self.emit.keys.get(i) else {
            return Err(not_plain());
        };
        if !(self.emit.first && self.done == 0) {
            self.emit.w.out.write_all(b",")?;
        }
        self.emit.w.newline()?;
        self.emit.w.key(key.as_str())?;
        Ok(true)
    }

    fn entry<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        if self.key()? {
            self.emit.w.value(value)?;
            self.done += 1;
        }
        Ok(())
    }
}

impl<'w, 'k, W: Write> ser::Serializer for Emit<'w, 'k, W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = EmitObject<'w, 'k, W>;
    type SerializeStruct = EmitObject<'w, 'k, W>;
    type SerializeStructVariant = EmitObject<'w, 'k, W>;

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        Ok(EmitObject {
            emit: self,
            next: 0,
            done: 0,
            wanted: false,
        })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        self.serialize_map(None)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        self.serialize_map(None)
    }

    // The probe found an object: anything else means the impl changed its mind.
    fn serialize_bool(self, _: bool) -> Result<()> {
        Err(not_plain())
    }
    fn serialize_i8(self, _: i8) -> Result<()> {
        Err(not_plain())
    }
    fn serialize_i16(self, _: i16) -> Result<()> {
        Err(not_plain())
    }
    fn serialize_i32(self, _: i32) -> Result<()> {
        Err(not_plain())
    }
    fn serialize_i64(self, _: i64) -> Result<()> {
        Err(not_plain())
    }
    fn serialize_u8(self, _: u8) -> Result<()> {
        Err(not_plain())
    }
    fn serialize_u16(self, _: u16) -> Result<()> {
        Err(not_plain())
    }
    fn serialize_u32(self, _: u32) -> Result<()> {
        Err(not_plain())
    }
    fn serialize_u64(self, _: u64) -> Result<()> {
        Err(not_plain())
    }
    fn serialize_f32(self, _: f32) -> Result<()> {
        Err(not_plain())
    }
    fn serialize_f64(self, _: f64) -> Result<()> {
        Err(not_plain())
    }
    fn serialize_char(self, _: char) -> Result<()> {
        Err(not_plain())
    }
    fn serialize_str(self, _: &str) -> Result<()> {
        Err(not_plain())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<()> {
        Err(not_plain())
    }
    fn serialize_none(self) -> Result<()> {
        Err(not_plain())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<()> {
        Err(not_plain())
    }
    fn serialize_unit(self) -> Result<()> {
        Err(not_plain())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<()> {
        Err(not_plain())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<()> {
        Err(not_plain())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, _: &T) -> Result<()> {
        Err(not_plain())
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<()> {
        Err(not_plain())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(not_plain())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        Err(not_plain())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(not_plain())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(not_plain())
    }
}

impl<W: Write> ser::SerializeMap for EmitObject<'_, '_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, _: &T) -> Result<()> {
        self.wanted = self.key()?;
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        if self.wanted {
            self.emit.w.value(value)?;
            self.done += 1;
            self.wanted = false;
        }
        Ok(())
    }
    fn end(self) -> Result<()> {
        Ok(())
    }
}

impl<W: Write> ser::SerializeStruct for EmitObject<'_, '_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, _: &'static str, value: &T) -> Result<()> {
        self.entry(value)
    }
    fn end(self) -> Result<()> {
        Ok(())
    }
}

impl<W: Write> ser::SerializeStructVariant for EmitObject<'_, '_, W> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, _: &'static str, value: &T) -> Result<()> {
        self.entry(value)
    }
    fn end(self) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::{BTreeMap, HashMap};

    fn via_tree<T: Serialize>(v: &T) -> String {
        serde_json::to_string_pretty(&serde_json::to_value(v).unwrap()).unwrap()
    }

    fn direct<T: Serialize>(v: &T) -> String {
        let mut out = Vec::new();
        to_writer(&mut out, v).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[derive(Serialize)]
    enum Kind {
        Unit,
        Newtype(u8),
        Tuple(u8, String),
        Struct { zeta: u8, alpha: Vec<u8> },
    }

    #[derive(Serialize)]
    struct Inner {
        zz: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        aa: f32,
        none: Option<()>,
    }

    #[derive(Serialize)]
    struct Flat {
        b: u8,
        #[serde(flatten)]
        rest: BTreeMap<String, i64>,
        a: u8,
    }

    #[derive(Serialize)]
    struct Doc {
        zebra: Vec<Inner>,
        kinds: Vec<Kind>,
        numbered: BTreeMap<u32, &'static str>,
        hashed: HashMap<String, u8>,
        empty_map: BTreeMap<String, u8>,
        empty_seq: Vec<u8>,
        unit: (),
        tuple: (u8, &'static str, bool),
        bytes: serde_bytes_like::Bytes,
        flat: Flat,
        escaped: &'static str,
        #[serde(rename = "Apple")]
        apple: Option<Inner>,
    }

    /// `serialize_bytes` without a dependency for it.
    mod serde_bytes_like {
        pub struct Bytes(pub Vec<u8>);
        impl serde::Serialize for Bytes {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(&self.0)
            }
        }
    }

    /// Every shape serde has, through the tree and straight: the same text.
    #[test]
    fn writes_what_the_tree_prints() {
        let doc = Doc {
            zebra: vec![
                Inner {
                    zz: f64::NAN,
                    skipped: None,
                    aa: 0.1,
                    none: None,
                },
                Inner {
                    zz: 1.0,
                    skipped: Some(3),
                    aa: -2.5,
                    none: Some(()),
                },
            ],
            kinds: vec![
                Kind::Unit,
                Kind::Newtype(7),
                Kind::Tuple(1, "x".into()),
                Kind::Struct {
                    zeta: 1,
                    alpha: vec![],
                },
            ],
            // Sorted as strings by the tree: "10" < "2" < "9".
            numbered: [(9, "nine"), (10, "ten"), (2, "two")].into_iter().collect(),
            hashed: [("q", 1), ("b", 2), ("x", 3), ("a", 4)]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            empty_map: BTreeMap::new(),
            empty_seq: Vec::new(),
            unit: (),
            tuple: (1, "two", true),
            bytes: serde_bytes_like::Bytes(vec![0, 255]),
            flat: Flat {
                b: 2,
                rest: [("c".to_owned(), -1), ("a".to_owned(), 5)]
                    .into_iter()
                    .collect(),
                a: 1,
            },
            escaped: "quote \" backslash \\ newline \n tab \t bell \u{7} é",
            apple: Some(Inner {
                zz: 1e300,
                skipped: None,
                aa: f32::INFINITY,
                none: None,
            }),
        };
        assert_eq!(direct(&doc), via_tree(&doc));
        assert_eq!(direct(&Kind::Unit), via_tree(&Kind::Unit));
        assert_eq!(direct(&42u8), via_tree(&42u8));
        assert_eq!(direct(&Vec::<Kind>::new()), via_tree(&Vec::<Kind>::new()));
    }

    /// A key given twice (here by a flattened map and a field) keeps its last value.
    #[test]
    fn a_repeated_key_keeps_its_last_value() {
        let flat = Flat {
            b: 2,
            rest: [("a".to_owned(), 9), ("b".to_owned(), 8)]
                .into_iter()
                .collect(),
            a: 1,
        };
        assert_eq!(direct(&flat), via_tree(&flat));
    }

    #[test]
    fn a_key_that_is_no_string_is_an_error() {
        let m: BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into_iter().collect();
        let mut out = Vec::new();
        let e = to_writer(&mut out, &m).unwrap_err();
        assert_eq!(e.to_string(), "key must be a string");
        assert!(serde_json::to_value(&m).is_err());
    }
}
