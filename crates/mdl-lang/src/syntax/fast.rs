//! A hand-written parser for well-formed files, tried before the pest
//! parser: the same grammar (grammar/moodle.pest) and the same tree, spans
//! included, about ten times faster. It gives up, returning `None`, at
//! the first thing it does not expect and at anything unusual (chains
//! near the length limit, keywords run into names); the pest parser then
//! parses the file and reports what is wrong. tests/integration/fuzz.rs
//! checks that the two agree wherever this one succeeds.

use super::ast::*;
use super::parser::{MAX_CHAIN, plain_string};
use crate::diagnostics::{SourceId, Span};

/// Deepest recursion (brackets, interpolations, conditionals) before
/// giving up; the pest parser's own limits then apply.
const MAX_DEPTH: usize = 200;

/// Every item of a well-formed file, or `None`.
pub fn parse(source: SourceId, text: &str) -> Option<Vec<Item>> {
    let mut p = Parser {
        source,
        text,
        b: text.as_bytes(),
        pos: 0,
        last: 0,
        depth: 0,
    };
    let mut items = Vec::new();
    p.trivia()?;
    while p.pos < p.b.len() {
        items.push(p.item()?);
        p.trivia()?;
    }
    Some(items)
}

struct Parser<'a> {
    source: SourceId,
    text: &'a str,
    b: &'a [u8],
    pos: usize,
    /// The end of the last token read: where a node read so far ends.
    last: usize,
    depth: usize,
}

fn ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

