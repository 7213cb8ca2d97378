//! The schema language of Kafka's message specs, read from their JSON files.
//!
//! The files are JSON with `//` line comments; [`strip_comments`] removes the
//! comments (outside strings) before parsing.

use std::path::Path;

use serde::Deserialize;

/// A closed range of versions; empty when `lo > hi`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Versions {
    /// Lowest version in the range.
    pub lo: i16,
    /// Highest version in the range.
    pub hi: i16,
}

impl Versions {
    /// The empty range.
    pub const NONE: Versions = Versions { lo: 1, hi: 0 };

    /// Parses `"none"`, `"N"`, `"N+"` or `"N-M"`.
    pub fn parse(s: &str) -> Result<Versions, String> {
        let s = s.trim();
        let num = |t: &str| t.trim().parse::<i16>().map_err(|e| format!("bad version {t:?}: {e}"));
        if s == "none" {
            Ok(Versions::NONE)
        } else if let Some(lo) = s.strip_suffix('+') {
            Ok(Versions { lo: num(lo)?, hi: i16::MAX })
        } else if let Some((lo, hi)) = s.split_once('-') {
            Ok(Versions { lo: num(lo)?, hi: num(hi)? })
        } else {
            let v = num(s)?;
            Ok(Versions { lo: v, hi: v })
        }
    }

    /// True when the range holds no version.
    pub fn is_empty(self) -> bool {
        self.lo > self.hi
    }

    /// The versions in both ranges.
    pub fn intersect(self, other: Versions) -> Versions {
        Versions { lo: self.lo.max(other.lo), hi: self.hi.min(other.hi) }
    }

    /// True when every version of `within` is in this range.
    pub fn covers(self, within: Versions) -> bool {
        within.is_empty() || (self.lo <= within.lo && within.hi <= self.hi)
    }

    /// A Rust boolean expression over `version` testing membership, simplified
    /// for the versions a message can have (`valid`).
    pub fn test(self, valid: Versions) -> String {
        let r = self.intersect(valid);
        if r.is_empty() {
            "false".into()
        } else if r == valid {
            "true".into()
        } else if r.lo == valid.lo {
            format!("version <= {}", r.hi)
        } else if r.hi == valid.hi {
            format!("version >= {}", r.lo)
        } else if r.lo == r.hi {
            format!("version == {}", r.lo)
        } else {
            format!("({} ..= {}).contains(&version)", r.lo, r.hi)
        }
    }
}

fn de_versions<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Versions, D::Error> {
    let s = String::deserialize(d)?;
    Versions::parse(&s).map_err(serde::de::Error::custom)
}

fn de_opt_versions<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Versions>, D::Error> {
    let s = Option::<String>::deserialize(d)?;
    s.map(|s| Versions::parse(&s).map_err(serde::de::Error::custom)).transpose()
}

fn de_tag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    match Option::<serde_json::Value>::deserialize(d)? {
        None => Ok(None),
        Some(serde_json::Value::Number(n)) => {
            n.as_u64().and_then(|n| u32::try_from(n).ok()).map(Some).ok_or_else(|| serde::de::Error::custom("bad tag"))
        }
        Some(serde_json::Value::String(s)) => s.parse().map(Some).map_err(serde::de::Error::custom),
        Some(other) => Err(serde::de::Error::custom(format!("bad tag {other}"))),
    }
}

/// One spec file: a request, response, header or data struct.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Spec {
    /// The API key, for requests and responses.
    pub api_key: Option<i16>,
    /// `request`, `response`, `header` or `data`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The message's name, e.g. `ProduceRequest`.
    pub name: String,
    /// The versions the message has.
    #[serde(deserialize_with = "de_versions")]
    pub valid_versions: Versions,
    /// The versions that use compact encodings and tagged fields.
    #[serde(deserialize_with = "de_versions")]
    pub flexible_versions: Versions,
    /// The top-level fields.
    pub fields: Vec<Field>,
    /// Structs shared by several fields.
    #[serde(default)]
    pub common_structs: Vec<CommonStruct>,
    /// Versions still under development in Kafka.
    #[serde(default)]
    pub latest_version_unstable: bool,
}

/// A struct declared once and used by name.
#[derive(Debug, Deserialize)]
pub struct CommonStruct {
    /// Its name.
    pub name: String,
    /// Its fields.
    pub fields: Vec<Field>,
}

/// One field of a struct.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Field {
    /// The field's name, e.g. `TopicData`.
    pub name: String,
    /// Its type: a primitive, `[]Elem`, or a struct name.
    #[serde(rename = "type")]
    pub ty: String,
    /// The versions that carry it.
    #[serde(deserialize_with = "de_versions", default = "none")]
    pub versions: Versions,
    /// The versions in which it may be null.
    #[serde(deserialize_with = "de_opt_versions", default)]
    pub nullable_versions: Option<Versions>,
    /// The versions in which it is a tagged field.
    #[serde(deserialize_with = "de_opt_versions", default)]
    pub tagged_versions: Option<Versions>,
    /// Its tag, if tagged (a number or a numeric string in the specs).
    #[serde(deserialize_with = "de_tag", default)]
    pub tag: Option<u32>,
    /// Overrides the message's flexible versions for this field's encoding.
    #[serde(deserialize_with = "de_opt_versions", default)]
    pub flexible_versions: Option<Versions>,
    /// Its default value, as written in the spec.
    pub default: Option<serde_json::Value>,
    /// Whether it may be dropped silently when the version lacks it.
    #[serde(default)]
    pub ignorable: bool,
    /// Its documentation.
    #[serde(default)]
    pub about: String,
    /// The fields of its struct type, if it declares one.
    pub fields: Option<Vec<Field>>,
}

fn none() -> Versions {
    Versions::NONE
}

/// Removes `//` comments that are outside string literals.
pub fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                '\\' => out.extend(chars.next()),
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if c == '/' && chars.peek() == Some(&'/') {
            for c in chars.by_ref() {
                if c == '\n' {
                    out.push('\n');
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Reads and parses one spec file.
pub fn load(path: &Path) -> Result<Spec, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    // Through `Value` first: some specs repeat a key, which Kafka's parser
    // (Jackson) accepts with the last value winning, as `Value` does.
    let value: serde_json::Value =
        serde_json::from_str(&strip_comments(&text)).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_value(value).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        assert_eq!(Versions::parse("3+").unwrap(), Versions { lo: 3, hi: i16::MAX });
        assert_eq!(Versions::parse("0-2").unwrap(), Versions { lo: 0, hi: 2 });
        assert_eq!(Versions::parse("7").unwrap(), Versions { lo: 7, hi: 7 });
        assert!(Versions::parse("none").unwrap().is_empty());
        assert!(Versions::parse("x").is_err());
    }

    #[test]
    fn version_tests_simplify() {
        let valid = Versions { lo: 0, hi: 11 };
        assert_eq!(Versions::parse("0+").unwrap().test(valid), "true");
        assert_eq!(Versions::parse("3+").unwrap().test(valid), "version >= 3");
        assert_eq!(Versions::parse("0-2").unwrap().test(valid), "version <= 2");
        assert_eq!(Versions::parse("5").unwrap().test(valid), "version == 5");
        assert_eq!(Versions::parse("12+").unwrap().test(valid), "false");
    }

    #[test]
    fn comments_outside_strings_only() {
        let s = "{ \"a\": \"http://x\", // note\n \"b\": 1 }";
        assert_eq!(strip_comments(s), "{ \"a\": \"http://x\", \n \"b\": 1 }");
    }
}
