//! Loading: the root file and its modules read, params resolved,
//! evaluated, checked and graphed, with every diagnostic returned.

use std::path::PathBuf;

use super::identity;
use super::{Failed, command_line_diag, mask_param};
use crate::diagnostics::{Diagnostic, SourceMap, Span};
use crate::graph::Graph;
use crate::lang::{Config, ParamValue};

/// A checked configuration and its graph.
pub struct Loaded {
    pub sources: SourceMap,
    pub config: Config,
    pub graph: Graph,
    /// The stack: its name (also `config.stack`), backend and declaration.
    pub identity: identity::Identity,
}

/// What to load: the root file, the params given for it, and the stack's
/// name and backend when the caller names them.
#[derive(Clone, Debug, Default)]
pub struct Source {
    pub file: PathBuf,
    /// `NAME=VALUE`, as `-p` takes them.
    pub params: Vec<String>,
    pub params_file: Option<PathBuf>,
    pub stack: Option<String>,
    pub backend: Option<String>,
}

/// Load, evaluate, check and graph a file. `Ok` carries the warnings;
/// `Err` every diagnostic, at least one an error. Nothing is printed.
///
/// # Errors
/// The diagnostics, with the sources they point into.
pub fn load(args: &Source) -> Result<(Loaded, Vec<Diagnostic>), Failed> {
    let mut sources = SourceMap::new();
    let mut diags: Vec<Diagnostic> = Vec::new();
    let params = match param_values(&mut sources, args) {
        Ok(p) => p,
        Err(d) => return Err(Failed::new(sources, vec![d])),
    };
    let (config, load_diags) = match crate::lang::load_file(
        &mut sources,
        &args.file,
        &identity::default_name(&args.file),
        &params,
        crate::kinds::schemas(),
    ) {
        Ok(x) => x,
        Err(e) => {
            let d = command_line_diag(
                &mut sources,
                "load::unreadable_file",
                format!("cannot read `{}`: {e}", args.file.display()),
                "this file",
                "check the path; `mdl validate FILE` takes a .moodle file",
            );
            return Err(Failed::new(sources, vec![d]));
        }
    };
    diags.extend(load_diags);
    let mut config = config;
    let identity = match identity::resolve(
        &mut sources,
        &args.file,
        config.identity.clone(),
        args.stack.as_deref(),
        args.backend.as_deref(),
    ) {
        Ok(i) => i,
        Err(d) => {
            diags.push(d);
            return Err(Failed::new(sources, diags));
        }
    };
    config.stack = identity.stack.clone();
    diags.extend(crate::check::check(&config));
    let graph = Graph::build(&config);
    diags.extend(graph.cycles());
    let diags = crate::check::one_report(&config, diags);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(Failed {
            checked: true,
            ..Failed::new(sources, diags)
        });
    }
    Ok((
        Loaded {
            sources,
            config,
            graph,
            identity,
        },
        diags,
    ))
}

/// The prefix of environment variables that set params:
/// `MDL_PARAM_web_min=3` is `-p web_min=3`.
pub const ENV_PREFIX: &str = "MDL_PARAM_";

