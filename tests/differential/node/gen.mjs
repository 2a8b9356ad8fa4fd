// Generates the differential corpus `data/cases.json`: HandledScript expressions (the
// JavaScript subset of LANGUAGE.md §4) paired with random JSON inputs, each evaluated by
// Node.js. The Rust test `tests/expressions.rs` runs the same expressions compiled by the code
// generator and compares `typeof`, `JSON.stringify` and the kind of error thrown.
//
// Expressions come from a typed grammar with a depth limit, printed with the parentheses that
// JavaScript's precedence requires (plus a few redundant ones), so that every expression is
// well-formed JavaScript inside the subset. Besides the random expressions, `curated.txt` (next
// to this file, one expression per line) holds hand-written expressions for the corners where
// JavaScript is easiest to get wrong (number formatting and parsing, -0, NaN, UTF-16, Unicode
// case mapping and whitespace, sort order, property order, identity, JSON escapes, dates at the
// edges of their range); they come first. Everything is deterministic: the PRNG seed is fixed
// below, and nothing reads the clock (no `Date.now()`, no `new Date()` without an argument).
//
// Usage: node gen.mjs OUT.json

import { readFileSync, writeFileSync } from "node:fs";

const SEED = 0x48534466; // "HSDf"
const EXPRESSIONS = 4600; // distinct random expressions (after the curated ones)
const INPUTS_PER_EXPRESSION = 2; // each expression is evaluated on this many inputs
const MAX_DEPTH = 4;

// ---------------------------------------------------------------- PRNG (mulberry32)

let state = SEED >>> 0;
function rand() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n) => Math.floor(rand() * n);
const pick = (xs) => xs[int(xs.length)];
const chance = (p) => rand() < p;
/** Picks by weight: `[[w, f], …]`, calls the chosen `f`. */
function weighted(table) {
  let total = 0;
  for (const [w] of table) total += w;
  let r = rand() * total;
  for (const [w, f] of table) {
    if ((r -= w) < 0) return f();
  }
  return table[table.length - 1][1]();
}

// ---------------------------------------------------------------- inputs

const STRING_VALUES = [
  "abc", "A-1", " 12 ", "12", "0x10", "", "Infinity", "-Infinity", "😀x", "𝒳y", "a,b,c", "1e3", "-0",
  "12px", "  padded  ", "TSHIRT-RED-M", "Zebra", "apple", "ß", "ΟΔΟΣ", "é", "true", "null", "0", "3.50",
  " \n7\t", ".5", "0b11", "a-b-a-b", "Hello World", "x$&y", "😀😀", "NaN", "1,2", "[object Object]",
];
const NUMBER_VALUES = [
  0, 1, 2, 3, 7, 10, 42, -1, -5, 100, 255, 1000, 0.5, 0.1, 0.2, 1.5, 2.5, -2.5, 3.14159, 4.35, 1.005,
  0.49999999999999994, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, 9007199254740992, 9007199254740993,
  123456789012345680000, 0.000001, -0.5, 1e300,
];
const ISO_DATES = [
  "2026-03-08T07:30:00Z", "2026-11-28", "2026-11-28T10:00:00.000Z", "1970-01-01T00:00:00Z", "2000-02-29T12:34:56.789Z",
  "2026-11-28T10:00:00+02:00", "1969-12-31T23:59:59.999Z", "2026-06", "2026", "2026-11-28T10:00Z", "2026-11-28T24:00:00Z",
  "+275760-09-13T00:00:00.000Z", "-000001-01-01T00:00:00Z", "2026-11-28T10:00:00.5Z", "+002026-11-28T00:00:00Z",
];

function smallInt() {
  return pick([0, 1, 2, 3, 4, 5, 8, 12, -1, -3]);
}
function someNumber() {
  return chance(0.5) ? smallInt() : pick(NUMBER_VALUES);
}
function someString() {
  return pick(STRING_VALUES);
}
/** A value of any JSON type, shallow or nested. */
function anyValue(depth = 0) {
  return weighted([
    [4, () => someNumber()],
    [4, () => someString()],
    [1, () => null],
    [1, () => chance(0.5)],
    [depth < 2 ? 1.5 : 0, () => Array.from({ length: int(4) }, () => anyValue(depth + 1))],
    [depth < 2 ? 1 : 0, () => someObject(depth + 1)],
  ]);
}
/** An object whose keys include integer-like ones (and keys that only look integer-like). */
function someObject(depth) {
  const o = {};
  for (const k of ["a", "b", "2", "1", "10", "01", "-1", "x y", "4294967295", "4294967294", "1.5"]) {
    if (chance(0.35)) o[k] = anyValue(depth + 1);
  }
  return o;
}
function item() {
  const it = { sku: pick(["A", "B", "b", "C-1", "a", "😀", "Z", ""]), qty: pick([0, 1, 2, 3, 5, 10, -1, 7]) };
  if (chance(0.7)) it.price = pick([9.99, 0.1, 0.2, 12, 100, 4.35, 1.005, 0]);
  if (chance(0.85)) it.tags = Array.from({ length: int(3) }, () => pick(["red", "blue", "", "sale", "😀"]));
  if (chance(0.5)) it.active = chance(0.6);
  if (chance(0.15)) it.note = anyValue(1);
  return it;
}
/** One input: the fields expressions read, of the usual type most of the time, of another type
 * or missing some of the time. */
