//! The abstract syntax tree. Every node carries the span it came from; no
//! later stage re-reads source text.

use crate::diagnostics::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct File {
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Use(UseDecl),
    Param(ParamDecl),
    Output(OutputDecl),
    Block(Block),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Use(u) => u.span,
            Item::Param(p) => p.span,
            Item::Output(o) => o.span,
            Item::Block(b) => b.span,
        }
    }
}

/// `use "PATH" [as NAME]`: a module, instantiated by `NAME INSTANCE { ... }`
/// blocks.
#[derive(Clone, Debug, PartialEq)]
pub struct UseDecl {
    pub path: String,
    pub path_span: Span,
    pub alias: Option<Ident>,
    pub span: Span,
}

/// `param NAME: TYPE = DEFAULT { doc = "...", check { ... } }`
#[derive(Clone, Debug, PartialEq)]
pub struct ParamDecl {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub default: Option<Expr>,
    /// The optional `{ ... }` after the declaration: `doc`, and `check`
    /// blocks with a `condition` and a `message`.
    pub body: Option<Body>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    pub name: String,
    pub inner: Option<Box<TypeExpr>>,
    pub span: Span,
}

/// `output NAME = EXPR`
#[derive(Clone, Debug, PartialEq)]
pub struct OutputDecl {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// `KIND NAME { ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub kind: Ident,
    pub name: Ident,
    pub body: Body,
    pub span: Span,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Body {
    /// Attributes and nested blocks in source order.
    pub entries: Vec<BodyEntry>,
    /// Span of the text between the braces.
    pub span: Span,
}

impl Body {
    pub fn attributes(&self) -> impl Iterator<Item = &Attribute> {
        self.entries.iter().filter_map(|e| match e {
            BodyEntry::Attribute(a) => Some(a),
            BodyEntry::Nested(_) => None,
        })
    }

    pub fn nested(&self) -> impl Iterator<Item = &Nested> {
        self.entries.iter().filter_map(|e| match e {
            BodyEntry::Nested(n) => Some(n),
            BodyEntry::Attribute(_) => None,
        })
    }

    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes().find(|a| a.name.name == name)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum BodyEntry {
    Attribute(Attribute),
    Nested(Nested),
}

impl BodyEntry {
    pub fn span(&self) -> Span {
        match self {
            BodyEntry::Attribute(a) => a.span,
            BodyEntry::Nested(n) => n.span,
        }
    }
}

/// `name = value`
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// `name { ... }` inside a block.
#[derive(Clone, Debug, PartialEq)]
pub struct Nested {
    pub name: Ident,
    pub body: Body,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Null,
    Bool(bool),
    /// A number and its literal as written (`mdl fmt` keeps it).
    Number(f64, String),
    /// A string; a plain one has a single `Lit` part.
    Str(Vec<StrPart>),
    List(Vec<Expr>),
    Map(Vec<MapEntry>),
    /// `a.b.c`
    Path(Vec<Ident>),
    /// `expr[index]`
    Index(Box<Expr>, Box<Expr>),
    /// `expr.name` after an index or a call: `subnet.app[each.key].id`
    Field(Box<Expr>, Ident),
    Call(Ident, Vec<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    And,
    Or,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::And => "&&",
            BinOp::Or => "||",
        }
    }

    pub fn from_symbol(s: &str) -> Option<BinOp> {
        Some(match s {
            "==" => BinOp::Eq,
            "!=" => BinOp::Ne,
            "<" => BinOp::Lt,
            "<=" => BinOp::Le,
            ">" => BinOp::Gt,
            ">=" => BinOp::Ge,
            "+" => BinOp::Add,
            "-" => BinOp::Sub,
            "*" => BinOp::Mul,
            "/" => BinOp::Div,
            "%" => BinOp::Rem,
            "&&" => BinOp::And,
            "||" => BinOp::Or,
            _ => return None,
        })
    }

    /// How tightly it binds: `||` 1, `&&` 2, comparisons 3, `+ -` 4,
    /// `* / %` 5.
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 3,
            BinOp::Add | BinOp::Sub => 4,
            BinOp::Mul | BinOp::Div | BinOp::Rem => 5,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum StrPart {
    Lit(String),
    Interp(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub struct MapEntry {
    pub key: String,
    /// Whether the key was written as a quoted string.
    pub quoted: bool,
    pub key_span: Span,
    pub value: Expr,
}

impl Expr {
    /// Visit this expression and every sub-expression, parents first.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        f(self);
        match &self.kind {
            ExprKind::Null | ExprKind::Bool(_) | ExprKind::Number(..) | ExprKind::Path(_) => {}
            ExprKind::Str(parts) => {
                for p in parts {
                    if let StrPart::Interp(e) = p {
                        e.walk(f);
                    }
                }
            }
            ExprKind::List(items) => items.iter().for_each(|e| e.walk(f)),
            ExprKind::Map(entries) => entries.iter().for_each(|e| e.value.walk(f)),
            ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
                a.walk(f);
                b.walk(f);
            }
            ExprKind::Call(_, args) => args.iter().for_each(|e| e.walk(f)),
            ExprKind::Cond(c, a, b) => {
                c.walk(f);
                a.walk(f);
                b.walk(f);
            }
            ExprKind::Not(e) | ExprKind::Field(e, _) => e.walk(f),
        }
    }
}

impl Body {
    /// Visit every expression in this body, nested blocks included.
    pub fn walk_exprs<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        for e in &self.entries {
            match e {
                BodyEntry::Attribute(a) => a.value.walk(f),
                BodyEntry::Nested(n) => n.body.walk_exprs(f),
            }
        }
    }
}
