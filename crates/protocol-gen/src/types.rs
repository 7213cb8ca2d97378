//! Field types of the schema and the Rust each one becomes: its type, default,
//! and the expressions that decode, encode and generate a value of it.

use crate::spec::{Field, Versions};

/// A field's type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    /// `bool`.
    Bool,
    /// `int8`.
    I8,
    /// `int16`.
    I16,
    /// `uint16`.
    U16,
    /// `int32`.
    I32,
    /// `uint32`.
    U32,
    /// `int64`.
    I64,
    /// `float64`.
    F64,
    /// `string`.
    Str,
    /// `bytes`.
    Bytes,
    /// `uuid`.
    Uuid,
    /// `records`: a record set, kept as opaque bytes.
    Records,
    /// A struct, by name.
    Struct(String),
    /// `[]Elem`.
    Array(Box<Ty>),
}

impl Ty {
    /// Parses a spec type name.
    pub(crate) fn parse(s: &str) -> Ty {
        if let Some(elem) = s.strip_prefix("[]") {
            return Ty::Array(Box::new(Ty::parse(elem)));
        }
        match s {
            "bool" => Ty::Bool,
            "int8" => Ty::I8,
            "int16" => Ty::I16,
            "uint16" => Ty::U16,
            "int32" => Ty::I32,
            "uint32" => Ty::U32,
            "int64" => Ty::I64,
            "float64" => Ty::F64,
            "string" => Ty::Str,
            "bytes" => Ty::Bytes,
            "uuid" => Ty::Uuid,
            "records" => Ty::Records,
            other => Ty::Struct(other.to_string()),
        }
    }

    /// True for types that can be null on the wire.
    pub(crate) fn can_be_null(&self) -> bool {
        matches!(self, Ty::Str | Ty::Bytes | Ty::Records | Ty::Struct(_) | Ty::Array(_))
    }

    /// The Rust type of a non-null value.
    pub(crate) fn rust(&self) -> String {
        match self {
            Ty::Bool => "bool".into(),
            Ty::I8 => "i8".into(),
            Ty::I16 => "i16".into(),
            Ty::U16 => "u16".into(),
            Ty::I32 => "i32".into(),
            Ty::U32 => "u32".into(),
            Ty::I64 => "i64".into(),
            Ty::F64 => "f64".into(),
            Ty::Str => "String".into(),
            Ty::Bytes | Ty::Records => "Bytes".into(),
            Ty::Uuid => "Uuid".into(),
            Ty::Struct(name) => name.clone(),
            Ty::Array(elem) => format!("Vec<{}>", elem.rust()),
        }
    }

    /// True for types read and written by value (`Copy`).
    /// An expression decoding one non-null value from reader `r`.
    pub(crate) fn decode(&self, compact: &str) -> String {
        match self {
            Ty::Bool => "r.bool()".into(),
            Ty::I8 => "r.i8()".into(),
            Ty::I16 => "r.i16()".into(),
            Ty::U16 => "r.u16()".into(),
            Ty::I32 => "r.i32()".into(),
            Ty::U32 => "r.u32()".into(),
            Ty::I64 => "r.i64()".into(),
            Ty::F64 => "r.f64()".into(),
            Ty::Uuid => "r.uuid()".into(),
            Ty::Str => format!("r.string({compact})"),
            Ty::Bytes | Ty::Records => format!("r.bytes({compact})"),
            Ty::Struct(name) => format!("{name}::decode(r, version)"),
            Ty::Array(elem) => format!("r.array({compact}, |r| {})", elem.decode(compact)),
        }
    }

    /// An expression decoding a possibly-null value as an `Option`.
    pub(crate) fn decode_nullable(&self, compact: &str) -> String {
        match self {
            Ty::Str => format!("r.nullable_string({compact})"),
            Ty::Bytes | Ty::Records => format!("r.nullable_bytes({compact})"),
            Ty::Struct(name) => {
                format!(
                    "r.struct_present().and_then(|present| present.then(|| {name}::decode(r, version)).transpose())"
                )
            }
            Ty::Array(elem) => format!("r.nullable_array({compact}, |r| {})", elem.decode(compact)),
            other => format!("{}.map(Some)", other.decode(compact)),
        }
    }

    /// An expression writing the non-null value `v` (a reference) into `w`,
    /// yielding `Result<(), EncodeError>`.
    pub(crate) fn encode(&self, v: &str, compact: &str) -> String {
        match self.put_infallible(v) {
            Some(stmt) => format!("{{ {stmt} Ok(()) }}"),
            None => self.put_fallible(v, compact),
        }
    }

    /// A statement writing the value `v` (a reference) into `w` that cannot fail, for fixed-size types.
    pub(crate) fn put_infallible(&self, v: &str) -> Option<String> {
        let val = match v.strip_prefix('&') {
            Some(place) => place.to_string(),
            None => format!("*{v}"),
        };
        Some(match self {
            Ty::Bool => format!("put_bool(w, {val});"),
            Ty::I8 => format!("w.put_i8({val});"),
            Ty::I16 => format!("w.put_i16({val});"),
            Ty::U16 => format!("w.put_u16({val});"),
            Ty::I32 => format!("w.put_i32({val});"),
            Ty::U32 => format!("w.put_u32({val});"),
            Ty::I64 => format!("w.put_i64({val});"),
            Ty::F64 => format!("w.put_f64({val});"),
            Ty::Uuid => format!("put_uuid(w, {v});"),
            _ => return None,
        })
    }