function input() {
  const inp = {};
  const maybe = (k, usual) => {
    const r = rand();
    if (r < 0.05) return; // missing
    inp[k] = r < 0.13 ? anyValue(1) : usual();
  };
  maybe("n", someNumber);
  maybe("m", () => (chance(0.5) ? smallInt() : someNumber()));
  maybe("f", () => pick([0.5, 1.25, -2.5, 0.1, 3.14159, 2.5, 0.49999999999999994, 1.005, -0.5, 1e-7]));
  maybe("k", smallInt);
  maybe("s", someString);
  maybe("t", someString);
  maybe("b", () => chance(0.5));
  inp.nul = null;
  maybe("date", () => (chance(0.7) ? pick(ISO_DATES) : pick([0, 1700000000000, -1, 8.64e15, 1.5])));
  maybe("arr", () => Array.from({ length: int(5) }, () => anyValue(1)));
  maybe("nums", () => Array.from({ length: int(5) }, () => (chance(0.9) ? someNumber() : anyValue(2))));
  maybe("strs", () => Array.from({ length: int(5) }, () => (chance(0.9) ? someString() : anyValue(2))));
  maybe("items", () => Array.from({ length: chance(0.1) ? 0 : 1 + int(3) }, item));
  maybe("obj", () => someObject(1));
  maybe("nested", () => ({
    a: chance(0.8) ? { b: chance(0.8) ? { c: anyValue(2) } : anyValue(2) } : null,
    list: Array.from({ length: chance(0.1) ? int(2) : 2 + int(2) }, () => Array.from({ length: int(3) }, () => (chance(0.8) ? smallInt() : anyValue(2)))),
  }));
  if (chance(0.2)) inp["1"] = anyValue(1);
  if (chance(0.1)) inp["0"] = anyValue(1);
  return inp;
}

// ---------------------------------------------------------------- expressions
//
// An expression is `{ s, p, op }`: its text, its precedence (20 member/call/primary, 15 unary,
// 14 `**`, 13 multiplicative, 12 additive, 10 relational, 9 equality, 5 `&&`, 4 `||` and `??`,
// 3 conditional, 2 arrow) and, for binary operators, the operator.

const P = (s, p = 20, op = null) => ({ s, p, op });
const prim = (s) => P(s, 20);

/** The text of `e` as an operand that needs precedence at least `min`. */
function wrap(e, min) {
  if (e.p < min || (chance(0.04) && e.p < 20)) return `(${e.s})`;
  return e.s;
}
/** `e` as the object of a member access or call. */
function obj(e) {
  if (e.p < 20 || /^[-\d.]/.test(e.s) || e.isNew) return `(${e.s})`;
  return e.s;
}

const PREC = { "**": 14, "*": 13, "/": 13, "%": 13, "+": 12, "-": 12, "<": 10, "<=": 10, ">": 10, ">=": 10,
  "==": 9, "!=": 9, "===": 9, "!==": 9, "&&": 5, "||": 4, "??": 4 };

function binary(op, l, r) {
  const p = PREC[op];
  let ls, rs;
  if (op === "**") {
    ls = wrap(l, 16); // a unary operand on the left of `**` is a SyntaxError
    rs = wrap(r, 14);
  } else if (op === "??") {
    ls = l.op === "??" ? wrap(l, 4) : wrap(l, 6); // `??` does not mix with `&&`/`||` without parentheses
    rs = wrap(r, 6);
  } else if (op === "||") {
    ls = l.op === "??" ? `(${l.s})` : wrap(l, 4);
    rs = wrap(r, 5);
  } else {
    ls = wrap(l, p);
    rs = wrap(r, p + 1);
  }
  return P(`${ls} ${op} ${rs}`, p, op);
}
function unary(op, e) {
  let s = wrap(e, 15);
  if (op !== "typeof " && /^[-+]/.test(s)) s = `(${s})`;
  return P(`${op}${s}`, 15);
}
function cond(c, a, b) {
  return P(`${wrap(c, 4)} ? ${wrap(a, 3)} : ${wrap(b, 3)}`, 3);
}
function call(callee, args) {
  return prim(`${callee}(${args.map((a) => (a.spread ? a.s : wrap(a, 2))).join(", ")})`);
}
function method(recv, name, args, optional = chance(0.06)) {
  return prim(`${obj(recv)}${optional ? "?." : "."}${name}(${args.map((a) => (a.spread ? a.s : wrap(a, 2))).join(", ")})`);
}
function spread(e) {
  return { s: `...${wrap(e, 3)}`, spread: true };
}

// Literals.

const NUMBER_LITERALS = [
  "0", "1", "2", "3", "7", "10", "42", "100", "255", "0.5", ".5", "1.5", "2.5", "0.1", "0.2", "0.3", "4.35", "1.005",
  "1e21", "1e-7", "1e3", "2.5e-3", "1E2", "0x1F", "0xff", "0X10", "9007199254740993", "1.7976931348623157e308",
  "5e-324", "1e300", "123456789.123", "0.000001", "0.49999999999999994", "1000000000000000128", "3.0",
  "1.5e-10", "123e-20", "0.1e-6", "2e-7", "1e+21", "999999999999999900000", "4294967295", "0.000123",
];
function numberLiteral() {
  if (chance(0.06)) return unary("-", prim("0"));
  if (chance(0.04)) return prim(pick(["NaN", "Infinity"]));
  if (chance(0.1)) return unary("-", prim(pick(NUMBER_LITERALS)));
  return prim(pick(NUMBER_LITERALS));
}