/// Params from `MDL_PARAM_<name>` environment variables, `--params-file`
/// and `-p` flags, each overriding the one before; each gets a span in a
/// synthetic source so that diagnostics can point at it.
fn param_values(sources: &mut SourceMap, args: &Source) -> Result<Vec<ParamValue>, Diagnostic> {
    let mut out = Vec::new();
    let mut env: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| {
            let name = k.to_str()?.strip_prefix(ENV_PREFIX)?.to_string();
            Some((name, v.to_string_lossy().to_string()))
        })
        .filter(|(name, _)| !name.is_empty())
        .collect();
    env.sort();
    if !env.is_empty() {
        // Quoted with values masked: any may be a secret.
        let lines: Vec<String> = env
            .iter()
            .map(|(k, v)| format!("{ENV_PREFIX}{}", mask_param(&format!("{k}={v}"))))
            .collect();
        let id = sources.add("<environment>", None, lines.join("\n"));
        let mut offset = 0;
        for ((name, value), line) in env.iter().zip(&lines) {
            out.push(ParamValue::text(
                name,
                value,
                Span::new(id, offset, offset + line.len()),
            ));
            offset += line.len() + 1;
        }
    }
    if let Some(path) = &args.params_file {
        let text = crate::lang::files::read_given(path).map_err(|e| {
            command_line_diag(
                sources,
                "load::unreadable_file",
                format!("cannot read params file `{}`: {e}", path.display()),
                "given here",
                "check the path of --params-file",
            )
        })?;
        // Diagnostics quote the file with its string values masked: they
        // may be secrets. Offsets are kept, so spans still point right.
        let id = sources.add(path.display().to_string(), Some(path), masked_json(&text));
        let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            let at = offset_of(&text, e.line(), e.column());
            let what = match e.classify() {
                serde_json::error::Category::Eof => "it ends too soon",
                serde_json::error::Category::Syntax => "a syntax error",
                serde_json::error::Category::Data | serde_json::error::Category::Io => {
                    "not readable"
                }
            };
            Diagnostic::error(
                "load::invalid_params_file",
                format!(
                    "params file is not valid JSON: {what} at line {}, column {}",
                    e.line(),
                    e.column()
                ),
                Span::new(id, at, at),
                "here",
            )
            .with_help(if path.extension().is_some_and(|e| e == "tfvars") {
                "mdl reads tfvars as JSON (terraform.tfvars.json): {\"name\": \"value\", \"azs\": [\"a\", \"b\"]}"
            } else {
                "write an object: {\"name\": \"value\", \"azs\": [\"a\", \"b\"]}"
            })
        })?;
        let Some(obj) = json.as_object() else {
            let start = text.len() - text.trim_start().len();
            return Err(Diagnostic::error(
                "load::invalid_params_file",
                "params file must hold a JSON object",
                Span::new(id, start, start),
                "not an object",
            )
            .with_help("write an object: {\"name\": \"value\"}"));
        };
        for (k, v) in obj {
            let at = text.find(&format!("\"{k}\"")).unwrap_or(0);
            out.push(ParamValue::json(
                k,
                v.clone(),
                Span::new(id, at, at + k.len() + 2),
            ));
        }
    }
    if !args.params.is_empty() {
        // Quoted with values masked: any may be a secret.
        let shown: Vec<String> = args.params.iter().map(|p| mask_param(p)).collect();
        let text = shown
            .iter()
            .map(|p| format!("-p {p}"))
            .collect::<Vec<_>>()
            .join(" ");
        let id = sources.add("<command line>", None, text.clone());
        let mut offset = 0;
        for (p, shown) in args.params.iter().zip(&shown) {
            let start = offset + 3;
            let end = start + shown.len();
            offset = end + 1;
            let Some((name, value)) = p.split_once('=') else {
                return Err(Diagnostic::error(
                    "load::invalid_param",
                    format!("`{p}` is not NAME=VALUE"),
                    Span::new(id, start, end),
                    "missing `=`",
                )
                .with_help("write -p name=value"));
            };
            out.push(ParamValue::text(
                name.trim(),
                value,
                Span::new(id, start, end),
            ));
        }
    }
    Ok(out)
}

/// The byte offset of a 1-based line and column (serde_json's), clamped to
/// the text.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let mut at = (start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// JSON text with the contents of every string that is not a key replaced
/// by `*`, byte for byte: the same offsets, no values.
fn masked_json(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut end = start;
        while end < bytes.len() && bytes[end] != b'"' {
            end += if bytes[end] == b'\\' { 2 } else { 1 };
        }
        let end = end.min(bytes.len());
        let after = bytes[(end + 1).min(bytes.len())..]
            .iter()
            .find(|b| !b.is_ascii_whitespace());
        if after != Some(&b':') {
            for b in &mut out[start..end] {
                if *b != b'\n' {
                    *b = b'*';
                }
            }
        }
        i = end + 1;
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{masked_json, offset_of};

    #[test]
    fn params_files_are_quoted_without_their_values() {
        let text = "{\n  \"db_password\": \"hunter2\u{00e9}\\\"x\",\n  \"azs\": [\"a\", \"b\"], \"n\": 3\n}";
        let masked = masked_json(text);
        assert_eq!(masked.len(), text.len());
        assert!(masked.contains("\"db_password\": \"*********"), "{masked}");
        assert!(!masked.contains("hunter2"), "{masked}");
        assert!(masked.contains("\"azs\": [\"*\", \"*\"]"), "{masked}");
        // Unfinished strings and odd bytes do not break it.
        let cut = "{\"a\": \"sec";
        assert_eq!(masked_json(cut), "{\"a\": \"***");
        assert_eq!(offset_of("ab\ncd", 2, 2), 4);
        assert_eq!(offset_of("ab", 9, 9), 2);
    }
}
