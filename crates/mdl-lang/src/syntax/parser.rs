//! The pest parser and the lowering of pest pairs into the AST.
//!
//! Parsing never fails as a whole: the file is parsed one top-level item at
//! a time, and after a broken item the parser resynchronises at the next line
//! that starts at column 0, so several errors are reported in one run.
//! This is the only module that imports `pest`.

use pest::Parser as _;
use pest::iterators::Pair;

use super::ast::*;
use crate::diagnostics::{Diagnostic, SourceId, Span};

#[derive(pest_derive::Parser)]
#[grammar = "grammar/moodle.pest"]
struct MoodleParser;

/// Deepest nesting of brackets accepted before parsing; deeper input gets a
/// diagnostic rather than a stack overflow in the recursive-descent parser.
pub const MAX_NESTING: usize = 64;

/// The most operands one chain of operators (`a + b + ...`) may have, and
/// the most `!` before one operand: each is a level of recursion later.
pub const MAX_CHAIN: usize = 256;

/// The largest file mdl reads: far beyond any estate (10,000 resources
/// take about 2 MiB).
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// Parse a whole file.
///
/// # Errors
/// Never fails; syntax errors are returned as diagnostics beside the items
/// that did parse.
pub fn parse(source: SourceId, text: &str) -> (File, Vec<Diagnostic>) {
    if let Some(d) = too_large(source, text) {
        return (File::default(), vec![d]);
    }
    // One pass over the whole file finds the first bracket nested too
    // deep; the item holding it is reported instead of parsed.
    let too_deep = check_nesting(source, text, 0);
    if too_deep.is_none()
        && let Some(items) = super::fast::parse(source, text)
    {
        return (File { items }, Vec::new());
    }
    parse_with_pest(source, text, too_deep)
}

/// The pest parser alone, without the fast path: the reference that
/// `syntax::fast` is checked against, and what reports syntax errors.
pub fn parse_reference(source: SourceId, text: &str) -> (File, Vec<Diagnostic>) {
    if let Some(d) = too_large(source, text) {
        return (File::default(), vec![d]);
    }
    parse_with_pest(source, text, check_nesting(source, text, 0))
}