const STRING_PIECES = [
  "a", "b", "B", "x", "Z", " ", "-", ",", "0", "1", "12", ".", "$", "$&", "$$", "{", "}",
  "\\n", "\\t", "\\\\", "\\u00e9", "\\u{1F600}", "\\x41", "\\uD83D\\uDE00", "😀", "𝒳", "é", "ß", "\\r", "\\0x", "\\v", "\\u00a0", "\\ufeff", "\\u2028", "\\u200b",
  "\\u0001", "\\u001f", "\\b", "\\f", "\\uFFFD", "ｚ", "İ", "Σ", "ŉ", "$0", "$1", "$<x>", "$'", "$`",
];
const STRING_WORDS = [
  "abc", "A-1", " 12 ", "12", "0x10", "", "Infinity", "😀x", "a,b,c", "1e3", "-0", "12px", "TSHIRT-RED-M",
  "sale", "red", "A", "a", "0", "3.50", "null", "true", "ΟΔΟΣ", "ß", "\\u00a0 12\\ufeff", "\\uFFFF", "1_000", "-0x1A",
  "0b11", ".5e1", "+Infinity", "1e21", "  -12.5e-1xyz", "z", "123456789012345678901234567890",
];
function stringContent() {
  if (chance(0.55)) return pick(STRING_WORDS);
  let s = "";
  const n = 1 + int(5);
  for (let i = 0; i < n; i++) s += pick(STRING_PIECES);
  return s;
}
function stringLiteral() {
  const q = pick(['"', "'"]);
  let body = stringContent().replaceAll(q, `\\${q}`);
  if (chance(0.08)) body += q === '"' ? '\\"' : "\\'";
  if (chance(0.05)) body += q === '"' ? "'" : '"';
  return prim(`${q}${body}${q}`);
}
function template(d, scope) {
  const parts = 1 + int(3);
  let s = "`";
  for (let i = 0; i < parts; i++) {
    s += pick(["", "v=", "SKU ", " ", "\\`", "\\${x}", "😀", "\\n", "-", "$", "{"]);
    if (i < parts - 1 || chance(0.8)) s += "${" + genAny(d + 1, scope).s + "}";
  }
  s += pick(["", "!", " units", "\\u{1F600}", "}"]);
  return prim(s + "`");
}

// Reading the input.

const NUM_PATHS = ["input.n", "input.m", "input.f", "input.k", "input.nums[0]", "input.nums[1]", 'input["n"]', "input.items[0].qty", "input.items[0].price", "input.nested.list[0][0]"];
const STR_PATHS = ["input.s", "input.t", "input.strs[0]", "input.strs[2]", 'input["s"]', "input.items[0].sku", "input.date"];
const ARR_PATHS = ["input.arr", "input.nums", "input.strs", "input.items", "input.nested.list", "input.items[0].tags", "input.nested.list[1]"];
const OBJ_PATHS = ["input.obj", "input.nested", "input.items[0]", "input.nested.a", "input.nested.a.b"];
const ANY_PATHS = [
  "input.missing", "input.nul", "input.b", "input.arr[1]", "input.obj.a", 'input.obj["1"]', "input.obj[2]", 'input.obj["01"]',
  'input.obj["x y"]', "input[1]", 'input["0"]', "input.nested.a.b.c", "input.obj.b", "input.arr[-1]", "input.nums[1.5]",
  "input.nums.length", "input.s.length", "input.s[0]", "input.nested?.a?.b", "input.missing?.x", "input.missing?.x.y.z",
  "input.nul?.[0]", "input.arr?.[0]", "input.obj?.[1]", 'input?.["nested"]?.a', "input.items?.[0]?.sku", "input.nul?.x",
  "input.strs?.[input.k]", "input.arr[input.k]", "input.s[input.k]", "input.items[1]?.price", "input.arr[-0]", 'input.arr["1"]',
  'input.arr["01"]', "input.nums[1.0]", 'input.obj["4294967295"]', "input.s?.trim()", "input.nul?.toUpperCase().length",
  "input.missing?.[0].x", "input.strs[0]?.length", "input.s?.slice(1)",
];

function localOf(scope, kinds) {
  const xs = scope.filter((v) => kinds.includes(v.kind));
  return xs.length ? pick(xs) : null;
}

// Leaves of each type (typed by intent: an input field can hold anything).

function leafNum(scope) {
  const l = localOf(scope, ["num", "any"]);
  if (l && chance(0.45)) return prim(l.name);
  const it = localOf(scope, ["item"]);
  if (it && chance(0.4)) return prim(`${it.name}.${pick(["qty", "price", "qty", "missing"])}`);
  return chance(0.45) ? numberLiteral() : prim(pick(NUM_PATHS));
}
function leafStr(scope) {
  const l = localOf(scope, ["str", "any"]);
  if (l && chance(0.45)) return prim(l.name);
  const it = localOf(scope, ["item"]);
  if (it && chance(0.4)) return prim(`${it.name}.sku`);
  return chance(0.45) ? stringLiteral() : prim(pick(STR_PATHS));
}
function leafArr(scope) {
  const l = localOf(scope, ["arr"]);
  if (l && chance(0.5)) return prim(l.name);
  const it = localOf(scope, ["item"]);
  if (it && chance(0.3)) return prim(`${it.name}.tags`);
  if (chance(0.2)) return prim(pick(["[1, 2, 3]", "[]", '["b", "a", "C"]', "[3, 1, 10, 2]", "[0.5, -1, null, 2]", '[1, [2, [3, [4]]], "x"]', "[NaN, 0, -0]"]));
  return prim(pick(ARR_PATHS));
}
function leafObj(scope) {
  const it = localOf(scope, ["item"]);
  if (it && chance(0.5)) return prim(it.name);
  if (chance(0.15)) return prim(pick(["({})", '({ a: 1, b: "x" })', '({ 2: "two", 1: "one", z: 0 })']));
  return prim(pick(OBJ_PATHS));
}
function leafAny(scope) {
  if (scope.length && chance(0.3)) {
    const v = pick(scope);
    return prim(v.kind === "item" && chance(0.5) ? `${v.name}.${pick(["sku", "qty", "tags", "active", "note", "price"])}` : v.name);
  }
  return weighted([
    [3, () => prim(pick(ANY_PATHS))],
    [1, () => prim(pick(["null", "undefined", "true", "false"]))],
    [1, () => numberLiteral()],
    [1, () => stringLiteral()],
  ]);
}

