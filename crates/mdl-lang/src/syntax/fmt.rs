//! The canonical formatter behind `mdl fmt`.
//!
//! It prints the AST back in one canonical shape (two-space indent, aligned
//! `=` within a run of attributes, one blank line between top-level blocks)
//! and re-inserts every comment at the place it stood, so formatting never
//! loses text. Formatting its own output changes nothing.

use super::ast::*;

/// A comment found in the source, outside any string.
#[derive(Debug, Clone)]
struct Comment {
    start: usize,
    end: usize,
    text: String,
}

/// Format a parsed file. `text` must be the source the file was parsed from.
pub fn format(file: &File, text: &str) -> String {
    let mut printer = Printer {
        text,
        comments: scan_comments(text),
        next_comment: 0,
        lines: Vec::new(),
        last_end: 0,
    };
    let mut prev: Option<&Item> = None;
    for item in &file.items {
        let start = item.span().start as usize;
        printer.flush_trailing(start);
        if let Some(prev) = prev {
            let both_decls = matches!(prev, Item::Use(_) | Item::Param(_) | Item::Output(_))
                && matches!(item, Item::Use(_) | Item::Param(_) | Item::Output(_))
                && std::mem::discriminant(prev) == std::mem::discriminant(item);
            if !both_decls || printer.blank_line_between(prev.span().end as usize, start) {
                printer.lines.push(String::new());
            }
        }
        printer.flush_comments_before(start, 0);
        printer.item(item);
        prev = Some(item);
    }
    printer.flush_comments_before(usize::MAX, 0);
    let mut out = printer.lines.join("\n");
    // Collapse runs of blank lines a comment flush may have introduced.
    while out.contains("\n\n\n") {
        out = out.replace("\n\n\n", "\n\n");
    }
    let trimmed = out.trim_matches('\n');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("{trimmed}\n")
    }
}

fn scan_comments(text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    // Depth of `${` interpolations inside strings, so that a `"` inside an
    // interpolation does not end the outer string.
    let mut in_string = false;
    let mut interp_depth: Vec<usize> = Vec::new();
    let mut brace_depth = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' | b'\n' => in_string = false,
                b'$' if bytes.get(i + 1) == Some(&b'{') => {
                    interp_depth.push(brace_depth);
                    brace_depth += 1;
                    in_string = false;
                    i += 1;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' => brace_depth += 1,
            b'}' => {
                brace_depth = brace_depth.saturating_sub(1);
                if interp_depth.last() == Some(&brace_depth) {
                    interp_depth.pop();
                    in_string = true;
                }
            }
            b'#' => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                out.push(Comment {
                    start: i,
                    end,
                    text: text[i..end].trim_end().to_string(),
                });
                i = end;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                out.push(Comment {
                    start: i,
                    end,
                    text: text[i..end].trim_end().to_string(),
                });
                i = end;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..]
                    .find("*/")
                    .map_or(text.len(), |n| i + 2 + n + 2);
                out.push(Comment {
                    start: i,
                    end,
                    text: text[i..end].to_string(),
                });
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

struct Printer<'a> {
    text: &'a str,
    comments: Vec<Comment>,
    next_comment: usize,
    lines: Vec<String>,
    /// Source offset where the last printed node ended.
    last_end: usize,
}

const INDENT: &str = "  ";