fn too_large(source: SourceId, text: &str) -> Option<Diagnostic> {
    (text.len() > MAX_FILE_BYTES).then(|| {
        Diagnostic::error(
            "parse::file_too_large",
            format!(
                "the file is {} MiB; mdl reads files up to {} MiB",
                text.len() / (1024 * 1024),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
            Span::new(source, 0, 0),
            "this file",
        )
        .with_help("split the estate into modules (`use \"./part.moodle\"`)")
    })
}

/// The items one at a time; after a broken one, on from the next line
/// that starts at column 0. `too_deep`: where nesting first goes too deep.
fn parse_with_pest(
    source: SourceId,
    text: &str,
    too_deep: Option<(usize, Diagnostic)>,
) -> (File, Vec<Diagnostic>) {
    let mut file = File::default();
    let mut diags = Vec::new();
    let mut pos = skip_trivia(text, 0);
    while pos < text.len() {
        if let Some((at, d)) = &too_deep
            && *at < resync(text, pos)
        {
            diags.push(d.clone());
            break;
        }
        match MoodleParser::parse(Rule::item, &text[pos..]) {
            Ok(mut pairs) => {
                let Some(item_pair) = pairs.next() else {
                    break;
                };
                let consumed = item_pair.as_span().end();
                let lower = Lower {
                    source,
                    base: pos,
                    too_long: std::cell::Cell::new(None),
                    inexact: std::cell::Cell::new(None),
                };
                if let Some(inner) = item_pair.into_inner().next() {
                    let item = lower.item(inner);
                    match (lower.too_long.take(), lower.inexact.take()) {
                        (None, None) => file.items.push(item),
                        (None, Some(span)) => diags.push(
                            Diagnostic::error(
                                "parse::inexact_number",
                                "this number cannot be held exactly",
                                span,
                                "it would change",
                            )
                            .with_help(
                                "whole numbers are exact up to 9007199254740992 (2^53), others to about 15 significant digits; write a long id as a string: \"123456789012345678901\"",
                            ),
                        ),
                        (Some(span), _) => diags.push(
                            Diagnostic::error(
                                "parse::expression_too_long",
                                format!(
                                    "an expression with more than {MAX_CHAIN} operands in a row"
                                ),
                                span,
                                "this expression",
                            )
                            .with_help("split it into several params or attributes"),
                        ),
                    }
                }
                pos = skip_trivia(text, pos + consumed.max(1));
            }
            Err(err) => {
                diags.push(
                    super::terraform::hint(source, text, pos)
                        .unwrap_or_else(|| convert_error(source, text, pos, &err)),
                );
                pos = resync(text, pos);
            }
        }
    }
    (file, diags)
}

/// Skip whitespace and comments from `pos`.
fn skip_trivia(text: &str, mut pos: usize) -> usize {
    let bytes = text.as_bytes();
    loop {
        while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if text[pos..].starts_with('#') || text[pos..].starts_with("//") {
            pos = text[pos..].find('\n').map_or(text.len(), |n| pos + n);
        } else if text[pos..].starts_with("/*") {
            pos = text[pos + 2..]
                .find("*/")
                .map_or(text.len(), |n| pos + 2 + n + 2);
        } else {
            return pos;
        }
    }
}

/// The next line after `pos` that starts at column 0 with a letter: the
/// likely start of the next top-level item.
fn resync(text: &str, pos: usize) -> usize {
    let mut offset = pos;
    while let Some(n) = text[offset..].find('\n') {
        offset += n + 1;
        if text[offset..].starts_with(|c: char| c.is_ascii_alphabetic()) {
            return offset;
        }
    }
    text.len()
}

/// Find pathologically deep nesting before the recursive parser sees it:
/// brackets, string interpolations (`"${ "${ ... }" }"`), and conditionals
/// (`a ? b : c ? ...`, counted per top-level item).
fn check_nesting(source: SourceId, text: &str, pos: usize) -> Option<(usize, Diagnostic)> {
    #[derive(Clone, Copy, PartialEq)]
    enum Ctx {
        Bracket,
        Str,
        Interp,
    }
    let too_deep = |i: usize, what: &str| {
        Some((
            i,
            Diagnostic::error(
                "parse::nesting_too_deep",
                format!("{what} nested deeper than {MAX_NESTING} levels"),
                Span::new(source, i, i + 1),
                "this is too deep",
            )
            .with_help("flatten the expression into several attributes or params"),
        ))
    };
    let mut stack: Vec<Ctx> = Vec::new();
    let mut conditionals = 0usize;
    let bytes = text.as_bytes();
    let mut i = pos;
    while i < bytes.len() {
        let b = bytes[i];
        let in_string = stack.last() == Some(&Ctx::Str);
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' | b'\n' => {
                    stack.pop();
                }
                b'$' if bytes.get(i + 1) == Some(&b'{') => {
                    stack.push(Ctx::Interp);
                    i += 1;
                    if stack.len() > MAX_NESTING {
                        return too_deep(i, "brackets and interpolations");
                    }
                }
                _ => {}
            }
        } else {
            match b {
                b'"' => stack.push(Ctx::Str),
                b'#' => {
                    i = text[i..].find('\n').map_or(text.len(), |n| i + n);
                    continue;
                }
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    i = text[i..].find('\n').map_or(text.len(), |n| i + n);
                    continue;
                }
                b'/' if bytes.get(i + 1) == Some(&b'*') => {
                    i = text[i + 2..]
                        .find("*/")
                        .map_or(text.len(), |n| i + 2 + n + 2);
                    continue;
                }
                b'{' | b'[' | b'(' => {
                    stack.push(Ctx::Bracket);
                    if stack.len() > MAX_NESTING {
                        return too_deep(i, "brackets and interpolations");
                    }
                }
                b'}' | b']' | b')' => {
                    // A `}` closing an interpolation returns to its string.
                    stack.pop();
                }
                b'?' => {
                    conditionals += 1;
                    if conditionals > MAX_NESTING {
                        return too_deep(i, "conditionals (`? :`)");
                    }
                }
                b'\n'
                    if stack.is_empty()
                        && bytes.get(i + 1).is_some_and(u8::is_ascii_alphabetic) =>
                {
                    // The start of the next top-level item.
                    conditionals = 0;
                }
                _ => {}
            }
        }
        i += 1;
    }
    None
}