// Arrow functions, as the callbacks of array methods.

const PARAMS = ["x", "y", "z", "w", "v"];
function paramName(scope) {
  return PARAMS[scope.filter((v) => v.param).length % PARAMS.length] + (scope.length >= 5 ? scope.length : "");
}
/** An arrow with the given parameters (`[{ name, kind }]`) whose body gives `kind`. */
function arrow(d, scope, params, kind) {
  const inner = [...scope, ...params.map((p) => ({ ...p, param: true }))];
  const head = params.length === 1 && chance(0.6) ? params[0].name : `(${params.map((p) => p.name).join(", ")})`;
  if (chance(0.22)) return P(`${head} => ${block(d, inner, kind)}`, 2);
  const body = gen(kind, d + 1, inner);
  return P(`${head} => ${body.s.startsWith("{") ? `(${body.s})` : wrap(body, 3)}`, 2);
}
/** A block body: `const`, `let`, `if`/`else`, assignment to a `let`, `return`. */
function block(d, scope, kind) {
  const tag = scope.length;
  const stmts = [];
  const inner = [...scope];
  const c = `c${tag}`;
  stmts.push(`const ${c} = ${gen(pick(["num", "str", "any", "bool"]), d + 2, inner).s};`);
  inner.push({ name: c, kind: "any" });
  let l = null;
  if (chance(0.6)) {
    l = `t${tag}`;
    stmts.push(`let ${l} = ${gen(kind, d + 2, inner).s};`);
    inner.push({ name: l, kind: "any" });
  }
  const test = gen("bool", d + 2, inner).s;
  const branch = () => (l && chance(0.5) ? `${l} = ${gen(kind, d + 2, inner).s};` : `return ${gen(kind, d + 2, inner).s};`);
  if (chance(0.75)) {
    let s = `if (${test}) { ${branch()} }`;
    if (chance(0.4)) s += ` else if (${gen("bool", d + 2, inner).s}) { ${branch()} }`;
    if (chance(0.5)) s += ` else { ${branch()} }`;
    stmts.push(s);
  }
  if (chance(0.15) && l) stmts.push(`const s${tag} = ${gen("any", d + 2, inner).s};`, `return { ${l}, s${tag} };`);
  else stmts.push(`return ${l && chance(0.6) ? l : gen(kind, d + 2, inner).s};`);
  return `{ ${stmts.join(" ")} }`;
}

function elemKind(arrText) {
  if (/items(\[1\])?$|items\.slice\(\)$/.test(arrText)) return "item";
  if (/nums|\[3, 1, 10, 2\]|\[1, 2, 3\]/.test(arrText)) return "num";
  if (/strs|tags|"b", "a"/.test(arrText)) return "str";
  if (/nested\.list$/.test(arrText)) return "arr";
  return "any";
}

/** A comparator that is consistent for any elements (so that the order does not depend on the
 * sort algorithm); for items, their `qty` is always a number and their `sku` a string. */
function comparator(kind, scope) {
  const a = `a${scope.length}`;
  const b = `b${scope.length}`;
  if (kind === "item") {
    return pick([
      `(${a}, ${b}) => ${a}.qty - ${b}.qty`,
      `(${a}, ${b}) => ${b}.qty - ${a}.qty || (${a}.sku < ${b}.sku ? -1 : ${a}.sku > ${b}.sku ? 1 : 0)`,
      `(${a}, ${b}) => ${a}.sku < ${b}.sku ? -1 : ${a}.sku > ${b}.sku ? 1 : 0`,
      `(${a}, ${b}) => { if (${a}.qty === ${b}.qty) { return 0; } return ${a}.qty < ${b}.qty ? 1 : -1; }`,
    ]);
  }
  return pick([
    `(${a}, ${b}) => String(${a}) < String(${b}) ? -1 : String(${a}) > String(${b}) ? 1 : 0`,
    `(${a}, ${b}) => String(${b}).length - String(${a}).length`,
    `(${a}, ${b}) => 0`,
    `(${a}, ${b}) => typeof ${a} === typeof ${b} ? 0 : typeof ${a} < typeof ${b} ? -1 : 1`,
  ]);
}
/** A comparator for an array known to hold numbers only. */
function numericComparator(scope) {
  const a = `a${scope.length}`;
  const b = `b${scope.length}`;
  return pick([`(${a}, ${b}) => ${a} - ${b}`, `(${a}, ${b}) => ${b} - ${a}`, `(${a}, ${b}) => { const d = ${a} - ${b}; return d; }`, `(${a}, ${b}) => ${a} < ${b} ? -1 : ${a} > ${b} ? 1 : 0`]);
}