    /// An expression writing the variable-size value `v` (a reference), yielding a `Result`.
    fn put_fallible(&self, v: &str, compact: &str) -> String {
        match self {
            Ty::Str => format!("put_string(w, {v}, {compact})"),
            Ty::Bytes | Ty::Records => format!("put_bytes(w, {v}, {compact})"),
            Ty::Struct(_) => format!("{}.encode(w, version)", v.strip_prefix('&').unwrap_or(v)),
            Ty::Array(elem) => format!("put_array(w, {v}, {compact}, |w, e| {})", elem.encode("e", compact)),
            _ => unreachable!("fixed-size types are written infallibly"),
        }
    }

    /// An expression writing the `Option` at place `v`, null as the type writes it; yields a `Result`.
    pub(crate) fn encode_nullable(&self, v: &str, compact: &str) -> String {
        match self {
            Ty::Str => format!("put_nullable_string(w, {v}.as_deref(), {compact})"),
            Ty::Bytes | Ty::Records => format!("put_nullable_bytes(w, {v}.as_deref(), {compact})"),
            Ty::Struct(_) => format!(
                "match &{v} {{ None => {{ w.put_i8(-1); Ok(()) }} Some(s) => {{ w.put_i8(1); s.encode(w, version) }} }}"
            ),
            Ty::Array(elem) => {
                format!("put_nullable_array(w, {v}.as_deref(), {compact}, |w, e| {})", elem.encode("e", compact))
            }
            other => unreachable!("{other:?} is never optional"),
        }
    }

    /// An expression building an arbitrary non-null value from `u`, yielding an `arbitrary::Result`.
    pub(crate) fn arbitrary(&self) -> String {
        match self {
            Ty::Bool | Ty::I8 | Ty::I16 | Ty::U16 | Ty::I32 | Ty::U32 | Ty::I64 => "u.arbitrary()".into(),
            Ty::F64 => "arb::f64(u)".into(),
            Ty::Str => "arb::string(u)".into(),
            Ty::Bytes | Ty::Records => "arb::bytes(u)".into(),
            Ty::Uuid => "arb::uuid(u)".into(),
            Ty::Struct(name) => format!("{name}::arbitrary(u, version)"),
            Ty::Array(elem) => format!("arb::array(u, |u| {})", elem.arbitrary()),
        }
    }
}

/// How one field is represented in Rust.
pub(crate) struct FieldRepr {
    /// Its type.
    pub(crate) ty: Ty,
    /// True when the Rust field is an `Option`.
    pub(crate) optional: bool,
    /// The Rust default value expression.
    pub(crate) default: String,
}

impl FieldRepr {
    /// The representation of `field`, whose versions lie within `valid`.
    pub(crate) fn of(field: &Field, valid: Versions) -> Result<FieldRepr, String> {
        let ty = Ty::parse(&field.ty);
        let nullable = field.nullable_versions.is_some_and(|n| !n.intersect(valid).is_empty());
        // Records are null by default (Kafka: "Records fields default to null").
        let optional = ty == Ty::Records || (nullable && ty.can_be_null());
        let default = default_expr(field, &ty, optional)?;
        Ok(FieldRepr { ty, optional, default })
    }

    /// The Rust type of the field.
    pub(crate) fn rust(&self) -> String {
        if self.optional {
            format!("Option<{}>", self.ty.rust())
        } else {
            self.ty.rust()
        }
    }

    /// An expression that is true when `v` (the field's place) differs from its default.
    pub(crate) fn differs_from_default(&self, v: &str) -> String {
        match (&self.ty, self.optional) {
            (Ty::Array(_), false) => format!("!{v}.is_empty()"),
            (Ty::F64, _) => format!("{v}.to_bits() != ({}).to_bits()", self.default),
            (_, true) if self.default == "None" => format!("{v}.is_some()"),
            (Ty::Str, false) if self.default == "String::new()" => format!("!{v}.is_empty()"),
            (Ty::Bool, false) if self.default == "false" => v.to_string(),
            _ => format!("{v} != {}", self.default),
        }
    }
}

fn default_expr(field: &Field, ty: &Ty, optional: bool) -> Result<String, String> {
    let raw = field.default.as_ref().map(|v| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let is_null = raw.as_deref() == Some("null");
    if is_null && !optional && *ty != Ty::Uuid {
        return Err(format!("field {} defaults to null but is never nullable", field.name));
    }
    let value = match ty {
        Ty::Bool => raw.unwrap_or_else(|| "false".into()),
        Ty::I8 | Ty::I16 | Ty::U16 | Ty::I32 | Ty::U32 | Ty::I64 => match raw {
            Some(r) => parse_int(&r).map_err(|e| format!("field {}: {e}", field.name))?.to_string(),
            None => "0".into(),
        },
        Ty::F64 => match raw {
            Some(r) => format!("{:?}", r.parse::<f64>().map_err(|e| format!("field {}: {e}", field.name))?),
            None => "0.0".into(),
        },
        Ty::Str => match raw {
            Some(s) if !is_null => format!("String::from({s:?})"),
            _ => "String::new()".into(),
        },
        Ty::Bytes => "Bytes::new()".into(),
        Ty::Uuid => "Uuid::ZERO".into(),
        Ty::Records => return Ok("None".into()),
        Ty::Struct(name) => format!("{name}::default()"),
        Ty::Array(_) => "Vec::new()".into(),
    };
    Ok(match (optional, is_null) {
        (true, true) => "None".into(),
        (true, false) => format!("Some({value})"),
        (false, _) => value,
    })
}

fn parse_int(s: &str) -> Result<i64, String> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let v = if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        i64::from_str_radix(hex, 16)
    } else {
        body.parse::<i64>()
    }
    .map_err(|e| format!("bad integer default {s:?}: {e}"))?;
    Ok(if neg { -v } else { v })
}