fn convert_error(
    source: SourceId,
    text: &str,
    base: usize,
    err: &pest::error::Error<Rule>,
) -> Diagnostic {
    let at = base
        + match err.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((s, _)) => s,
        };
    let rest = &text[at..];
    let found = describe_found(rest);
    let expected = match &err.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => describe_expected(positives),
        pest::error::ErrorVariant::CustomError { message } => message.clone(),
    };
    // An unterminated string: the error sits on a newline or the end of file
    // while a string is open on that line.
    if let Some(open) = open_string_before(text, base, at) {
        return Diagnostic::error(
            "parse::unterminated_string",
            "unterminated string",
            Span::new(source, open, at),
            "this string is never closed",
        )
        .with_help("add a closing `\"` before the end of the line");
    }
    // An unclosed block: the error is at the end of input or at a new
    // top-level item while a brace of this item is still open.
    let at_top = rest.is_empty()
        || (is_line_start(text, at) && rest.starts_with(|c: char| c.is_ascii_alphabetic()));
    if at_top && let Some(brace) = unclosed_brace(text, base, at) {
        return Diagnostic::error(
            "parse::unclosed_block",
            "unclosed block",
            Span::new(source, brace, brace + 1),
            "this `{` is never closed",
        )
        .with_label(
            Span::new(source, at, (at + 1).min(text.len())),
            "expected `}` before this",
        )
        .with_help("add the missing `}`");
    }
    let end = at + found.1.max(if rest.is_empty() { 0 } else { 1 });
    Diagnostic::error(
        "parse::unexpected_token",
        format!("expected {expected}, found {}", found.0),
        Span::new(source, at, end.min(text.len())),
        format!("expected {expected}"),
    )
    .with_help(help_for(&expected))
}

fn help_for(expected: &str) -> &'static str {
    if expected.contains("`=`") {
        "attributes are written `name = value`; nested blocks `name { ... }` (`mdl docs language`)"
    } else if expected.contains("a block") {
        "top-level items are `param NAME = ...`, `output NAME = ...` or `KIND NAME { ... }`; `mdl docs language` shows them"
    } else {
        "`mdl docs language` describes the syntax"
    }
}

fn is_line_start(text: &str, at: usize) -> bool {
    at == 0 || text.as_bytes()[at - 1] == b'\n'
}

fn open_string_before(text: &str, base: usize, at: usize) -> Option<usize> {
    if at < text.len() && text.as_bytes()[at] != b'\n' {
        return None;
    }
    let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1).max(base);
    let line = &text[line_start..at];
    let mut open = None;
    let mut chars = line.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' => {
                open = if open.is_some() {
                    None
                } else {
                    Some(line_start + i)
                }
            }
            '#' if open.is_none() => break,
            _ => {}
        }
    }
    open
}

fn unclosed_brace(text: &str, base: usize, at: usize) -> Option<usize> {
    let mut stack = Vec::new();
    let mut in_string = false;
    let bytes = text.as_bytes();
    let mut i = base;
    while i < at {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' | b'\n' => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'#' => {
                    while i < at && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                b'{' => stack.push(i),
                b'}' => {
                    stack.pop();
                }
                _ => {}
            }
        }
        i += 1;
    }
    stack.pop()
}