/** An array method call on `arr` (whose elements are of kind `ek`), giving any type. */
function arrayMethod(d, scope, arr, ek) {
  const x = { name: paramName(scope), kind: ek };
  const i = { name: `i${scope.length}`, kind: "num" };
  const ps = () => (chance(0.2) ? [x, i] : [x]);
  return weighted([
    [3, () => method(arr, "map", [arrow(d, scope, ps(), pick(["num", "str", "any", "obj", "bool"]))])],
    [3, () => method(arr, "filter", [arrow(d, scope, ps(), pick(["bool", "bool", "any"]))])],
    [2, () => method(arr, "find", [arrow(d, scope, [x], "bool")])],
    [2, () => method(arr, "findIndex", [arrow(d, scope, [x], "bool")])],
    [2, () => method(arr, "some", [arrow(d, scope, [x], pick(["bool", "any"]))])],
    [2, () => method(arr, "every", [arrow(d, scope, [x], "bool")])],
    [3, () => {
      const acc = { name: `acc${scope.length}`, kind: "any" };
      const body = arrow(d, scope, [acc, x], pick(["num", "str", "any"]));
      // `acc + x` most of the time, so that sums and concatenations are common.
      const simple = P(`(${acc.name}, ${x.name}) => ${acc.name} + ${ek === "item" ? `${x.name}.qty` : x.name}`, 2);
      const f = chance(0.5) ? simple : body;
      return chance(0.85) ? method(arr, "reduce", [f, gen(pick(["num", "str", "arr", "obj"]), d + 2, scope)]) : method(arr, "reduce", [f]);
    }],
    [2, () => method(arr, "flatMap", [arrow(d, scope, [x], pick(["arr", "any", "num"]))])],
    [2, () => method(arr, "sort", [P(ek === "item" ? comparator("item", scope) : comparator("any", scope), 2)])],
    [1, () => method(arr, "sort", [])],
    [1, () => method(arr, "reverse", [])],
    [2, () => method(arr, pick(["includes", "indexOf"]), chance(0.2) ? [gen("any", d + 1, scope), numberLiteral()] : [gen(pick(["num", "str", "any"]), d + 1, scope)])],
    [2, () => method(arr, "join", chance(0.3) ? [] : [pick([stringLiteral(), prim('", "'), prim('""'), prim("undefined"), prim("null")])])],
    [2, () => method(arr, "slice", pick([[], [leafNum(scope)], [leafNum(scope), leafNum(scope)], [prim("1")], [unary("-", prim("1"))]]))],
    [2, () => method(arr, "concat", Array.from({ length: int(3) }, () => gen(pick(["arr", "any", "num"]), d + 1, scope)))],
    [1, () => method(arr, "flat", pick([[], [prim("2")], [prim("0")], [prim("Infinity")]]))],
    [2, () => prim(`${obj(arr)}.length`)],
  ]);
}

/** A string method call on `str`. */
function stringMethod(d, scope, str) {
  const sub = (k) => gen(k, d + 1, scope);
  const small = () => (chance(0.7) ? prim(pick(["0", "1", "2", "3", "5", "-1", "-2", "10", "8", "1.5", "NaN"])) : prim(pick(["input.k", "input.m"])));
  return weighted([
    [2, () => prim(`${obj(str)}.length`)],
    [2, () => method(str, pick(["includes", "startsWith", "endsWith", "indexOf"]), chance(0.25) ? [sub("str"), small()] : [sub("str")])],
    [2, () => method(str, "slice", pick([[small()], [small(), small()], []]))],
    [2, () => method(str, "substring", pick([[small()], [small(), small()]]))],
    [2, () => method(str, "split", pick([[prim('","')], [prim('""')], [prim('"-"')], [prim('" "')], [], [sub("str")], [prim('","'), prim("2")]]))],
    [2, () => method(str, pick(["trim", "toLowerCase", "toUpperCase"]), [])],
    [2, () => method(str, pick(["padStart", "padEnd"]), chance(0.3) ? [small()] : [small(), pick([prim('"0"'), prim('"ab"'), prim('""'), prim('"😀"'), stringLiteral()])])],
    [2, () => method(str, pick(["replace", "replaceAll"]), [pick([sub("str"), prim('"a"'), prim('"-"'), prim('""'), prim('"😀"')]), pick([sub("str"), prim('"$&$&"'), prim('"[$`|$\']"'), prim('"$$"'), prim('"_"'), prim('""')])])],
    [2, () => method(str, "concat", Array.from({ length: int(3) }, () => sub(pick(["str", "num", "any"]))))],
  ]);
}

// Generators by intended type.

function genNum(d, scope) {
  if (d >= MAX_DEPTH) return leafNum(scope);
  const sub = (k = "num") => gen(k, d + 1, scope);
  return weighted([
    [4, () => leafNum(scope)],
    [5, () => binary(pick(["+", "-", "*", "/", "%", "**", "-", "*"]), sub(), sub())],
    [1, () => binary(pick(["-", "*", "/", "%"]), sub(pick(["str", "any", "arr"])), sub(pick(["num", "str", "any"])))],
    [2, () => unary(pick(["-", "+"]), sub(pick(["num", "str", "any", "bool", "arr"])))],
    [3, () => {
      const f = pick(["max", "min", "floor", "ceil", "round", "trunc", "abs", "sign", "pow"]);
      if (f === "max" || f === "min") {
        const r = rand();
        if (r < 0.4) return call(`Math.${f}`, [spread(gen("arr", d + 1, scope))]);
        if (r < 0.5) return call(`Math.${f}`, [sub(), spread(prim(pick(["input.nums", "[1, 2]", "[]"])))]);
        if (r < 0.55) return call(`Math.${f}`, []);
        return call(`Math.${f}`, Array.from({ length: 1 + int(3) }, () => sub(chance(0.8) ? "num" : "any")));
      }
      if (f === "pow") return call("Math.pow", [sub(), sub()]);
      return call(`Math.${f}`, [sub(chance(0.85) ? "num" : "any")]);
    }],
    [2, () => call(pick(["Number", "parseInt", "parseFloat"]), [sub(pick(["str", "str", "any", "num", "arr", "bool"]))])],
    [0.5, () => call("parseInt", [sub("str"), prim(pick(["10", "16", "2", "36", "0", "1"]))])],
    [2, () => stringMethod(d, scope, sub("str"))],
    [2, () => arrayMethod(d, scope, gen("arr", d + 1, scope), "any")],
    [1, () => {
      const a = leafArr(scope);
      if (chance(0.5)) return method(a, "indexOf", [sub()]);
      return method(a, "findIndex", [arrow(d, scope, [{ name: paramName(scope), kind: elemKind(a.s) }], "bool")]);
    }],
    [1, () => method(dateExpr(d, scope), "getTime", [])],
    [0.4, () => binary("-", dateExpr(d, scope), dateExpr(d, scope))],
    [1, () => cond(sub("bool"), sub(), sub())],
    [2, () => numericEdge()],
    [1, () => {
      const a = pick(["input.nums", "[3, 1, 10, 2]", "[1, 2, 3]", "input.items.map(q => q.qty)"]);
      return method(prim(a), "reduce", [P(pick(["(s, e) => s + e", "(s, e) => s * e", "(s, e) => Math.max(s, e)", "(s, e) => s - e"]), 2), numberLiteral()]);
    }],
  ]);
}