impl Parser<'_> {
    fn span(&self, start: usize) -> Span {
        Span::new(self.source, start, self.last.max(start))
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn at(&self, s: &str) -> bool {
        self.b[self.pos..].starts_with(s.as_bytes())
    }

    /// Whitespace and comments; `None` for a comment never closed.
    fn trivia(&mut self) -> Option<()> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\r' | b'\n') => self.pos += 1,
                Some(b'#') => self.line_comment(),
                Some(b'/') if self.b.get(self.pos + 1) == Some(&b'/') => self.line_comment(),
                Some(b'/') if self.b.get(self.pos + 1) == Some(&b'*') => {
                    let end = self.text[self.pos + 2..].find("*/")?;
                    self.pos += 2 + end + 2;
                }
                _ => return Some(()),
            }
        }
    }

    fn line_comment(&mut self) {
        self.pos = self.text[self.pos..]
            .find('\n')
            .map_or(self.b.len(), |n| self.pos + n);
    }

    /// Read `s` here if it is here.
    fn eat(&mut self, s: &str) -> bool {
        if self.at(s) {
            self.pos += s.len();
            self.last = self.pos;
            true
        } else {
            false
        }
    }

    /// Read a `=` that is not the start of `==`.
    fn eat_assign(&mut self) -> bool {
        !self.at("==") && self.eat("=")
    }

    fn expect(&mut self, s: &str) -> Option<()> {
        self.trivia()?;
        self.eat(s).then_some(())
    }

    /// The identifier starting here, not read.
    fn word(&self) -> &str {
        let mut end = self.pos;
        if self.peek().is_some_and(ident_start) {
            end += 1;
            while self.b.get(end).copied().is_some_and(ident_char) {
                end += 1;
            }
        }
        &self.text[self.pos..end]
    }

    fn ident(&mut self) -> Option<Ident> {
        self.trivia()?;
        let start = self.pos;
        let name = self.word();
        if name.is_empty() {
            return None;
        }
        let name = name.to_string();
        self.pos += name.len();
        self.last = self.pos;
        Some(Ident {
            name,
            span: Span::new(self.source, start, self.pos),
        })
    }

    fn item(&mut self) -> Option<Item> {
        let start = self.pos;
        let word = self.word();
        match word {
            "use" => {
                // `use "PATH"`, or a block of kind `use`.
                self.pos += 3;
                self.trivia()?;
                let is_use = self.peek() == Some(b'"');
                self.pos = start;
                if is_use {
                    self.use_decl(start)
                } else {
                    self.block(start)
                }
            }
            "param" => self.param_decl(start),
            "output" => self.output_decl(start),
            // The grammar reads these keywords as prefixes (`parameter`
            // starts `param eter`): left to the pest parser.
            w if w.starts_with("param") || w.starts_with("output") => None,
            _ => self.block(start),
        }
    }

    fn use_decl(&mut self, start: usize) -> Option<Item> {
        self.eat("use");
        self.trivia()?;
        let path_start = self.pos;
        let parts = self.string()?;
        let path_span = self.span(path_start);
        let mut end = self.last;
        self.trivia()?;
        let alias = if self.at("as") {
            if self.b.get(self.pos + 2).copied().is_some_and(ident_char) {
                return None;
            }
            self.eat("as");
            let alias = self.ident()?;
            end = self.last;
            Some(alias)
        } else {
            None
        };
        self.last = end;
        Some(Item::Use(UseDecl {
            path: plain_string(&parts),
            path_span,
            alias,
            span: self.span(start),
        }))
    }

    fn param_decl(&mut self, start: usize) -> Option<Item> {
        self.eat("param");
        let name = self.ident()?;
        self.trivia()?;
        let ty = if self.eat(":") {
            Some(self.type_expr()?)
        } else {
            None
        };
        self.trivia()?;
        let default = if self.eat_assign() {
            Some(self.expr()?)
        } else {
            None
        };
        self.trivia()?;
        let body = if self.eat("{") {
            let body = self.body()?;
            self.expect("}")?;
            Some(body)
        } else {
            None
        };
        Some(Item::Param(ParamDecl {
            name,
            ty,
            default,
            body,
            span: self.span(start),
        }))
    }

    fn type_expr(&mut self) -> Option<TypeExpr> {
        self.trivia()?;
        let start = self.pos;
        let name = ["string", "number", "bool", "list", "map", "any"]
            .into_iter()
            .find(|n| self.at(n))?;
        if self
            .b
            .get(self.pos + name.len())
            .copied()
            .is_some_and(ident_char)
        {
            return None;
        }
        self.eat(name);
        self.trivia()?;
        let inner = if self.eat("(") {
            let inner = self.type_expr()?;
            self.expect(")")?;
            Some(Box::new(inner))
        } else {
            None
        };
        Some(TypeExpr {
            name: name.to_string(),
            inner,
            span: self.span(start),
        })
    }

    fn output_decl(&mut self, start: usize) -> Option<Item> {
        self.eat("output");
        let name = self.ident()?;
        self.trivia()?;
        if !self.eat_assign() {
            return None;
        }
        let value = self.expr()?;
        Some(Item::Output(OutputDecl {
            name,
            value,
            span: self.span(start),
        }))
    }

    fn block(&mut self, start: usize) -> Option<Item> {
        let kind = self.ident()?;
        self.trivia()?;
        let name = if self.peek() == Some(b'{') {
            // No name (`moved { }`): an empty one, where it would be.
            Ident {
                name: String::new(),
                span: Span::new(self.source, kind.span.end as usize, kind.span.end as usize),
            }
        } else {
            self.ident()?
        };
        self.expect("{")?;
        let body = self.body()?;
        self.expect("}")?;
        Some(Item::Block(Block {
            kind,
            name,
            body,
            span: self.span(start),
        }))
    }

    /// Attributes and nested blocks, up to (not including) the `}`.
    fn body(&mut self) -> Option<Body> {
        self.trivia()?;
        let start = self.pos;
        let mut entries = Vec::new();
        loop {
            self.trivia()?;
            if !self.peek().is_some_and(ident_start) {
                break;
            }
            let entry_start = self.pos;
            let name = self.ident()?;
            self.trivia()?;
            if self.eat_assign() {
                let value = self.expr()?;
                entries.push(BodyEntry::Attribute(Attribute {
                    name,
                    value,
                    span: self.span(entry_start),
                }));
                self.trivia()?;
                self.eat(",");
            } else if self.eat("{") {
                let body = self.body()?;
                self.expect("}")?;
                entries.push(BodyEntry::Nested(Nested {
                    name,
                    body,
                    span: self.span(entry_start),
                }));
            } else {
                return None;
            }
        }
        let span = if entries.is_empty() {
            Span::new(self.source, start, start)
        } else {
            self.span(start)
        };
        Some(Body { entries, span })
    }

    fn expr(&mut self) -> Option<Expr> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        self.trivia()?;
        let start = self.pos;
        let cond = self.binary(1)?;
        self.trivia()?;
        let e = if self.eat("?") {
            let a = self.expr()?;
            self.expect(":")?;
            let b = self.expr()?;
            Expr {
                kind: ExprKind::Cond(Box::new(cond), Box::new(a), Box::new(b)),
                span: self.span(start),
            }
        } else {
            cond
        };
        self.depth -= 1;
        Some(e)
    }

    /// The operator at this level here, if any: `||` 1, `&&` 2,
    /// comparisons 3, `+ -` 4, `* / %` 5 (comments are read as trivia
    /// before, so a `/` here divides).
    fn operator(&self, level: u8) -> Option<(BinOp, usize)> {
        let ops: &[(&str, BinOp)] = match level {
            1 => &[("||", BinOp::Or)],
            2 => &[("&&", BinOp::And)],
            3 => &[
                ("==", BinOp::Eq),
                ("!=", BinOp::Ne),
                ("<=", BinOp::Le),
                (">=", BinOp::Ge),
                ("<", BinOp::Lt),
                (">", BinOp::Gt),
            ],
            4 => &[("+", BinOp::Add), ("-", BinOp::Sub)],
            _ => &[("*", BinOp::Mul), ("/", BinOp::Div), ("%", BinOp::Rem)],
        };
        ops.iter()
            .find(|(s, _)| self.at(s))
            .map(|(s, op)| (*op, s.len()))
    }

    /// A left-associated chain of operators of one level; comparisons take
    /// at most one.
    fn binary(&mut self, level: u8) -> Option<Expr> {
        if level > 5 {
            return self.unary();
        }
        let mut acc = self.binary(level + 1)?;
        let mut operands = 1;
        loop {
            self.trivia()?;
            let Some((op, len)) = self.operator(level) else {
                break;
            };
            operands += 1;
            if operands > MAX_CHAIN {
                return None;
            }
            self.pos += len;
            self.last = self.pos;
            let rhs = self.binary(level + 1)?;
            let span = acc.span.to(rhs.span);
            acc = Expr {
                kind: ExprKind::Binary(op, Box::new(acc), Box::new(rhs)),
                span,
            };
            if level == 3 {
                break;
            }
        }
        Some(acc)
    }

    fn unary(&mut self) -> Option<Expr> {
        self.trivia()?;
        let start = self.pos;
        let mut nots = 0;
        while self.eat("!") {
            nots += 1;
            if nots > MAX_CHAIN {
                return None;
            }
            self.trivia()?;
        }
        let mut e = self.postfix()?;
        let span = self.span(start);
        for _ in 0..nots {
            e = Expr {
                kind: ExprKind::Not(Box::new(e)),
                span,
            };
        }
        Some(e)
    }

    fn postfix(&mut self) -> Option<Expr> {
        let mut acc = self.primary()?;
        let mut ops = 0;
        loop {
            self.trivia()?;
            let op_start = self.pos;
            let kind = if self.eat("[") {
                let index = self.expr()?;
                self.expect("]")?;
                ExprKind::Index(Box::new(acc), Box::new(index))
            } else if self.eat(".") {
                let field = self.ident()?;
                ExprKind::Field(Box::new(acc), field)
            } else {
                break;
            };
            ops += 1;
            if ops + 1 >= MAX_CHAIN {
                return None;
            }
            let op_span = self.span(op_start);
            let span = match &kind {
                ExprKind::Index(a, _) | ExprKind::Field(a, _) => a.span.to(op_span),
                _ => op_span,
            };
            acc = Expr { kind, span };
        }
        Some(acc)
    }

    fn primary(&mut self) -> Option<Expr> {
        self.trivia()?;
        let start = self.pos;
        match self.peek()? {
            b'"' => {
                let parts = self.string()?;
                Some(Expr {
                    kind: ExprKind::Str(parts),
                    span: self.span(start),
                })
            }
            b'0'..=b'9' => self.number(),
            b'-' if self.b.get(self.pos + 1).is_some_and(u8::is_ascii_digit) => self.number(),
            b'[' => {
                self.eat("[");
                let items = self.list_items("]")?;
                Some(Expr {
                    kind: ExprKind::List(items),
                    span: self.span(start),
                })
            }
            b'{' => self.map(),
            b'(' => {
                self.eat("(");
                let e = self.expr()?;
                self.expect(")")?;
                Some(e)
            }
            b if ident_start(b) => {
                let kind = match self.word() {
                    "true" => Some(ExprKind::Bool(true)),
                    "false" => Some(ExprKind::Bool(false)),
                    "null" => Some(ExprKind::Null),
                    _ => None,
                };
                if let Some(kind) = kind {
                    let len = self.word().len();
                    self.pos += len;
                    self.last = self.pos;
                    return Some(Expr {
                        kind,
                        span: self.span(start),
                    });
                }
                let first = self.ident()?;
                let after_name = (self.pos, self.last);
                self.trivia()?;
                if self.eat("(") {
                    let args = self.list_items(")")?;
                    return Some(Expr {
                        kind: ExprKind::Call(first, args),
                        span: self.span(start),
                    });
                }
                (self.pos, self.last) = after_name;
                let mut parts = vec![first];
                loop {
                    let before = (self.pos, self.last);
                    self.trivia()?;
                    if self.eat(".") {
                        self.trivia()?;
                        if self.peek().is_some_and(ident_start) {
                            parts.push(self.ident()?);
                            continue;
                        }
                    }
                    (self.pos, self.last) = before;
                    break;
                }
                Some(Expr {
                    kind: ExprKind::Path(parts),
                    span: self.span(start),
                })
            }
            _ => None,
        }
    }

    fn number(&mut self) -> Option<Expr> {
        let start = self.pos;
        let mut end = start;
        if self.b[end] == b'-' {
            end += 1;
        }
        while self.b.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
        if self.b.get(end) == Some(&b'.') && self.b.get(end + 1).is_some_and(u8::is_ascii_digit) {
            end += 1;
            while self.b.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
        }
        self.pos = end;
        self.last = end;
        // A number that cannot be held exactly: the reference parser
        // reports it.
        let text = &self.text[start..end];
        let n = super::parser::exact_number(text)?;
        Some(Expr {
            kind: ExprKind::Number(n, text.to_string()),
            span: self.span(start),
        })
    }

    /// Expressions separated by commas, a trailing comma allowed, up to
    /// and including `close`.
    fn list_items(&mut self, close: &str) -> Option<Vec<Expr>> {
        let mut items = Vec::new();
        self.trivia()?;
        if self.eat(close) {
            return Some(items);
        }
        loop {
            items.push(self.expr()?);
            self.trivia()?;
            if self.eat(",") {
                self.trivia()?;
                if self.eat(close) {
                    return Some(items);
                }
            } else {
                self.eat(close).then_some(())?;
                return Some(items);
            }
        }
    }

    fn map(&mut self) -> Option<Expr> {
        let start = self.pos;
        self.eat("{");
        let mut entries = Vec::new();
        loop {
            self.trivia()?;
            if self.eat("}") {
                break;
            }
            let key_start = self.pos;
            let (key, quoted) = match self.peek()? {
                b'"' => (plain_string(&self.string()?), true),
                b if ident_start(b) => (self.ident()?.name, false),
                _ => return None,
            };
            let key_span = self.span(key_start);
            self.trivia()?;
            if !(self.eat("=") || self.eat(":")) {
                return None;
            }
            let value = self.expr()?;
            entries.push(MapEntry {
                key,
                quoted,
                key_span,
                value,
            });
            self.trivia()?;
            self.eat(",");
        }
        Some(Expr {
            kind: ExprKind::Map(entries),
            span: self.span(start),
        })
    }

    /// A string's parts, from its opening quote through its closing one.
    fn string(&mut self) -> Option<Vec<StrPart>> {
        self.depth += 1;
        if self.depth > MAX_DEPTH || !self.eat("\"") {
            return None;
        }
        let mut parts: Vec<StrPart> = Vec::new();
        let lit = |parts: &mut Vec<StrPart>, s: &str| {
            if let Some(StrPart::Lit(prev)) = parts.last_mut() {
                prev.push_str(s);
            } else {
                parts.push(StrPart::Lit(s.to_string()));
            }
        };
        loop {
            match self.peek()? {
                b'"' => {
                    self.eat("\"");
                    break;
                }
                b'\n' => return None,
                b'\\' => {
                    let s = match self.b.get(self.pos + 1)? {
                        b'n' => "\n",
                        b't' => "\t",
                        b'r' => "\r",
                        b'"' => "\"",
                        b'\\' => "\\",
                        b'$' => "$",
                        _ => return None,
                    };
                    lit(&mut parts, s);
                    self.pos += 2;
                }
                b'$' if self.b.get(self.pos + 1) == Some(&b'{') => {
                    self.pos += 2;
                    let e = self.expr()?;
                    self.expect("}")?;
                    parts.push(StrPart::Interp(e));
                }
                _ => {
                    let from = self.pos;
                    self.pos += 1;
                    while let Some(&b) = self.b.get(self.pos) {
                        if matches!(b, b'"' | b'\\' | b'\n')
                            || (b == b'$' && self.b.get(self.pos + 1) == Some(&b'{'))
                        {
                            break;
                        }
                        self.pos += 1;
                    }
                    lit(&mut parts, &self.text[from..self.pos]);
                }
            }
        }
        self.depth -= 1;
        Some(parts)
    }
}