impl Printer<'_> {
    fn blank_line_between(&self, a: usize, b: usize) -> bool {
        if a >= b {
            return false;
        }
        let between = &self.text[a.min(self.text.len())..b.min(self.text.len())];
        // Only whole lines count: not the rest of `a`'s line nor the
        // indentation before `b`.
        let parts: Vec<&str> = between.split('\n').collect();
        parts.len() >= 3
            && parts[1..parts.len() - 1]
                .iter()
                .any(|l| l.trim().is_empty())
    }

    fn same_line(&self, a: usize, b: usize) -> bool {
        let (a, b) = (a.min(b), a.max(b));
        !self.text[a.min(self.text.len())..b.min(self.text.len())].contains('\n')
    }

    /// Print every comment that starts before `offset`: on the line of the
    /// node before it if it stood there, else on its own line.
    fn flush_comments_before(&mut self, offset: usize, depth: usize) {
        while let Some(c) = self.comments.get(self.next_comment) {
            if c.start >= offset {
                break;
            }
            let c = c.clone();
            self.next_comment += 1;
            if self.last_end > 0 && self.same_line(self.last_end, c.start) && !self.lines.is_empty()
            {
                let last = self.lines.len() - 1;
                self.lines[last].push(' ');
                self.lines[last].push_str(&c.text);
            } else {
                if self.last_end > 0
                    && self.blank_line_between(self.last_end, c.start)
                    && self.lines.last().is_some_and(|l| !l.is_empty())
                {
                    self.lines.push(String::new());
                }
                for (i, l) in c.text.lines().enumerate() {
                    if i == 0 {
                        self.lines
                            .push(format!("{}{}", INDENT.repeat(depth), l.trim_end()));
                    } else {
                        self.lines.push(l.trim_end().to_string());
                    }
                }
            }
            self.last_end = c.end;
        }
        if self.last_end > 0
            && offset != usize::MAX
            && self.comments[..self.next_comment]
                .last()
                .is_some_and(|c| c.end == self.last_end)
            && self.blank_line_between(self.last_end, offset)
            && self.lines.last().is_some_and(|l| !l.is_empty())
        {
            self.lines.push(String::new());
        }
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Use(u) => {
                let mut line = format!("use {}", string(&[StrPart::Lit(u.path.clone())]));
                if let Some(alias) = &u.alias {
                    line.push_str(" as ");
                    line.push_str(&alias.name);
                }
                self.lines.push(line);
            }
            Item::Param(p) => {
                let mut line = format!("param {}", p.name.name);
                if let Some(ty) = &p.ty {
                    line.push_str(": ");
                    line.push_str(&type_expr(ty));
                }
                if let Some(d) = &p.default {
                    line.push_str(" = ");
                    line.push_str(&expr(d, 0));
                }
                match &p.body {
                    Some(body) => {
                        line.push_str(" {");
                        self.push_multiline(&line, 0);
                        self.last_end = body.span.start as usize;
                        self.body(body, 1);
                        self.flush_comments_before(p.span.end as usize, 1);
                        self.lines.push("}".to_string());
                    }
                    None => self.push_multiline(&line, 0),
                }
            }
            Item::Output(o) => {
                let line = format!("output {} = {}", o.name.name, expr(&o.value, 0));
                self.push_multiline(&line, 0);
            }
            Item::Block(b)
                if b.body.entries.is_empty()
                    && self
                        .comments
                        .get(self.next_comment)
                        .is_none_or(|c| c.start >= b.span.end as usize) =>
            {
                // Nothing inside, not even a comment: `caller me {}`.
                self.lines.push(format!("{} {{}}", head(b)));
            }
            Item::Block(b) => {
                self.lines.push(format!("{} {{", head(b)));
                self.last_end = b.name.span.end as usize;
                self.body(&b.body, 1);
                self.flush_comments_before(b.span.end as usize, 1);
                self.lines.push("}".to_string());
            }
        }
        self.last_end = item.span().end as usize;
    }

    fn push_multiline(&mut self, text: &str, depth: usize) {
        let indent = INDENT.repeat(depth);
        for l in text.lines() {
            self.lines.push(format!("{indent}{l}"));
        }
    }

    /// Print the comments that stand on the line of the last printed node
    /// (`x = 1 # why`) on that line, before any blank line goes in.
    fn flush_trailing(&mut self, before: usize) {
        while let Some(c) = self.comments.get(self.next_comment) {
            if self.last_end == 0
                || c.start >= before
                || c.start < self.last_end
                || !self.same_line(self.last_end, c.start)
                || self.lines.last().is_none_or(String::is_empty)
            {
                break;
            }
            let text = c.text.clone();
            let end = c.end;
            self.next_comment += 1;
            let last = self.lines.len() - 1;
            self.lines[last].push(' ');
            self.lines[last].push_str(&text);
            self.last_end = end;
        }
    }

    fn body(&mut self, body: &Body, depth: usize) {
        let indent = INDENT.repeat(depth);
        let entries = &body.entries;
        let mut i = 0;
        while i < entries.len() {
            let start = entries[i].span().start as usize;
            self.flush_trailing(start);
            if i > 0 && self.blank_line_between(entries[i - 1].span().end as usize, start) {
                self.lines.push(String::new());
            }
            self.flush_comments_before(start, depth);
            match &entries[i] {
                BodyEntry::Nested(n) => {
                    self.lines.push(format!("{indent}{} {{", n.name.name));
                    self.last_end = n.name.span.end as usize;
                    self.body(&n.body, depth + 1);
                    self.flush_comments_before(n.span.end as usize, depth + 1);
                    self.lines.push(format!("{indent}}}"));
                    self.last_end = n.span.end as usize;
                    i += 1;
                }
                BodyEntry::Attribute(_) => {
                    // A run of attributes with no blank line, comment line or
                    // nested block between them shares one `=` column.
                    let mut j = i;
                    while j < entries.len() {
                        let BodyEntry::Attribute(a) = &entries[j] else {
                            break;
                        };
                        let multi_line = expr(&a.value, depth).contains('\n');
                        if multi_line && j > i {
                            break;
                        }
                        if j > i {
                            let prev = entries[j - 1].span();
                            let (prev_start, prev_end) = (prev.start as usize, prev.end as usize);
                            let this_start = entries[j].span().start as usize;
                            // A comment inside the previous value is printed
                            // on a line of its own after it, as one between
                            // the two is.
                            if self.blank_line_between(prev_end, this_start)
                                || self.has_own_line_comment(prev_start, prev_end, this_start)
                            {
                                break;
                            }
                        }
                        j += 1;
                        if multi_line {
                            break;
                        }
                    }
                    let width = entries[i..j]
                        .iter()
                        .filter_map(|e| match e {
                            BodyEntry::Attribute(a) => Some(a.name.name.len()),
                            BodyEntry::Nested(_) => None,
                        })
                        .max()
                        .unwrap_or(0);
                    for (k, e) in entries[i..j].iter().enumerate() {
                        let BodyEntry::Attribute(a) = e else { continue };
                        if k > 0 {
                            self.flush_comments_before(a.span.start as usize, depth);
                        }
                        let value = expr(&a.value, depth);
                        self.lines
                            .push(format!("{indent}{:<width$} = {value}", a.name.name));
                        self.last_end = a.span.end as usize;
                    }
                    i = j;
                }
            }
        }
    }

    /// Whether a comment from `from` up to `b` stands on a line of its own
    /// once printed: any not on the line where the entry ending at `end`
    /// ends.
    fn has_own_line_comment(&self, from: usize, end: usize, b: usize) -> bool {
        self.comments[self.next_comment..]
            .iter()
            .take_while(|c| c.start < b)
            .any(|c| c.start >= from && !self.same_line(end, c.start))
    }
}