function dateExpr(d, scope) {
  const arg = weighted([
    [3, () => prim(JSON.stringify(pick(ISO_DATES)))],
    [2, () => prim(pick(["0", "1700000000000", "-1", "8.64e15", "8640000000000001", "1.5", "86400000", "-62198755200000"]))],
    [2, () => prim("input.date")],
    [1, () => prim(pick(["input.n", "input.k"]))],
    [0.5, () => prim(pick(["NaN", "null", "undefined"]))],
  ]);
  return { ...prim(`new Date(${arg.s})`), isNew: true };
}

function genStr(d, scope) {
  if (d >= MAX_DEPTH) return leafStr(scope);
  const sub = (k = "str") => gen(k, d + 1, scope);
  return weighted([
    [4, () => leafStr(scope)],
    [3, () => template(d, scope)],
    [3, () => binary("+", sub(pick(["str", "num", "any"])), sub(pick(["str", "num", "any", "arr", "obj"])))],
    [2, () => call("String", [sub(pick(["num", "num", "any", "arr", "obj", "bool"]))])],
    [4, () => stringMethod(d, scope, sub())],
    [2, () => method(gen("arr", d + 1, scope), "join", chance(0.4) ? [] : [prim(pick(['"-"', '""', '", "', "undefined"]))])],
    [2, () => {
      const v = sub(pick(["any", "obj", "arr", "num", "str", "bool"]));
      const indent = chance(0.4) ? [prim("null"), prim(pick(["2", "0", "4", '"  "', '"--"', "20", '"\\t"']))] : [];
      return call("JSON.stringify", [v, ...indent]);
    }],
    [1, () => unary("typeof ", sub(pick(["any", "num", "arr", "obj"])))],
    [1, () => method(dateExpr(d, scope), "toISOString", [])],
    [1, () => cond(sub("bool"), sub(), sub())],
    [1, () => prim(`${obj(sub())}[${wrap(leafNum(scope), 3)}]`)],
  ]);
}

function genBool(d, scope) {
  if (d >= MAX_DEPTH) {
    return weighted([
      [1, () => prim(pick(["true", "false", "input.b"]))],
      [1, () => binary(pick(["<", ">", "===", "!=="]), leafNum(scope), leafNum(scope))],
      [1, () => unary("!", leafAny(scope))],
    ]);
  }
  const sub = (k) => gen(k, d + 1, scope);
  return weighted([
    [1, () => prim(pick(["true", "false", "input.b"]))],
    [5, () => binary(pick(["==", "!=", "===", "!==", "<", "<=", ">", ">="]), sub(pick(["num", "num", "str", "any"])), sub(pick(["num", "str", "any"])))],
    [2, () => binary(pick(["==", "!=", "===", "!=="]), crossValue(), crossValue())],
    [1, () => binary(pick(["<", "<=", ">", ">="]), crossValue(), crossValue())],
    [2, () => binary(pick(["&&", "||"]), sub("bool"), sub(pick(["bool", "any"])))],
    [2, () => unary("!", sub(pick(["bool", "any", "num", "str"])))],
    [2, () => call(pick(["isNaN", "Number.isInteger", "Number.isFinite", "Array.isArray", "Boolean"]), [sub(pick(["num", "any", "str", "arr"]))])],
    [2, () => method(sub("str"), pick(["includes", "startsWith", "endsWith"]), [sub("str")])],
    [2, () => {
      const a = sub("arr");
      return method(a, pick(["some", "every"]), [arrow(d, scope, [{ name: paramName(scope), kind: elemKind(a.s) }], "bool")]);
    }],
    [1, () => method(sub("arr"), "includes", [sub(pick(["num", "str", "any"]))])],
    [1, () => binary(pick(["===", "!=="]), unary("typeof ", sub("any")), prim(pick(['"number"', '"string"', '"object"', '"undefined"', '"boolean"'])))],
  ]);
}
/** Values of every type, for `==`/`<` across types. */
function crossValue() {
  return prim(pick([
    "null", "undefined", "0", "-0", "1", "2", '""', '"0"', '"1"', '" 1 "', '"a"', "true", "false", "NaN", "[]", "[0]", "[1]", "[1, 2]",
    '"1,2"', "({})", '"[object Object]"', "input.n", "input.s", "input.nul", "input.missing", "input.arr", "input.b", "Infinity",
    '"Infinity"', '"0x10"', "input.nums[0]", "input.obj", "[null]", "[[]]", '"abc"', '"ABC"', '"b"', '"10"', '"9"', "10", "9", '"\\n"', '"\\u00a0"', '"😀"', '"\\uFFFF"',
    '"ｚ"', "-Infinity", '"-0"', "[undefined]", '"1e3"', "1000",
  ]));
}

