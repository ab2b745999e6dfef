//! Resource addresses: the vocabulary every layer shares, at the bottom
//! with values and diagnostics.
//!
//! Must not import any other mdl module.

use std::fmt;

/// The address of a resource instance: `KIND.NAME`, with the module
/// instance holding it in front (`module.vle.subnet.app`) and its
/// `for_each` key behind (`subnet.app["eu-west-2a"]`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceAddr {
    /// The module instance: empty at the root, else `module.NAME`,
    /// `module.NAME["key"]`, nested as `module.a.module.b`.
    pub module: String,
    pub kind: String,
    pub name: String,
    /// The `for_each` key of this instance.
    pub key: Option<String>,
}

impl ResourceAddr {
    pub fn new(kind: impl Into<String>, name: impl Into<String>) -> ResourceAddr {
        ResourceAddr {
            module: String::new(),
            kind: kind.into(),
            name: name.into(),
            key: None,
        }
    }

    pub fn in_module(mut self, module: &str) -> ResourceAddr {
        self.module = module.to_string();
        self
    }

    pub fn with_key(mut self, key: Option<String>) -> ResourceAddr {
        self.key = key;
        self
    }

    /// `KIND.NAME` with its key but without its module.
    pub fn local(&self) -> String {
        format!(
            "{}.{}{}",
            self.kind,
            self.name,
            key_suffix(self.key.as_deref())
        )
    }

    /// A name for AWS: the module instances, the block name and the key,
    /// joined with hyphens, such as `vle-app-eu-west-2a`.
    pub fn slug(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut rest = self.module.as_str();
        while let Some(after) = rest.strip_prefix("module.") {
            let (seg, tail) = split_segment(after);
            let (name, key) = match seg.split_once('[') {
                Some((n, k)) => (n, unquote_key(k.trim_end_matches(']'))),
                None => (seg, None),
            };
            parts.push(name.to_string());
            parts.extend(key);
            rest = tail.strip_prefix('.').unwrap_or("");
        }
        parts.push(self.name.clone());
        parts.extend(self.key.clone());
        parts
            .join("-")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect()
    }

    /// Parse `KIND.NAME`, `KIND.NAME["key"]`, with `module.NAME` or
    /// `module.NAME["key"]` prefixes.
    /// Whether this resource is in the module instance `module` (such as
    /// `module.vle` or `module.site["a"]`), directly or in a module nested
    /// in it. Only whole instances match: `module.vle.cache` is none.
    pub fn is_within(&self, module: &str) -> bool {
        self.module == module
            || self
                .module
                .strip_prefix(module)
                .is_some_and(|rest| rest.starts_with(".module."))
    }

    pub fn parse(s: &str) -> Option<ResourceAddr> {
        let mut module = String::new();
        let mut rest = s;
        let mut segs = Vec::new();
        while !rest.is_empty() {
            let (seg, tail) = split_segment(rest);
            segs.push(seg);
            rest = match tail.strip_prefix('.') {
                Some(t) if !t.is_empty() => t,
                Some(_) => return None,
                None if tail.is_empty() => "",
                None => return None,
            };
        }
        while segs.len() > 2 {
            if segs[0] != "module" {
                return None;
            }
            let (name, _) = name_and_key(segs[1])?;
            if name.is_empty() {
                return None;
            }
            if !module.is_empty() {
                module.push('.');
            }
            module.push_str("module.");
            module.push_str(segs[1]);
            segs.drain(..2);
        }
        let [kind, name] = segs[..] else {
            return None;
        };
        // `module.NAME` is a module instance, not a resource.
        if kind.contains('[') || kind.is_empty() || kind == "module" {
            return None;
        }
        let (name, key) = name_and_key(name)?;
        if name.is_empty() {
            return None;
        }
        Some(ResourceAddr {
            module,
            kind: kind.to_string(),
            name: name.to_string(),
            key,
        })
    }
}

/// `["key"]` for a key, with `"` and `\` escaped.
pub fn key_suffix(key: Option<&str>) -> String {
    key.map(|k| format!("[\"{}\"]", k.replace('\\', "\\\\").replace('"', "\\\"")))
        .unwrap_or_default()
}

/// The first `.`-separated segment, where a `["..."]` key may hold dots.
fn split_segment(s: &str) -> (&str, &str) {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut in_key = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_key => i += 1,
            b'"' => in_key = !in_key,
            b'.' if !in_key => return (&s[..i], &s[i..]),
            _ => {}
        }
        i += 1;
    }
    (s, "")
}

fn name_and_key(seg: &str) -> Option<(&str, Option<String>)> {
    match seg.split_once('[') {
        None => Some((seg, None)),
        Some((name, rest)) => {
            let key = unquote_key(rest.strip_suffix(']')?)?;
            Some((name, Some(key)))
        }
    }
}

fn unquote_key(quoted: &str) -> Option<String> {
    let inner = quoted.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.push(chars.next()?);
        } else {
            out.push(c);
        }
    }
    Some(out)
}

impl fmt::Display for ResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_empty() {
            write!(f, "{}.", self.module)?;
        }
        write!(f, "{}", self.local())
    }
}

#[cfg(test)]
mod tests {
    use super::ResourceAddr;

    #[test]
    fn addresses_print_and_parse_back() {
        for text in [
            "vpc.main",
            "subnet.app[\"eu-west-2a\"]",
            "module.vle.subnet.app[\"a.b\"]",
            "module.t[\"branch-a\"].ecs_service.web",
            "module.a.module.b[\"x\\\"y\"].vpc.main",
        ] {
            let addr = ResourceAddr::parse(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(addr.to_string(), text);
        }
        for bad in [
            "vpc",
            "vpc.",
            ".main",
            "a.b.c",
            "module.x.vpc",
            "vpc.main[x]",
            "vpc.main[\"x\"]x",
        ] {
            assert_eq!(ResourceAddr::parse(bad), None, "{bad}");
        }
        let a = ResourceAddr::parse("module.t[\"Branch_A\"].target_group.web").unwrap();
        assert_eq!(a.module, "module.t[\"Branch_A\"]");
        assert_eq!(a.slug(), "t-branch-a-web");
    }
}