fn describe_found(rest: &str) -> (String, usize) {
    let Some(c) = rest.chars().next() else {
        return ("end of file".to_string(), 0);
    };
    if c == '\n' || c == '\r' {
        return ("end of line".to_string(), 0);
    }
    if c.is_ascii_alphanumeric() || c == '_' {
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        let len = word.len();
        return (format!("`{word}`"), len);
    }
    (format!("`{c}`"), c.len_utf8())
}

fn describe_expected(rules: &[Rule]) -> String {
    let mut names: Vec<&'static str> = rules.iter().map(|r| rule_name(*r)).collect();
    names.sort_unstable();
    names.dedup();
    match names.as_slice() {
        [] => "something else".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn rule_name(rule: Rule) -> &'static str {
    match rule {
        Rule::ident | Rule::path => "a name",
        Rule::item
        | Rule::block
        | Rule::param_decl
        | Rule::output_decl
        | Rule::use_decl
        | Rule::param_body => "a block, `param` or `output`",
        Rule::attribute | Rule::nested | Rule::body => "an attribute or nested block",
        Rule::expr
        | Rule::or_expr
        | Rule::and_expr
        | Rule::cmp_expr
        | Rule::add_expr
        | Rule::mul_expr
        | Rule::unary
        | Rule::postfix
        | Rule::number
        | Rule::string
        | Rule::list
        | Rule::map
        | Rule::call
        | Rule::keyword_lit
        | Rule::keyword
        | Rule::not_op => "an expression",
        Rule::type_expr | Rule::type_name => {
            "a type (`string`, `number`, `bool`, `list(T)`, `map(T)`, `any`)"
        }
        Rule::map_entry | Rule::map_key => "a map key",
        Rule::cmp_op | Rule::add_op | Rule::mul_op => "an operator",
        Rule::index => "`[`",
        Rule::field => "`.`",
        Rule::interp | Rule::escape | Rule::text => "string contents",
        _ => "something else",
    }
}

/// A lowering context: the source and the byte offset of the item being
/// lowered (pest sees each item as its own input).
struct Lower {
    source: SourceId,
    base: usize,
    /// Set to the first chain of operators longer than `MAX_CHAIN`; the
    /// rest of that chain is not lowered.
    too_long: std::cell::Cell<Option<Span>>,
    /// Set to the first number that cannot be held exactly.
    inexact: std::cell::Cell<Option<Span>>,
}

/// The value of a number literal, if a number holds it exactly: its
/// shortest decimal form is the literal (leading zeros and trailing
/// fractional zeros aside). `1e400` digits and
/// `123456789012345678901234567890` are not: they would become `inf` or
/// lose digits.
pub fn exact_number(text: &str) -> Option<f64> {
    let n: f64 = text.parse().ok()?;
    if !n.is_finite() {
        return None;
    }
    let canonical = |t: &str| -> String {
        let (sign, digits) = t.strip_prefix('-').map_or(("", t), |d| ("-", d));
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let int = int.trim_start_matches('0');
        let frac = frac.trim_end_matches('0');
        let int = if int.is_empty() { "0" } else { int };
        if frac.is_empty() {
            format!("{sign}{int}")
        } else {
            format!("{sign}{int}.{frac}")
        }
    };
    (canonical(text) == canonical(&format!("{n}"))).then_some(n)
}

/// A mismatch between the grammar and this lowering code is a bug in mdl,
/// never a user error.
fn unexpected_rule(rule: Rule) -> ! {
    unreachable!("grammar and lowering disagree: unexpected rule {rule:?}")
}

impl Lower {
    fn chain_too_long(&self, span: Span) {
        if self.too_long.get().is_none() {
            self.too_long.set(Some(span));
        }
    }

    /// The span of a pair without the whitespace and comments pest's
    /// implicit whitespace rule may have consumed after it.
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        let text = s.as_str();
        // A comment can end a pair's text without whitespace after it: at
        // the end of the file.
        let end = if text.ends_with(|c: char| c.is_ascii_whitespace())
            || text.contains("/*")
            || text.contains('#')
            || text.contains("//")
        {
            significant_len(text)
        } else {
            text.len()
        };
        Span::new(
            self.source,
            self.base + s.start(),
            self.base + s.start() + end,
        )
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    fn item(&self, pair: Pair<'_, Rule>) -> Item {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::param_decl => {
                let mut inner = pair.into_inner();
                let name = self.ident(
                    inner
                        .next()
                        .unwrap_or_else(|| unexpected_rule(Rule::param_decl)),
                );
                let mut ty = None;
                let mut default = None;
                let mut body = None;
                for p in inner {
                    match p.as_rule() {
                        Rule::type_expr => ty = Some(self.type_expr(p)),
                        Rule::expr => default = Some(self.expr(p)),
                        Rule::param_body => {
                            body = p.into_inner().next().map(|b| self.body(b));
                        }
                        r => unexpected_rule(r),
                    }
                }
                Item::Param(ParamDecl {
                    name,
                    ty,
                    default,
                    body,
                    span,
                })
            }
            Rule::use_decl => {
                let mut inner = pair.into_inner();
                let path_pair = inner
                    .next()
                    .unwrap_or_else(|| unexpected_rule(Rule::use_decl));
                let path_span = self.span(&path_pair);
                let path_expr = self.expr(path_pair);
                let path = match path_expr.kind {
                    ExprKind::Str(parts) => parts
                        .into_iter()
                        .map(|p| match p {
                            StrPart::Lit(l) => l,
                            StrPart::Interp(_) => String::new(),
                        })
                        .collect(),
                    _ => String::new(),
                };
                let alias = inner.next().map(|p| self.ident(p));
                Item::Use(UseDecl {
                    path,
                    path_span,
                    alias,
                    span,
                })
            }
            Rule::output_decl => {
                let mut inner = pair.into_inner();
                let name = self.ident(
                    inner
                        .next()
                        .unwrap_or_else(|| unexpected_rule(Rule::output_decl)),
                );
                let value = self.expr(
                    inner
                        .next()
                        .unwrap_or_else(|| unexpected_rule(Rule::output_decl)),
                );
                Item::Output(OutputDecl { name, value, span })
            }
            Rule::block => {
                let mut inner = pair.into_inner();
                let kind = self.ident(inner.next().unwrap_or_else(|| unexpected_rule(Rule::block)));
                let mut next = inner.next().unwrap_or_else(|| unexpected_rule(Rule::block));
                let name = if next.as_rule() == Rule::ident {
                    let name = self.ident(next);
                    next = inner.next().unwrap_or_else(|| unexpected_rule(Rule::block));
                    name
                } else {
                    // No name (`moved { }`): an empty one, where it would be.
                    Ident {
                        name: String::new(),
                        span: Span::new(
                            kind.span.source,
                            kind.span.end as usize,
                            kind.span.end as usize,
                        ),
                    }
                };
                let body = self.body(next);
                Item::Block(Block {
                    kind,
                    name,
                    body,
                    span,
                })
            }
            r => unexpected_rule(r),
        }
    }

    fn type_expr(&self, pair: Pair<'_, Rule>) -> TypeExpr {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let name = inner
            .next()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default();
        let inner_ty = inner.next().map(|p| Box::new(self.type_expr(p)));
        TypeExpr {
            name,
            inner: inner_ty,
            span,
        }
    }

    fn body(&self, pair: Pair<'_, Rule>) -> Body {
        let span = self.span(&pair);
        let entries = pair
            .into_inner()
            .map(|p| {
                let span = self.span(&p);
                match p.as_rule() {
                    Rule::attribute => {
                        let mut inner = p.into_inner();
                        let name = self.ident(
                            inner
                                .next()
                                .unwrap_or_else(|| unexpected_rule(Rule::attribute)),
                        );
                        let value = self.expr(
                            inner
                                .next()
                                .unwrap_or_else(|| unexpected_rule(Rule::attribute)),
                        );
                        BodyEntry::Attribute(Attribute { name, value, span })
                    }
                    Rule::nested => {
                        let mut inner = p.into_inner();
                        let name = self.ident(
                            inner
                                .next()
                                .unwrap_or_else(|| unexpected_rule(Rule::nested)),
                        );
                        let body = self.body(
                            inner
                                .next()
                                .unwrap_or_else(|| unexpected_rule(Rule::nested)),
                        );
                        BodyEntry::Nested(Nested { name, body, span })
                    }
                    r => unexpected_rule(r),
                }
            })
            .collect();
        Body { entries, span }
    }

    fn expr(&self, pair: Pair<'_, Rule>) -> Expr {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::expr => {
                let mut inner = pair.into_inner();
                let cond = self.expr(inner.next().unwrap_or_else(|| unexpected_rule(Rule::expr)));
                match (inner.next(), inner.next()) {
                    (Some(a), Some(b)) => Expr {
                        kind: ExprKind::Cond(
                            Box::new(cond),
                            Box::new(self.expr(a)),
                            Box::new(self.expr(b)),
                        ),
                        span,
                    },
                    _ => cond,
                }
            }
            Rule::or_expr | Rule::and_expr => {
                let op = if pair.as_rule() == Rule::or_expr {
                    BinOp::Or
                } else {
                    BinOp::And
                };
                let mut inner = pair.into_inner();
                let mut acc = self.expr(
                    inner
                        .next()
                        .unwrap_or_else(|| unexpected_rule(Rule::or_expr)),
                );
                for rhs in inner {
                    let rhs = self.expr(rhs);
                    let span = acc.span.to(rhs.span);
                    acc = Expr {
                        kind: ExprKind::Binary(op, Box::new(acc), Box::new(rhs)),
                        span,
                    };
                }
                acc
            }
            Rule::cmp_expr | Rule::add_expr | Rule::mul_expr => {
                let rule = pair.as_rule();
                let mut inner = pair.into_inner();
                let mut acc = self.expr(inner.next().unwrap_or_else(|| unexpected_rule(rule)));
                let mut operands = 1;
                while let (Some(op), Some(rhs)) = (inner.next(), inner.next()) {
                    operands += 1;
                    if operands > MAX_CHAIN {
                        self.chain_too_long(span);
                        break;
                    }
                    let op =
                        BinOp::from_symbol(op.as_str()).unwrap_or_else(|| unexpected_rule(rule));
                    let rhs = self.expr(rhs);
                    let span = acc.span.to(rhs.span);
                    acc = Expr {
                        kind: ExprKind::Binary(op, Box::new(acc), Box::new(rhs)),
                        span,
                    };
                }
                acc
            }
            Rule::unary => {
                let mut nots = 0;
                let mut operand = None;
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::not_op => nots += 1,
                        _ => operand = Some(self.expr(p)),
                    }
                }
                let mut e = operand.unwrap_or_else(|| unexpected_rule(Rule::unary));
                if nots > MAX_CHAIN {
                    self.chain_too_long(span);
                    nots = 0;
                }
                for _ in 0..nots {
                    e = Expr {
                        kind: ExprKind::Not(Box::new(e)),
                        span,
                    };
                }
                e
            }
            Rule::postfix => {
                let mut inner = pair.into_inner();
                let mut acc = self.expr(
                    inner
                        .next()
                        .unwrap_or_else(|| unexpected_rule(Rule::postfix)),
                );
                for (n, op) in inner.enumerate() {
                    if n + 1 >= MAX_CHAIN {
                        self.chain_too_long(span);
                        break;
                    }
                    let op_span = self.span(&op);
                    let rule = op.as_rule();
                    let operand = op
                        .into_inner()
                        .next()
                        .unwrap_or_else(|| unexpected_rule(rule));
                    let span = acc.span.to(op_span);
                    let kind = if rule == Rule::field {
                        ExprKind::Field(Box::new(acc), self.ident(operand))
                    } else {
                        ExprKind::Index(Box::new(acc), Box::new(self.expr(operand)))
                    };
                    acc = Expr { kind, span };
                }
                acc
            }
            Rule::number => {
                let text = pair.as_str();
                let n = exact_number(text).unwrap_or_else(|| {
                    if self.inexact.get().is_none() {
                        self.inexact.set(Some(span));
                    }
                    0.0
                });
                Expr {
                    kind: ExprKind::Number(n, text.to_string()),
                    span,
                }
            }
            Rule::keyword_lit => Expr {
                kind: match pair.as_str() {
                    "true" => ExprKind::Bool(true),
                    "false" => ExprKind::Bool(false),
                    _ => ExprKind::Null,
                },
                span,
            },
            Rule::string => Expr {
                kind: ExprKind::Str(self.string_parts(pair)),
                span,
            },
            Rule::list => Expr {
                kind: ExprKind::List(pair.into_inner().map(|p| self.expr(p)).collect()),
                span,
            },
            Rule::map => Expr {
                kind: ExprKind::Map(
                    pair.into_inner()
                        .map(|entry| {
                            let mut inner = entry.into_inner();
                            let key_pair = inner
                                .next()
                                .unwrap_or_else(|| unexpected_rule(Rule::map_entry));
                            let key_span = self.span(&key_pair);
                            let key_inner = key_pair
                                .into_inner()
                                .next()
                                .unwrap_or_else(|| unexpected_rule(Rule::map_key));
                            let (key, quoted) = match key_inner.as_rule() {
                                Rule::ident => (key_inner.as_str().to_string(), false),
                                Rule::string => (plain_string(&self.string_parts(key_inner)), true),
                                r => unexpected_rule(r),
                            };
                            let value = self.expr(
                                inner
                                    .next()
                                    .unwrap_or_else(|| unexpected_rule(Rule::map_entry)),
                            );
                            MapEntry {
                                key,
                                quoted,
                                key_span,
                                value,
                            }
                        })
                        .collect(),
                ),
                span,
            },
            Rule::call => {
                let mut inner = pair.into_inner();
                let name = self.ident(inner.next().unwrap_or_else(|| unexpected_rule(Rule::call)));
                Expr {
                    kind: ExprKind::Call(name, inner.map(|p| self.expr(p)).collect()),
                    span,
                }
            }
            Rule::path => Expr {
                kind: ExprKind::Path(pair.into_inner().map(|p| self.ident(p)).collect()),
                span,
            },
            r => unexpected_rule(r),
        }
    }

    fn string_parts(&self, pair: Pair<'_, Rule>) -> Vec<StrPart> {
        let mut parts: Vec<StrPart> = Vec::new();
        for p in pair.into_inner() {
            let lit = match p.as_rule() {
                Rule::text => p.as_str().to_string(),
                Rule::escape => match &p.as_str()[1..] {
                    "n" => "\n".to_string(),
                    "t" => "\t".to_string(),
                    "r" => "\r".to_string(),
                    other => other.to_string(),
                },
                Rule::interp => {
                    let e = self.expr(
                        p.into_inner()
                            .next()
                            .unwrap_or_else(|| unexpected_rule(Rule::interp)),
                    );
                    parts.push(StrPart::Interp(e));
                    continue;
                }
                r => unexpected_rule(r),
            };
            if let Some(StrPart::Lit(prev)) = parts.last_mut() {
                prev.push_str(&lit);
            } else {
                parts.push(StrPart::Lit(lit));
            }
        }
        parts
    }
}