function genArr(d, scope) {
  if (d >= MAX_DEPTH) return leafArr(scope);
  const sub = (k) => gen(k, d + 1, scope);
  return weighted([
    [4, () => leafArr(scope)],
    [2, () => prim(`[${Array.from({ length: int(4) }, () => (chance(0.2) ? spread(sub(pick(["arr", "arr", "str", "any"]))).s : wrap(sub(pick(["num", "str", "any", "bool"])), 3))).join(", ")}]`)],
    [4, () => {
      const a = sub("arr");
      const ek = elemKind(a.s);
      const x = { name: paramName(scope), kind: ek };
      return weighted([
        [3, () => method(a, "map", [arrow(d, scope, [x], pick(["num", "str", "any", "obj"]))])],
        [3, () => method(a, "filter", [arrow(d, scope, [x], "bool")])],
        [1, () => method(a, "flatMap", [arrow(d, scope, [x], pick(["arr", "any"]))])],
        [1, () => method(a, "slice", pick([[], [prim("1")], [unary("-", prim("2"))], [prim("0"), prim("2")]]))],
        [1, () => method(a, "concat", [sub(pick(["arr", "any"]))])],
        [1, () => method(a, "flat", pick([[], [prim("2")]]))],
        [1, () => method(a, "reverse", [])],
        [1, () => method(a, "sort", [])],
        [1, () => method(a, "sort", [P(ek === "item" ? comparator("item", scope) : comparator("any", scope), 2)])],
      ]);
    }],
    [2, () => {
      // Numeric sorts over arrays of numbers only.
      const a = pick(["input.items.map(q => q.qty)", "[3, 1, 10, 2, -1, 0.5]", "[5, 25, 100, 1]", "input.items.map(q => q.price ?? 0)"]);
      return method(prim(a), "sort", [P(numericComparator(scope), 2)]);
    }],
    [2, () => method(sub("str"), "split", [prim(pick(['","', '""', '"-"', '" "', '"a"']))])],
    [2, () => call(`Object.${pick(["keys", "values", "entries"])}`, [sub(pick(["obj", "obj", "arr", "str", "any"]))])],
    [1, () => cond(sub("bool"), sub("arr"), sub("arr"))],
  ]);
}

function genObj(d, scope) {
  if (d >= MAX_DEPTH) return leafObj(scope);
  const sub = (k) => gen(k, d + 1, scope);
  return weighted([
    [3, () => leafObj(scope)],
    [4, () => {
      const props = [];
      const n = int(4);
      for (let j = 0; j < n; j++) {
        const r = rand();
        if (r < 0.2) props.push(spread(sub(pick(["obj", "obj", "arr", "str", "any"]))).s);
        else if (r < 0.35 && scope.length) props.push(pick(scope).name); // shorthand
        else {
          const key = pick(["a", "b", "sku", "qty", '"quoted key"', "2", "1", '"10"', "z", "a", "total"]);
          props.push(`${key}: ${wrap(sub(pick(["num", "str", "any", "arr", "bool"])), 3)}`);
        }
      }
      return prim(`{ ${props.join(", ")} }`);
    }],
    [1, () => {
      const it = localOf(scope, ["item"]);
      return it ? prim(`{ ...${it.name}, qty: ${wrap(sub("num"), 3)} }`) : prim(`{ ...input.obj, n: input.n }`);
    }],
    [1, () => cond(sub("bool"), sub("obj"), sub("obj"))],
  ]);
}

function genAny(d, scope) {
  if (d >= MAX_DEPTH) return leafAny(scope);
  const sub = (k) => gen(k, d + 1, scope);
  return weighted([
    [3, () => leafAny(scope)],
    [2, () => gen(pick(["num", "str", "bool", "arr", "obj"]), d, scope)],
    [2, () => binary(pick(["&&", "||", "??"]), sub("any"), sub(pick(["any", "num", "str"])))],
    [2, () => binary(pick(["+", "-", "*", "/", "%", "**"]), sub("any"), sub("any"))],
    [1, () => cond(sub("any"), sub("any"), sub("any"))],
    // Member access on values read from the input (their type is `json`): reading a field that a
    // value's known type lacks is a compile-time error by design (LANGUAGE.md §3).
    [2, () => prim(`${obj(jsonValue(d, scope))}${chance(0.3) ? "?." : "."}${pick(["a", "b", "sku", "qty", "length", "c", "x"])}`)],
    [1.5, () => prim(`${obj(chance(0.7) ? jsonValue(d, scope) : sub(pick(["arr", "str"])))}${chance(0.3) ? "?.[" : "["}${wrap(sub(pick(["num", "str"])), 3)}]`)],
    [2, () => numericEdge()],
    [2, () => arrayMethod(d, scope, sub("arr"), "any")],
    [1, () => {
      const a = prim(pick(["input.items", "input.items.slice()", "input.items[1]"]));
      return arrayMethod(d, scope, a, "item");
    }],
  ]);
}