fn type_expr(t: &TypeExpr) -> String {
    match &t.inner {
        Some(inner) => format!("{}({})", t.name, type_expr(inner)),
        None => t.name.clone(),
    }
}

fn precedence(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Cond(..) => 0,
        ExprKind::Binary(op, ..) => op.precedence(),
        ExprKind::Not(_) => 6,
        _ => 7,
    }
}

fn child(e: &Expr, min: u8, depth: usize) -> String {
    let s = expr(e, depth);
    if precedence(e) < min {
        format!("({s})")
    } else {
        s
    }
}

/// Print an expression; `depth` is the indentation of the line it starts on.
pub fn expr(e: &Expr, depth: usize) -> String {
    match &e.kind {
        ExprKind::Null => "null".to_string(),
        ExprKind::Bool(b) => b.to_string(),
        // As written: a number's text is never rewritten.
        ExprKind::Number(_, text) => text.clone(),
        ExprKind::Str(parts) => string(parts),
        ExprKind::Path(segs) => segs
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join("."),
        ExprKind::Index(a, b) => format!("{}[{}]", child(a, 7, depth), expr(b, depth)),
        ExprKind::Field(a, name) => format!("{}.{}", child(a, 7, depth), name.name),
        ExprKind::Call(name, args) => {
            format!(
                "{}({})",
                name.name,
                args.iter()
                    .map(|a| expr(a, depth))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        ExprKind::Cond(c, a, b) => format!(
            "{} ? {} : {}",
            child(c, 1, depth),
            child(a, 1, depth),
            child(b, 0, depth)
        ),
        ExprKind::Binary(op, a, b) => {
            let p = precedence(e);
            format!(
                "{} {} {}",
                child(a, p, depth),
                op.symbol(),
                child(b, p + 1, depth)
            )
        }
        ExprKind::Not(inner) => format!("!{}", child(inner, 6, depth)),
        ExprKind::List(items) => {
            let flat: Vec<String> = items.iter().map(|i| expr(i, depth + 1)).collect();
            let one_line = format!("[{}]", flat.join(", "));
            if one_line.len() <= 72 && !one_line.contains('\n') {
                one_line
            } else {
                let indent = INDENT.repeat(depth + 1);
                let mut s = String::from("[\n");
                for item in flat {
                    s.push_str(&format!("{indent}{item},\n"));
                }
                s.push_str(&INDENT.repeat(depth));
                s.push(']');
                s
            }
        }
        ExprKind::Map(entries) => {
            if entries.is_empty() {
                return "{}".to_string();
            }
            let keys: Vec<String> = entries
                .iter()
                .map(|en| map_key(&en.key, en.quoted))
                .collect();
            let width = keys.iter().map(String::len).max().unwrap_or(0);
            let indent = INDENT.repeat(depth + 1);
            let mut s = String::from("{\n");
            for (key, en) in keys.iter().zip(entries) {
                s.push_str(&format!(
                    "{indent}{key:<width$} = {}\n",
                    expr(&en.value, depth + 1)
                ));
            }
            s.push_str(&INDENT.repeat(depth));
            s.push('}');
            s
        }
    }
}

fn map_key(key: &str, quoted: bool) -> String {
    let plain = !key.is_empty()
        && key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !matches!(key, "true" | "false" | "null");
    if plain && !quoted {
        key.to_string()
    } else {
        string(&[StrPart::Lit(key.to_string())])
    }
}

fn string(parts: &[StrPart]) -> String {
    let mut s = String::from("\"");
    for p in parts {
        match p {
            StrPart::Lit(lit) => {
                let mut chars = lit.chars().peekable();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => s.push_str("\\\""),
                        '\\' => s.push_str("\\\\"),
                        '\n' => s.push_str("\\n"),
                        '\t' => s.push_str("\\t"),
                        '\r' => s.push_str("\\r"),
                        '$' if chars.peek() == Some(&'{') => s.push_str("\\$"),
                        c => s.push(c),
                    }
                }
            }
            StrPart::Interp(e) => {
                s.push_str("${");
                s.push_str(&expr(e, 0));
                s.push('}');
            }
        }
    }
    s.push('"');
    s
}

/// A block's kind and name (`vpc main`), or its kind alone (`moved`).
fn head(b: &Block) -> String {
    if b.name.name.is_empty() {
        b.kind.name.clone()
    } else {
        format!("{} {}", b.kind.name, b.name.name)
    }
}