/// The length of `text` up to its last character that is neither
/// whitespace nor part of a comment. Strings are followed into their
/// interpolations, and strings inside those (`"${"#"}"` is one string, with
/// no comment in it), to any depth.
fn significant_len(text: &str) -> usize {
    /// Where the scan is: in code (or an interpolation's code, with the
    /// count of `{` open within it), or in a string.
    enum At {
        Code { braces: usize },
        Str,
    }
    let bytes = text.as_bytes();
    let mut stack = vec![At::Code { braces: 0 }];
    let mut last = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match stack.last_mut() {
            Some(At::Str) => {
                match b {
                    b'\\' => i += 1,
                    b'"' => {
                        stack.pop();
                    }
                    b'$' if bytes.get(i + 1) == Some(&b'{') => {
                        stack.push(At::Code { braces: 0 });
                        i += 1;
                    }
                    _ => {}
                }
                last = (i + 1).min(bytes.len());
                i += 1;
                continue;
            }
            Some(At::Code { braces }) => match b {
                b'"' => {
                    stack.push(At::Str);
                    last = i + 1;
                }
                b'{' => {
                    *braces += 1;
                    last = i + 1;
                }
                b'}' => {
                    if *braces == 0 && stack.len() > 1 {
                        // The end of an interpolation: back in its string.
                        stack.pop();
                    } else if let Some(At::Code { braces }) = stack.last_mut() {
                        *braces = braces.saturating_sub(1);
                    }
                    last = i + 1;
                }
                b'#' => {
                    i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
                    continue;
                }
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
                    continue;
                }
                b'/' if bytes.get(i + 1) == Some(&b'*') => {
                    i = text[i + 2..]
                        .find("*/")
                        .map_or(bytes.len(), |n| i + 2 + n + 2);
                    continue;
                }
                b if b.is_ascii_whitespace() => {}
                _ => last = i + 1,
            },
            None => break,
        }
        i += 1;
    }
    last.min(bytes.len())
}