/** A value read from the input (its type is `json`, so any field may be read). */
function jsonValue(d, scope) {
  const l = localOf(scope, ["any", "item"]);
  if (l && chance(0.4)) return prim(l.name);
  if (chance(0.15) && d < MAX_DEPTH) return prim(`${pick(["input.obj", "input.nested", "input"])}[${wrap(genStr(d + 1, scope), 3)}]`);
  return prim(pick([...ANY_PATHS, ...OBJ_PATHS, ...ARR_PATHS]));
}

/** Arithmetic and Math over the numbers where IEEE 754 and JavaScript differ most. */
const EDGE_NUMBERS = ["0", "-0", "1", "-1", "NaN", "Infinity", "-Infinity", "0.5", "-0.5", "2", "-2.5", "2.5", "1e308", "5e-324", "3", "-3", "0.49999999999999994", "4.5", "-4.5", "1.5"];
function numericEdge() {
  const a = prim(pick(EDGE_NUMBERS).replace(/^-(.*)/, "(-$1)"));
  const b = prim(pick(EDGE_NUMBERS).replace(/^-(.*)/, "(-$1)"));
  const r = rand();
  let e;
  if (r < 0.45) e = binary(pick(["**", "%", "/", "*", "+", "-", "**", "%"]), a, b);
  else if (r < 0.6) e = call("Math.pow", [a, b]);
  else if (r < 0.85) e = call(`Math.${pick(["round", "floor", "ceil", "trunc", "sign", "abs"])}`, [a]);
  else e = call(`Math.${pick(["max", "min"])}`, [a, b]);
  // -0 is invisible to JSON.stringify: show the sign through division.
  return chance(0.3) ? binary("<", binary("/", prim("1"), e), prim("0")) : e;
}

function gen(kind, d, scope) {
  switch (kind) {
    case "num": return genNum(d, scope);
    case "str": return genStr(d, scope);
    case "bool": return genBool(d, scope);
    case "arr": return genArr(d, scope);
    case "obj": return genObj(d, scope);
    default: return genAny(d, scope);
  }
}

// ---------------------------------------------------------------- evaluation

// `new Date(string)` is deterministic only for the ISO 8601 format of ECMA-262 §21.4.1.32 with a
// time zone (or a date alone, which is UTC); other strings are parsed by implementation-specific
// heuristics, in local time. An expression that constructs a date from anything but a number,
// null, a boolean, undefined or such a string is left out.
const ISO_FORMAT = /^([+-]\d{6}|\d{4})(-\d{2}(-\d{2})?)?(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const RealDate = Date;
let nonIsoDate = false;
class CheckedDate extends RealDate {
  constructor(...args) {
    const [x] = args;
    if (args.length !== 1 || (typeof x === "string" ? !ISO_FORMAT.test(x) : typeof x === "object" && x !== null)) nonIsoDate = true;
    super(...args);
  }
}

function evaluate(fn, inp) {
  try {
    const v = fn(JSON.parse(inp));
    const json = JSON.stringify(v);
    return { type: typeof v, json: json === undefined ? null : json, threw: null };
  } catch (err) {
    return { type: null, json: null, threw: err.constructor.name };
  }
}

// LANGUAGE.md §4: `sort` and `reverse` work on a copy, because expressions never mutate their
// inputs. An expression whose answer depends on JavaScript sorting in place (it reads the same
// array again after sorting it) is outside what the language promises, so it is left out: each
// expression is evaluated a second time with copying `sort`/`reverse`, and must agree.
const inPlace = { sort: Array.prototype.sort, reverse: Array.prototype.reverse };
function copying(f) {
  Array.prototype.sort = function (compare) { return inPlace.sort.call([...this], compare); };
  Array.prototype.reverse = function () { return inPlace.reverse.call([...this]); };
  try {
    return f();
  } finally {
    Array.prototype.sort = inPlace.sort;
    Array.prototype.reverse = inPlace.reverse;
  }
}

const curated = readFileSync(new URL("curated.txt", import.meta.url), "utf8").split("\n").filter((l) => l.trim() !== "");
const cases = [];
const seen = new Set();
let leftOut = 0;
while (cases.length < (EXPRESSIONS + curated.length) * INPUTS_PER_EXPRESSION) {
  const e = seen.size < curated.length ? curated[seen.size] : gen(pick(["num", "str", "bool", "arr", "obj", "any", "any"]), 0, []).s;
  if (seen.has(e)) {
    if (seen.size < curated.length) throw new Error(`curated.txt repeats ${e}`);
    continue;
  }
  if (e.length > 600) continue;
  let fn;
  try {
    fn = new Function("input", `return (${e});`);
  } catch (err) {
    throw new Error(`the generator produced invalid JavaScript: ${e}\n${err}`);
  }
  seen.add(e);
  const batch = [];
  let agree = true;
  for (let j = 0; j < INPUTS_PER_EXPRESSION; j++) {
    const inp = JSON.stringify(input());
    const expect = evaluate(fn, inp);
    const copied = copying(() => evaluate(fn, inp));
    if (JSON.stringify(expect) !== JSON.stringify(copied)) agree = false;
    nonIsoDate = false;
    globalThis.Date = CheckedDate;
    try {
      evaluate(fn, inp);
    } finally {
      globalThis.Date = RealDate;
    }
    if (nonIsoDate) agree = false;
    batch.push(`{"expr":${JSON.stringify(e)},"input":${inp},"expect":${JSON.stringify(expect)}}`);
  }
  if (!agree) {
    leftOut++;
    continue;
  }
  cases.push(...batch);
}
writeFileSync(process.argv[2] ?? "cases.json", `[${cases.join(",\n")}]\n`);
process.stderr.write(`${cases.length} cases, ${seen.size - leftOut} expressions (${leftOut} left out: in-place sort or non-ISO date string)\n`);
