//! The built-in functions.

use std::net::Ipv4Addr;

use crate::diagnostics::{Diagnostic, Span, suggest};
use crate::syntax::ast::{Expr, Ident};
use crate::value::Value;

/// A function body: the evaluated arguments (and their expressions); an
/// error names the argument at fault.
type FunctionBody = fn(&[Value], &[Expr]) -> Result<Value, (usize, String)>;

struct Function {
    name: &'static str,
    signature: &'static str,
    arity: usize,
    run: FunctionBody,
    /// Runs on a list or map whose items are not known yet (`length` of
    /// a list of ids AWS assigns is known).
    shallow: bool,
    /// What it does, for `mdl docs functions`.
    doc: &'static str,
    /// A call and what it gives, as written in a file: a unit test
    /// evaluates each.
    example: (&'static str, &'static str),
}

const FUNCTIONS: &[Function] = &[
    Function {
        name: "cidrsubnet",
        signature: "cidrsubnet(prefix, newbits, netnum)",
        arity: 3,
        run: cidrsubnet,
        shallow: false,
        doc: "The `netnum`-th subnet of `prefix`, `newbits` longer: how subnets are carved from a VPC's range.",
        example: (r#"cidrsubnet("10.0.0.0/16", 8, 2)"#, r#""10.0.2.0/24""#),
    },
    Function {
        name: "cidrhost",
        signature: "cidrhost(prefix, hostnum)",
        arity: 2,
        run: cidrhost,
        shallow: false,
        doc: "The address of host `hostnum` in `prefix`.",
        example: (r#"cidrhost("10.0.0.0/16", 2)"#, r#""10.0.0.2""#),
    },
    Function {
        name: "length",
        signature: "length(list_or_map_or_string)",
        arity: 1,
        run: length,
        shallow: true,
        doc: "The number of items of a list or map, or of characters of a string; known even when the items are not (ids AWS assigns).",
        example: (r#"length(["eu-west-2a", "eu-west-2b"])"#, r#"2"#),
    },
    Function {
        name: "concat",
        signature: "concat(list, list)",
        arity: 2,
        run: concat,
        shallow: true,
        doc: "The items of two lists, in one list.",
        example: (r#"concat(["a"], ["b", "c"])"#, r#"["a", "b", "c"]"#),
    },
    Function {
        name: "join",
        signature: "join(separator, list)",
        arity: 2,
        run: join,
        shallow: false,
        doc: "The strings of a list, with `separator` between them.",
        example: (r#"join(",", ["a", "b"])"#, r#""a,b""#),
    },
    Function {
        name: "lookup",
        signature: "lookup(map, key, default)",
        arity: 3,
        run: lookup,
        shallow: true,
        doc: "The value of `key` in a map, or `default` when it has none.",
        example: (
            r#"lookup({ small = "t4g.small" }, "large", "m6g.large")"#,
            r#""m6g.large""#,
        ),
    },
    Function {
        name: "element",
        signature: "element(list, index)",
        arity: 2,
        run: element,
        shallow: true,
        doc: "The item at `index` of a list, wrapping around past its end.",
        example: (r#"element(["a", "b"], 3)"#, r#""b""#),
    },
    Function {
        name: "lower",
        signature: "lower(string)",
        arity: 1,
        run: |a, _| string_arg(a, 0).map(|s| Value::String(s.to_lowercase())),
        shallow: false,
        doc: "The string in lower case.",
        example: (r#"lower("VLE")"#, r#""vle""#),
    },
    Function {
        name: "upper",
        signature: "upper(string)",
        arity: 1,
        run: |a, _| string_arg(a, 0).map(|s| Value::String(s.to_uppercase())),
        shallow: false,
        doc: "The string in upper case.",
        example: (r#"upper("vle")"#, r#""VLE""#),
    },
];

pub fn names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.iter().map(|f| f.name)
}

/// What `mdl docs functions` prints: each function with its signature,
/// what it does and an example.
pub fn docs() -> String {
    let mut out = String::from("Functions, called in any expression: `NAME(ARG, ...)`.\n\n");
    for f in FUNCTIONS {
        out.push_str(&format!(
            "{}\n    {}\n    {}  =>  {}\n\n",
            f.signature, f.doc, f.example.0, f.example.1
        ));
    }
    out
}

pub(super) fn call(
    name: &Ident,
    args: &[Expr],
    values: Vec<Value>,
    span: Span,
    diags: &mut Vec<Diagnostic>,
) -> Value {
    let Some(f) = FUNCTIONS.iter().find(|f| f.name == name.name) else {
        let mut d = Diagnostic::error(
            "lang::unknown_function",
            format!("unknown function `{}`", name.name),
            name.span,
            "no such function",
        );
        d = match suggest(&name.name, names()) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!(
                "the functions are: {}",
                names().collect::<Vec<_>>().join(", ")
            )),
        };
        diags.push(d);
        return Value::Null;
    };
    if values.len() != f.arity {
        diags.push(
            Diagnostic::error(
                "lang::wrong_argument_count",
                format!(
                    "`{}` takes {} arguments, got {}",
                    f.name,
                    f.arity,
                    values.len()
                ),
                span,
                "wrong number of arguments",
            )
            .with_help(format!("usage: {}", f.signature)),
        );
        return Value::Null;
    }
    let unknown = if f.shallow {
        values.iter().any(Value::is_unknown)
    } else {
        values.iter().any(Value::has_unknown)
    };
    if unknown {
        return Value::Unknown;
    }
    match (f.run)(&values, args) {
        Ok(v) => v,
        Err((arg, msg)) => {
            diags.push(
                Diagnostic::error(
                    "lang::invalid_argument",
                    format!("`{}`: {msg}", f.name),
                    args.get(arg).map_or(span, |a| a.span),
                    msg,
                )
                .with_help(format!("usage: {}", f.signature)),
            );
            Value::Null
        }
    }
}

fn string_arg(args: &[Value], i: usize) -> Result<&str, (usize, String)> {
    args[i].as_str().ok_or_else(|| {
        (
            i,
            format!(
                "argument {} must be a string, not a {}",
                i + 1,
                args[i].type_name()
            ),
        )
    })
}

fn int_arg(args: &[Value], i: usize) -> Result<i64, (usize, String)> {
    args[i].as_i64().ok_or_else(|| {
        (
            i,
            format!("argument {} must be a whole number, not {}", i + 1, args[i]),
        )
    })
}

fn list_arg(args: &[Value], i: usize) -> Result<&[Value], (usize, String)> {
    args[i].as_list().ok_or_else(|| {
        (
            i,
            format!(
                "argument {} must be a list, not a {}",
                i + 1,
                args[i].type_name()
            ),
        )
    })
}

/// Parse `a.b.c.d/n`.
pub fn parse_cidr(s: &str) -> Option<(u32, u32)> {
    let (ip, len) = s.split_once('/')?;
    let ip: Ipv4Addr = ip.parse().ok()?;
    let len: u32 = len.parse().ok()?;
    if len > 32 {
        return None;
    }
    Some((u32::from(ip), len))
}

fn mask(len: u32) -> u32 {
    if len == 0 { 0 } else { u32::MAX << (32 - len) }
}

fn cidrsubnet(args: &[Value], _: &[Expr]) -> Result<Value, (usize, String)> {
    let prefix = string_arg(args, 0)?;
    let (ip, len) =
        parse_cidr(prefix).ok_or((0, format!("`{prefix}` is not an IPv4 CIDR block")))?;
    let newbits = int_arg(args, 1)?;
    let netnum = int_arg(args, 2)?;
    // Compared without adding: `newbits` may be as large as a number
    // holds, and the sum would overflow.
    if newbits < 0 || newbits > i64::from(32 - len) {
        return Err((
            1,
            format!("/{len} with {newbits} more bits is not a network (at most /32)"),
        ));
    }
    let new_len = len + newbits as u32;
    if netnum < 0 || (newbits < 63 && netnum >= (1i64 << newbits)) {
        return Err((
            2,
            format!("network number {netnum} does not fit in {newbits} bits"),
        ));
    }
    let base = ip & mask(len);
    let shift = 32 - new_len;
    let net = base | ((netnum as u32).checked_shl(shift).unwrap_or(0));
    Ok(Value::String(format!("{}/{new_len}", Ipv4Addr::from(net))))
}

fn cidrhost(args: &[Value], _: &[Expr]) -> Result<Value, (usize, String)> {
    let prefix = string_arg(args, 0)?;
    let (ip, len) =
        parse_cidr(prefix).ok_or((0, format!("`{prefix}` is not an IPv4 CIDR block")))?;
    let host = int_arg(args, 1)?;
    let size = 1i64 << (32 - len);
    if host < 0 || host >= size {
        return Err((1, format!("host number {host} does not fit in /{len}")));
    }
    Ok(Value::String(
        Ipv4Addr::from((ip & mask(len)) + host as u32).to_string(),
    ))
}

fn length(args: &[Value], _: &[Expr]) -> Result<Value, (usize, String)> {
    match &args[0] {
        Value::List(l) => Ok(Value::Number(l.len() as f64)),
        Value::Map(m) => Ok(Value::Number(m.len() as f64)),
        Value::String(s) => Ok(Value::Number(s.chars().count() as f64)),
        v => Err((0, format!("cannot take the length of a {}", v.type_name()))),
    }
}

fn concat(args: &[Value], _: &[Expr]) -> Result<Value, (usize, String)> {
    let mut out = list_arg(args, 0)?.to_vec();
    out.extend_from_slice(list_arg(args, 1)?);
    Ok(Value::List(out))
}

fn join(args: &[Value], _: &[Expr]) -> Result<Value, (usize, String)> {
    let sep = string_arg(args, 0)?;
    let parts: Result<Vec<String>, _> = list_arg(args, 1)?
        .iter()
        .map(|v| match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(_) | Value::Bool(_) => Ok(v.to_string()),
            other => Err((1, format!("cannot join a {}", other.type_name()))),
        })
        .collect();
    Ok(Value::String(parts?.join(sep)))
}

fn lookup(args: &[Value], _: &[Expr]) -> Result<Value, (usize, String)> {
    let map = args[0].as_map().ok_or((
        0,
        format!("argument 1 must be a map, not a {}", args[0].type_name()),
    ))?;
    let key = string_arg(args, 1)?;
    Ok(map.get(key).cloned().unwrap_or_else(|| args[2].clone()))
}

fn element(args: &[Value], _: &[Expr]) -> Result<Value, (usize, String)> {
    let list = list_arg(args, 0)?;
    let i = int_arg(args, 1)?;
    if list.is_empty() {
        return Err((0, "the list is empty".to_string()));
    }
    // Like Terraform's element(): the index wraps around.
    Ok(list[(i.rem_euclid(list.len() as i64)) as usize].clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_gives_what_the_docs_say() {
        let kinds: &'static crate::schema::Kinds =
            Box::leak(Box::new(crate::schema::Kinds::new(Vec::new())));
        for f in FUNCTIONS {
            let mut sources = crate::diagnostics::SourceMap::new();
            let id = sources.add("x", None, format!("output x = {}\n", f.example.0));
            let (config, mut diags) = crate::lang::load_source(&mut sources, id, "t", &[], kinds);
            let value = crate::lang::Evaluator::new(&config, &crate::lang::NoComputed)
                .eval(&config.outputs["x"].value, &mut diags);
            assert!(diags.is_empty(), "{}: {diags:?}", f.name);
            assert_eq!(value.to_string(), f.example.1, "{}", f.example.0);
        }
    }

    fn run(f: FunctionBody, args: Vec<Value>) -> Result<Value, (usize, String)> {
        f(&args, &[])
    }

    macro_rules! cidr_cases {
        ($($name:ident: $prefix:expr, $bits:expr, $num:expr => $want:expr;)*) => {$(
            #[test]
            fn $name() {
                let got = run(cidrsubnet, vec![Value::str($prefix), Value::Number($bits as f64), Value::Number($num as f64)]);
                assert_eq!(got.map(|v| v.to_string()).map_err(|e| e.1), $want.map(|s: &str| format!("\"{s}\"")).map_err(|e: &str| e.to_string()));
            }
        )*};
    }

    cidr_cases! {
        subnet_first: "10.0.0.0/16", 8, 0 => Ok("10.0.0.0/24");
        subnet_200: "10.0.0.0/16", 8, 200 => Ok("10.0.200.0/24");
        subnet_22: "10.0.0.0/16", 6, 2 => Ok("10.0.8.0/22");
        subnet_host_bits_ignored: "10.0.5.7/16", 8, 1 => Ok("10.0.1.0/24");
        subnet_too_many_bits: "10.0.0.0/16", 17, 0 => Err("/16 with 17 more bits is not a network (at most /32)");
        subnet_whole_range: "0.0.0.0/0", 32, 4294967295u64 => Ok("255.255.255.255/32");
        subnet_no_new_bits: "10.0.0.0/16", 0, 0 => Ok("10.0.0.0/16");
        subnet_no_new_bits_one_net: "10.0.0.0/16", 0, 1 => Err("network number 1 does not fit in 0 bits");
        subnet_negative_bits: "10.0.0.0/16", -1, 0 => Err("/16 with -1 more bits is not a network (at most /32)");
        subnet_negative_netnum: "10.0.0.0/16", 8, -1 => Err("network number -1 does not fit in 8 bits");
        subnet_huge_bits_no_overflow: "10.0.0.0/16", 4503599627370496u64, 0 => Err("/16 with 4503599627370496 more bits is not a network (at most /32)");
        subnet_netnum_too_big: "10.0.0.0/16", 2, 4 => Err("network number 4 does not fit in 2 bits");
        subnet_bad_prefix: "10.0.0/16", 8, 0 => Err("`10.0.0/16` is not an IPv4 CIDR block");
    }

    #[test]
    fn cidrhost_picks_the_host() {
        assert_eq!(
            run(
                cidrhost,
                vec![Value::str("10.0.1.0/24"), Value::Number(5.0)]
            ),
            Ok(Value::str("10.0.1.5"))
        );
        assert!(
            run(
                cidrhost,
                vec![Value::str("10.0.1.0/24"), Value::Number(256.0)]
            )
            .is_err()
        );
    }

    /// Numbers past 2^53 are not exact: no function takes them as whole
    /// numbers (the panic `cidrsubnet("10.0.0.0/16", 9223372036854775807, 0)`
    /// gave, and an index that wraps wrongly).
    #[test]
    fn inexact_whole_numbers_are_refused_by_every_function() {
        let huge = Value::Number(9_223_372_036_854_775_807.0);
        let msg = |r: Result<Value, (usize, String)>| r.unwrap_err();
        assert_eq!(
            msg(run(
                cidrsubnet,
                vec![Value::str("10.0.0.0/16"), huge.clone(), Value::Number(0.0)]
            ))
            .0,
            1
        );
        assert_eq!(
            msg(run(
                cidrsubnet,
                vec![Value::str("10.0.0.0/16"), Value::Number(8.0), huge.clone()]
            ))
            .0,
            2
        );
        assert_eq!(
            msg(run(cidrhost, vec![Value::str("10.0.0.0/16"), huge.clone()])).0,
            1
        );
        let list = Value::List(vec![Value::str("a")]);
        assert_eq!(msg(run(element, vec![list, huge])).0, 1);
        assert_eq!(
            run(
                cidrhost,
                vec![Value::str("0.0.0.0/0"), Value::Number(4_294_967_295.0)]
            ),
            Ok(Value::str("255.255.255.255"))
        );
    }

    #[test]
    fn element_wraps() {
        let list = Value::List(vec![Value::str("a"), Value::str("b")]);
        assert_eq!(
            run(element, vec![list, Value::Number(3.0)]),
            Ok(Value::str("b"))
        );
    }
}
