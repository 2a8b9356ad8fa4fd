//! The HandledScript syntax tree. Every node carries the byte span it was parsed from.

/// A half-open byte range `start..end` into the source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// First byte of the node.
    pub start: u32,
    /// One past the last byte of the node.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end` (byte offsets).
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The span as a `usize` range, for slicing the source.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A name as written in the source.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// A whole `.hs` file: zero or more workflows.
#[derive(Clone, Debug, PartialEq)]
pub struct File {
    /// The workflows in source order.
    pub workflows: Vec<Workflow>,
    /// The whole file.
    pub span: Span,
}

/// `workflow Name { trigger … step* }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Workflow {
    /// The workflow's name.
    pub name: Ident,
    /// What starts a run; `None` when it is missing or could not be parsed (a syntax error
    /// says so, and nothing is checked against a trigger that is not there).
    pub trigger: Option<Trigger>,
    /// The steps in the order written.
    pub steps: Vec<Step>,
    /// The spans of steps that could not be parsed and were skipped (a syntax error says so):
    /// names such a step would have defined are unknown, not undefined.
    pub skipped_steps: Vec<Span>,
    /// From `workflow` to the closing `}`.
    pub span: Span,
}

/// `trigger connector.event { fields }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Trigger {
    /// The connector, such as `shopify`.
    pub connector: Ident,
    /// The event, such as `inventoryChanged`.
    pub event: Ident,
    /// The configuration fields.
    pub block: Block,
    /// From `trigger` to the closing `}`.
    pub span: Span,
}

/// One step of a workflow.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// `transform name { input, output, validate }`.
    Transform(Transform),
    /// `action connector.op [as alias] { params }`.
    Action(Action),
    /// `forEach: list actions: [ … ]`.
    ForEach(ForEach),
}

impl Step {
    /// The span of the whole step.
    pub fn span(&self) -> Span {
        match self {
            Step::Transform(t) => t.span,
            Step::Action(a) => a.span,
            Step::ForEach(f) => f.span,
        }
    }
}

/// `transform name { fields }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Transform {
    /// The transform's name.
    pub name: Ident,
    /// Its fields (`input`, `output`, `validate`).
    pub block: Block,
    /// From `transform` to the closing `}`.
    pub span: Span,
}

/// `action connector.op [as alias] { fields }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    /// The connector, such as `shopify`.
    pub connector: Ident,
    /// The op, such as `updateInventory`.
    pub op: Ident,
    /// The name given with `as`, if any.
    pub alias: Option<Ident>,
    /// The op's parameters and the reserved options.
    pub block: Block,
    /// From `action` to the closing `}`.
    pub span: Span,
}

/// `forEach: list actions: [ {…}, … ]`.
#[derive(Clone, Debug, PartialEq)]
pub struct ForEach {
    /// The list expression.
    pub list: Expr,
    /// One block per item action, in the order written.
    pub actions: Vec<Block>,
    /// From `forEach` to the closing `]`.
    pub span: Span,
}

/// `{ name: expr, … }`: fields separated by commas or by the next field.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// The fields in source order (duplicates are kept; the checker reports them).
    pub fields: Vec<Field>,
    /// From `{` to `}`.
    pub span: Span,
}

impl Block {
    /// The first field with this name.
    pub fn get(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name.name == name)
    }
}

/// `name: expr`.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The field's name.
    pub name: Ident,
    /// Its value.
    pub value: Expr,
    /// From the name to the end of the value.
    pub span: Span,
}

/// An expression of the JavaScript subset.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What kind of expression.
    pub kind: ExprKind,
    /// Where it was written (parentheses around it included).
    pub span: Span,
}

/// The kinds of expression.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A number literal, already converted as JavaScript does (`0x1f`, `1e3`, `.5`, `1_000`).
    Number(f64),
    /// A string literal with its escapes resolved.
    String(String),
    /// A template literal: `quasis.len() == exprs.len() + 1`, cooked text between the `${…}`.
    Template {
        /// The literal pieces, escapes resolved.
        quasis: Vec<String>,
        /// The substituted expressions.
        exprs: Vec<Expr>,
    },
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// `undefined`.
    Undefined,
    /// A bare name: `env`, `trigger`, `input`, `item`, `Math`, a local `const`, an arrow parameter, …
    Ident(String),
    /// `[a, ...b]`.
    Array(Vec<ArrayElem>),
    /// `{ a: 1, b, ...c, "d": 2, [k]: 3 }`.
    Object(Vec<Prop>),
    /// `object.property` or `object?.property`.
    Member {
        /// The object.
        object: Box<Expr>,
        /// The property name.
        property: Ident,
        /// Whether written with `?.`.
        optional: bool,
    },
    /// `object[index]` or `object?.[index]`.
    Index {
        /// The object.
        object: Box<Expr>,
        /// The index expression.
        index: Box<Expr>,
        /// Whether written with `?.[`.
        optional: bool,
    },
    /// `callee(args)` or `callee?.(args)`.
    Call {
        /// What is called (often a `Member`: a method call).
        callee: Box<Expr>,
        /// The arguments.
        args: Vec<ArrayElem>,
        /// Whether written with `?.(`.
        optional: bool,
    },
    /// `new Callee(args)`; arguments may be omitted (`new Date`).
    New {
        /// The constructor.
        callee: Box<Expr>,
        /// The arguments.
        args: Vec<ArrayElem>,
    },
    /// A prefix operator.
    Unary {
        /// Which operator.
        op: UnaryOp,
        /// The operand.
        expr: Box<Expr>,
    },
    /// An arithmetic, comparison or equality operator.
    Binary {
        /// Which operator.
        op: BinaryOp,
        /// The left operand.
        left: Box<Expr>,
        /// The right operand.
        right: Box<Expr>,
    },
    /// `&&`, `||` or `??`.
    Logical {
        /// Which operator.
        op: LogicalOp,
        /// The left operand.
        left: Box<Expr>,
        /// The right operand.
        right: Box<Expr>,
    },
    /// `test ? consequent : alternate`.
    Conditional {
        /// The condition.
        test: Box<Expr>,
        /// The value when truthy.
        consequent: Box<Expr>,
        /// The value when falsy.
        alternate: Box<Expr>,
    },
    /// `x => body`, `(a, b) => body`, `() => { … }`.
    Arrow {
        /// The parameters.
        params: Vec<Ident>,
        /// The body.
        body: ArrowBody,
    },
}