/// The literal text of a string without interpolation (interpolations are
/// kept as their `${...}` source shape is not available here; map keys may
/// not interpolate).
pub(super) fn plain_string(parts: &[StrPart]) -> String {
    parts
        .iter()
        .map(|p| match p {
            StrPart::Lit(s) => s.as_str(),
            StrPart::Interp(_) => "",
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{exact_number, significant_len};

    #[test]
    fn significant_text_follows_strings_into_interpolations() {
        for (text, want) in [
            ("\"a\"  # note", "\"a\""),
            ("\"${\"#\"}\"  ", "\"${\"#\"}\""),
            ("\"${x} # not a comment\" # one", "\"${x} # not a comment\""),
            ("\"${ { a = \"}\" }.a }\" // c", "\"${ { a = \"}\" }.a }\""),
            ("\"${\"${\"#\"}\"}\" /* c */", "\"${\"${\"#\"}\"}\""),
            ("{ a = 1 }\n\n# trailing\n", "{ a = 1 }"),
            ("\"\\\"#\"  ", "\"\\\"#\""),
        ] {
            assert_eq!(&text[..significant_len(text)], want, "{text}");
        }
    }

    #[test]
    fn numbers_are_taken_only_when_held_exactly() {
        for (text, want) in [
            ("42", Some(42.0)),
            ("-0", Some(-0.0)),
            ("007", Some(7.0)),
            ("1.50", Some(1.5)),
            ("0.1", Some(0.1)),
            ("9007199254740992", Some(9_007_199_254_740_992.0)),
            ("9007199254740993", None),
            ("123456789012345678901234567890", None),
            ("0.30000000000000000001", None),
        ] {
            assert_eq!(exact_number(text), want, "{text}");
        }
        assert_eq!(exact_number(&format!("1{}", "0".repeat(400))), None);
    }
}