/// An element of an array literal or an argument list.
#[derive(Clone, Debug, PartialEq)]
pub enum ArrayElem {
    /// A plain element.
    Expr(Expr),
    /// `...expr`; the span covers the dots.
    Spread(Expr, Span),
}

/// A property of an object literal.
#[derive(Clone, Debug, PartialEq)]
pub enum Prop {
    /// `key: value`.
    KeyValue {
        /// The key.
        key: PropKey,
        /// The value.
        value: Expr,
    },
    /// `{ name }`, short for `{ name: name }`.
    Shorthand(Ident),
    /// `...expr`; the span covers the dots.
    Spread(Expr, Span),
}

/// The key of an object literal property.
#[derive(Clone, Debug, PartialEq)]
pub enum PropKey {
    /// `name:` (also keywords such as `default:`).
    Ident(Ident),
    /// `"name":` with its escapes resolved.
    String(String, Span),
    /// `42:`; the key is the number printed as JavaScript prints it.
    Number(f64, Span),
    /// `[expr]:`.
    Computed(Box<Expr>),
}

/// The body of an arrow function.
#[derive(Clone, Debug, PartialEq)]
pub enum ArrowBody {
    /// `x => expr`.
    Expr(Box<Expr>),
    /// `x => { statements }`.
    Block(Vec<Stmt>, Span),
}

/// A statement inside an arrow function's block body.
#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    /// `const name = init;`.
    Const {
        /// The declared name.
        name: Ident,
        /// Its value.
        init: Expr,
        /// The whole statement.
        span: Span,
    },
    /// `let name [= init];`.
    Let {
        /// The declared name.
        name: Ident,
        /// Its initial value, if any.
        init: Option<Expr>,
        /// The whole statement.
        span: Span,
    },
    /// `name = value;` (only for names declared with `let`; the checker enforces it).
    Assign {
        /// The assigned name.
        name: Ident,
        /// The new value.
        value: Expr,
        /// The whole statement.
        span: Span,
    },
    /// `if (test) then [else otherwise]`; a single statement is stored as a one-element list.
    If {
        /// The condition.
        test: Expr,
        /// Statements run when truthy.
        then: Vec<Stmt>,
        /// Statements run when falsy (`else if` is a nested `If`).
        otherwise: Option<Vec<Stmt>>,
        /// The whole statement.
        span: Span,
    },
    /// `return [expr];`.
    Return {
        /// The returned value (`undefined` when absent).
        value: Option<Expr>,
        /// The whole statement.
        span: Span,
    },
    /// An expression used as a statement (its value is discarded).
    Expr(Expr),
}

/// Prefix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    /// `!`
    Not,
    /// `-`
    Neg,
    /// `+`
    Plus,
    /// `typeof`
    Typeof,
}

/// Binary operators other than the logical ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
    /// `**` (right-associative; a unary operator directly on its left is a syntax error, as in JavaScript)
    Pow,
    /// `==`
    LooseEq,
    /// `!=`
    LooseNe,
    /// `===`
    StrictEq,
    /// `!==`
    StrictNe,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// `&&`, `||`, `??`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogicalOp {
    /// `&&`
    And,
    /// `||`
    Or,
    /// `??` (cannot be mixed with `&&`/`||` without parentheses, as in JavaScript)
    Nullish,
}

impl BinaryOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Rem => "%",
            BinaryOp::Pow => "**",
            BinaryOp::LooseEq => "==",
            BinaryOp::LooseNe => "!=",
            BinaryOp::StrictEq => "===",
            BinaryOp::StrictNe => "!==",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
        }
    }
}

impl LogicalOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            LogicalOp::And => "&&",
            LogicalOp::Or => "||",
            LogicalOp::Nullish => "??",
        }
    }
}
