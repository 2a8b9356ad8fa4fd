// Generates the differential test cases for handled-js: each case is a call
// of one handled-js function on generated operands, evaluated with Node.js.
//
// Usage: [GEN_SEED=n] node gen.mjs [output path]   (default: ../data/cases.json)
//
// Values are encoded so that undefined, NaN, ±Infinity, -0, dates, lone
// surrogates and object key order survive JSON:
//   {"$u":1} undefined, {"$n":"NaN"|"Infinity"|"-Infinity"|"-0"} numbers,
//   {"$d":ms|"NaN"} dates, {"$s":[units]} strings with lone surrogates,
//   {"$o":[[key, value], ...]} objects; arrays, booleans, null, other
//   numbers and strings as themselves.
process.env.TZ = "UTC";

import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

// ---------- deterministic PRNG (mulberry32) ----------
// GEN_SEED explores other cases; the checked-in file uses the default seed.
let seed = Number(process.env.GEN_SEED ?? 0x5eed1234) | 0;
function rand() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n) => Math.floor(rand() * n);
const pick = (xs) => xs[int(xs.length)];

// ---------- encoding ----------
function isWellFormed(s) {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}
function encStr(s) {
  if (isWellFormed(s)) return s;
  const units = [];
  for (let i = 0; i < s.length; i++) units.push(s.charCodeAt(i));
  return { $s: units };
}
function enc(v) {
  if (v === undefined) return { $u: 1 };
  if (v === null || typeof v === "boolean") return v;
  if (typeof v === "number") {
    if (Number.isNaN(v)) return { $n: "NaN" };
    if (v === Infinity) return { $n: "Infinity" };
    if (v === -Infinity) return { $n: "-Infinity" };
    if (Object.is(v, -0)) return { $n: "-0" };
    return v;
  }
  if (typeof v === "string") return encStr(v);
  if (v instanceof Date) {
    const t = v.getTime();
    return { $d: Number.isNaN(t) ? "NaN" : t };
  }
  if (Array.isArray(v)) return v.map(enc);
  if (typeof v === "object") return { $o: Object.entries(v).map(([k, x]) => [encStr(k), enc(x)]) };
  throw new Error("cannot encode " + typeof v);
}

// ---------- operand pools ----------
const NUMBERS = [
  0, -0, 1, -1, 2, 3, 7, 10, 42, 100, 255, -17, 0.1, 0.2, 0.3, 0.5, -0.5, 1.5, 2.5, -2.5, -1.5,
  0.49999999999999994, 1.005, 123.456, -123.456, 1e21, 1e-7, 1e-6, 1.5e-6, 1e-5, 123e-20, 1e20,
  1.7976931348623157e308, 5e-324, 2 ** 53, 2 ** 53 + 2, 2 ** 31, 2 ** 32, 4294967295, 1e300,
  NaN, Infinity, -Infinity, 0.1 + 0.2, 1 / 3, 2 / 3, 1234.5678, 99.995, 8.345, 1.45, 10.235,
  Math.PI, -Math.E, 0.000001234, 1e15 + 0.5, 123456789012345680000, 4.35, 0.615,
];
function randomNumber() {
  switch (int(6)) {
    case 0: return pick(NUMBERS);
    case 1: return int(2001) - 1000;
    case 2: return Math.round((rand() * 2000 - 1000) * 1000) / 1000;
    case 3: return (rand() - 0.5) * 10 ** (int(60) - 30);
    case 4: return int(10) / 4;
    default: return pick(NUMBERS);
  }
}
const SMILE = "\u{1F600}";
const STRINGS = [
  "", " ", "abc", "ABC", " 12 ", "12", "-7", "0x10", "0X1f", "0b101", "0o17", "1e3", ".5", "5.",
  "1_000", "Infinity", "-Infinity", "+Infinity", "infinity", "12px", "\u00a0 7 \ufeff", "\n\t42\r\n",
  "\u2028 3 \u2029", SMILE, "\u{1D4B3}yz", "a" + SMILE + "b", SMILE.slice(0, 1), SMILE.slice(1),
  "x" + SMILE.slice(0, 1) + "y", "true", "false", "null", "undefined", "2026-11-28",
  "2026-11-28T10:00:00Z", "2026-11-28T10:00:00.123+02:00", "Hello, World", "a,b,,c", "$&", "a-b-c",
  "\u00c4\u00d6\u00fc", "\u0130", "stra\u00dfe", "\ufb00", "\u03a3\u0391\u03a3", "  padded  ",
  "0", "-0", "00", "1.50", "9007199254740993", "1e400", "-1e-7", "0.0000001", "  ", "\"q\"",
  "back\\slash", "ctl\u0001\u001f", "tab\there", "SKU-001", "sku-002", "10", "9", "1", "b", "a",
  "B", "\u00e9", "e\u0301", "[object Object]", "NaN", "{}", "[]",
];
const SEARCH = ["", "a", "b", "abc", "-", ",", "l", "o", "World", SMILE, SMILE.slice(0, 1), "x",
  "1", "2026", " ", "z", "ab", "$", "SKU"];
const DATES = [
  0, 1795860000000, 1795824000123, -1, -62198755200000, -1e14, 8.64e15, -8.64e15, 951782400000,
  NaN, 253402300799999, 253402300800000, 1e12,
].map((t) => new Date(t));

function randomString() {
  if (rand() < 0.8) return pick(STRINGS);
  const a = pick(STRINGS), b = pick(STRINGS);
  return a + b;
}
function randomPrimitive() {
  switch (int(7)) {
    case 0: return randomNumber();
    case 1: case 2: return randomString();
    case 3: return pick([null, undefined]);
    case 4: return pick([true, false]);
    case 5: return randomNumber();
    default: return randomString();
  }
}
const KEYS = ["a", "b", "sku", "qty", "0", "1", "2", "10", "01", "-1", "1.5", "4294967294",
  "4294967295", "x y", SMILE, "length", "z"];
function randomObject(depth) {
  const o = {};
  const n = int(5);
  for (let i = 0; i < n; i++) o[pick(KEYS)] = randomValue(depth + 1);
  return o;
}
function randomArray(depth) {
  const n = int(6);
  const a = [];
  for (let i = 0; i < n; i++) a.push(randomValue(depth + 1));
  return a;
}
const ARRAYS = [
  [], [1, 2, 3], [3, 1, 2], [null], [undefined], [undefined, 1, null], [[1, [2, [3, [4]]]], 5],
  ["b", "a", "10", "9", 1, 2, 10], [NaN, 1], [0, -0], [1, "1", true], [SMILE, "a", "\uffff"],
  [{ a: 1 }, [2]], ["x", "y", "z", "x"], [1.5, 2.5, -0.5], [10, 9, 1, 100, 25],
  [undefined, 3, undefined, 1, 2], ["B", "a", "C", "b"],
];
const OBJECTS = [{}, { a: 1 }, { b: 2, a: 1, 2: "two", 1: "one" }, { sku: "A1", qty: 3 },
  { nested: { deep: [1, { x: null }] }, u: undefined }, { "10": 1, "9": 2, "x": 3, "01": 4 }];
function randomValue(depth = 0) {
  const r = rand();
  if (depth > 2 || r < 0.55) return randomPrimitive();
  if (r < 0.65) return pick(DATES);
  if (r < 0.75) return pick(ARRAYS);
  if (r < 0.82) return pick(OBJECTS);
  if (r < 0.92) return randomArray(depth);
  return randomObject(depth);
}
// Strings other than ISO 8601 dates (and arrays, which become such strings)
// go to V8's legacy date parser, which handled-js does not reproduce;
// `new Date(x)` is tested with other values.
function nonString() {
  for (;;) {
    const v = anyValue();
    if (typeof v !== "string" && !Array.isArray(v)) return v;
  }
}
function anyValue() {
  const r = rand();
  if (r < 0.3) return randomNumber();
  if (r < 0.55) return randomString();
  return randomValue();
}

function copy(v) {
  if (Array.isArray(v)) return v.map(copy);
  if (v instanceof Date) return new Date(v.getTime());
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)]));
  return v;
}

// ---------- callbacks (mirrored in differential.rs) ----------
export const CALLBACKS = {
  double: (x) => x * 2,
  isEven: (x) => x % 2 === 0,
  gt2: (x) => x > 2,
  toStr: (x) => String(x),
  identity: (x) => x,
  index: (x, i) => i,
  pair: (x) => [x, x],
  len: (x) => x.length,
  sum: (a, b) => a + b,
  accIndex: (acc, x, i) => acc + i,
  cmpNum: (a, b) => a - b,
  cmpDesc: (a, b) => b - a,
  cmpStr: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
  cmpLen: (a, b) => String(a).length - String(b).length,
};

// ---------- the functions under test ----------
const CMP = { Lt: (a, b) => a < b, Le: (a, b) => a <= b, Gt: (a, b) => a > b, Ge: (a, b) => a >= b };
function kindName(v) {
  if (v === undefined || v === null) return "nil";
  if (Array.isArray(v)) return "array";
  if (v instanceof Date) return "date";
  return typeof v;
}
function callMethod(recv, name, args) {
  const kind = kindName(recv);
  const f = new Function(kind, "args", `return ${kind}.${name}(...args);`);
  return f(recv, args);
}
const FNS = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b,
  rem: (a, b) => a % b, pow: (a, b) => a ** b,
  num_rem: (a, b) => a % b, num_pow: (a, b) => a ** b,
  strict_eq: (a, b) => a === b, loose_eq: (a, b) => a == b,
  compare: (a, b, op) => CMP[op](a, b),
  neg: (a) => -a, plus: (a) => +a, not: (a) => !a, truthy: (a) => !!a,
  nullish: (a) => a === null || a === undefined, type_of: (a) => typeof a,
  to_number: (a) => Number(a), to_js_string: (a) => String(a), number_to_string: (n) => String(n),
  get: (o, k) => o[k], get_index: (o, k) => o[k],
  call_method: (recv, name, ...args) => callMethod(recv, name, args),
  call_method_fn: (recv, name, cb, ...rest) => {
    const kind = kindName(recv);
    const f = new Function(kind, "cb", "rest", `return ${kind}.${name}(cb, ...rest);`);
    return f(recv, CALLBACKS[cb], rest);
  },
  math_max: (...xs) => Math.max(...xs), math_min: (...xs) => Math.min(...xs),
  math_round: (x) => Math.round(x), math_sign: (x) => Math.sign(x), math_trunc: (x) => Math.trunc(x),
  math_floor: (x) => Math.floor(x), math_ceil: (x) => Math.ceil(x), math_abs: (x) => Math.abs(x),
  math_pow: (x, y) => Math.pow(x, y), math_sqrt: (x) => Math.sqrt(x),
  number_fn: (v) => Number(v), string_fn: (v) => String(v), boolean_fn: (v) => Boolean(v),
  parse_int: (s, r) => parseInt(s, r), parse_float: (s) => parseFloat(s),
  is_nan: (v) => isNaN(v), is_finite: (v) => isFinite(v),
  number_is_nan: (v) => Number.isNaN(v), number_is_integer: (v) => Number.isInteger(v),
  number_is_finite: (v) => Number.isFinite(v), number_is_safe_integer: (v) => Number.isSafeInteger(v),
  array_is_array: (v) => Array.isArray(v),
  object_keys: (v) => Object.keys(v), object_values: (v) => Object.values(v),
  object_entries: (v) => Object.entries(v),
  json_stringify: (v, space) => JSON.stringify(v, null, space),
  json_parse: (s) => JSON.parse(s),
  date_new: (...args) => new Date(...args),
  date_parse: (s) => Date.parse(s),
  object: (...kv) => {
    const o = {};
    for (let i = 0; i < kv.length; i += 2) o[kv[i]] = kv[i + 1];
    return o;
  },
  template: (...parts) => parts.reduce((acc, p) => `${acc}${p}`, ""),
};

const cases = [];
function add(fn, args) {
  const encoded = args.map(enc);
  let expect;
  try {
    const r = FNS[fn](...args);
    expect = {
      type: typeof r,
      json: JSON.stringify(r) ?? null,
      str: encStr(String(r)),
      threw: null,
    };
  } catch (e) {
    if (!(e instanceof TypeError || e instanceof RangeError || e instanceof SyntaxError)) throw e;
    expect = { type: null, json: null, str: null, threw: encStr(String(e)) };
  }
  cases.push({ fn, args: encoded, expect });
}

// ---------- generation ----------
const numArg = () => (rand() < 0.7 ? randomNumber() : anyValue());
for (let i = 0; i < 150; i++) add("add", [anyValue(), anyValue()]);
for (let i = 0; i < 40; i++) add("add", [randomNumber(), randomNumber()]);
for (const fn of ["sub", "mul", "div", "rem", "pow"]) {
  for (let i = 0; i < 40; i++) add(fn, [numArg(), numArg()]);
}
for (const fn of ["num_rem", "num_pow"]) {
  for (let i = 0; i < 40; i++) add(fn, [randomNumber(), pick([randomNumber(), int(7) - 3, 0.5])]);
}
for (const [a, b] of [[1, NaN], [1, Infinity], [-1, -Infinity], [NaN, 0], [NaN, -0], [-0, -1], [-8, 1 / 3], [0, 0], [2, 0.5], [-0, 3], [5, -0], [-5, Infinity], [Infinity, 2]]) {
  add("num_pow", [a, b]);
  add("num_rem", [a, b]);
  add("math_pow", [a, b]);
}
for (const fn of ["strict_eq", "loose_eq"]) {
  for (let i = 0; i < 120; i++) {
    const a = anyValue();
    // The same contents, never the same object: identity does not survive encoding.
    add(fn, [a, rand() < 0.3 ? copy(a) : anyValue()]);
  }
}
for (let i = 0; i < 200; i++) add("compare", [anyValue(), anyValue(), pick(["Lt", "Le", "Gt", "Ge"])]);
for (const fn of ["neg", "plus", "not", "truthy", "nullish", "type_of", "to_number", "to_js_string"]) {
  for (let i = 0; i < 45; i++) add(fn, [anyValue()]);
}
for (let i = 0; i < 120; i++) add("number_to_string", [randomNumber()]);
for (const n of NUMBERS) add("number_to_string", [n]);
for (let i = 0; i < 150; i++) {
  const o = rand() < 0.7 ? randomValue(1) : pick([null, undefined]);
  add("get", [o, pick(KEYS.concat(["0", "3", "foo"]))]);
}
for (let i = 0; i < 120; i++) {
  const o = rand() < 0.85 ? pick([randomValue(1), pick(ARRAYS), pick(OBJECTS), randomString()]) : pick([null, undefined]);
  const k = pick([0, 1, 2, -0, 1.0, 1.5, -1, 10, "0", "1", "a", "b", "length", "sku", NaN, null, undefined, true, 4294967294, 1e21]);
  add("get_index", [o, k]);
}

const STRING_METHODS = {
  includes: () => [pick(SEARCH), ...opt(() => pick([0, 1, 3, -2, 100, NaN, undefined]))],
  startsWith: () => [pick(SEARCH), ...opt(() => pick([0, 1, 3, -2, 100, NaN, undefined]))],
  endsWith: () => [pick(SEARCH), ...opt(() => pick([0, 1, 3, -2, 100, NaN, undefined]))],
  indexOf: () => [pick(SEARCH), ...opt(() => pick([0, 1, 3, -2, 100, NaN, undefined]))],
  lastIndexOf: () => [pick(SEARCH), ...opt(() => pick([0, 1, 3, -2, 100, NaN, undefined, Infinity]))],
  slice: () => idxArgs(),
  substring: () => idxArgs(),
  split: () => pick([[], [undefined], [pick(SEARCH)], [pick(SEARCH), pick([0, 1, 2, -1, undefined, 2.5])]]),
  trim: () => [], trimStart: () => [], trimEnd: () => [],
  toLowerCase: () => [], toUpperCase: () => [],
  padStart: () => [pick([0, 3, 5, 8, 10, -1, NaN, "6"]), ...opt(() => pick(["*", "ab", "", SMILE, undefined, 0]))],
  padEnd: () => [pick([0, 3, 5, 8, 10, -1, NaN, "6"]), ...opt(() => pick(["*", "ab", "", SMILE, undefined, 0]))],
  replace: () => [pick(SEARCH), pick(["X", "", "$&$&", "$$", "[$`|$']", "$1", "$<n>", "$", SMILE])],
  replaceAll: () => [pick(SEARCH), pick(["X", "", "$&$&", "$$", "[$`|$']", "$1", "$", "-"])],
  concat: () => Array.from({ length: int(3) }, () => anyValue()),
  at: () => [pick([0, 1, -1, -2, 5, 100, NaN, undefined, 1.7])],
  charAt: () => [pick([0, 1, -1, 2, 100, NaN, undefined])],
  charCodeAt: () => [pick([0, 1, -1, 2, 100, NaN, undefined])],
  repeat: () => [pick([0, 1, 2, 3, -1, Infinity, NaN, 2.9, "2", 2 ** 29])],
  toString: () => [],
  foo: () => [],
};
const ARRAY_METHODS = {
  includes: () => [pick([1, 2, "1", NaN, null, undefined, 0, -0, "a", "x"]), ...opt(() => pick([0, 1, -1, -10, 10]))],
  indexOf: () => [pick([1, 2, "1", NaN, null, undefined, 0, -0, "a", "x"]), ...opt(() => pick([0, 1, -1, -10, 10]))],
  lastIndexOf: () => [pick([1, 2, "1", NaN, null, undefined, 0, "x"]), ...opt(() => pick([0, 1, -1, -10, 10, undefined]))],
  join: () => pick([[], [undefined], ["-"], [", "], [""], [null], [1], [SMILE]]),
  slice: () => idxArgs(),
  concat: () => Array.from({ length: int(3) }, () => pick([randomValue(1), pick(ARRAYS), 1])),
  flat: () => pick([[], [0], [1], [2], [Infinity], [-1], [undefined], ["2"]]),
  reverse: () => [],
  at: () => [pick([0, 1, -1, -2, 5, NaN, undefined])],
  sort: () => [],
  toString: () => [],
  foo: () => [],
};
function opt(f) {
  return rand() < 0.5 ? [f()] : [];
}
function idxArgs() {
  const p = () => pick([0, 1, 2, 3, -1, -2, -100, 100, NaN, undefined, 1.5, "2", null, Infinity, -Infinity]);
  return pick([[], [p()], [p(), p()]]);
}
for (let i = 0; i < 500; i++) {
  const name = pick(Object.keys(STRING_METHODS));
  add("call_method", [randomString(), name, ...STRING_METHODS[name]()]);
}
for (let i = 0; i < 300; i++) {
  const name = pick(Object.keys(ARRAY_METHODS));
  const recv = rand() < 0.5 ? pick(ARRAYS) : randomArray(1);
  add("call_method", [recv, name, ...ARRAY_METHODS[name]()]);
}
for (let i = 0; i < 120; i++) {
  const n = randomNumber();
  const r = rand();
  if (r < 0.6) add("call_method", [n, "toFixed", ...pick([[], [0], [1], [2], [3], [5], [10], [20], [100], [101], [-1], [undefined], ["2"], [2.7]])]);
  else if (r < 0.9) add("call_method", [n, "toString", ...pick([[], [10], [2], [16], [36], [3], [7], [8], [1], [37], [undefined]])]);
  else add("call_method", [n, pick(["foo", "valueOf", "toUpperCase"])]);
}
for (const x of [1.005, 1.45, 8.345, 10.235, 0.5, 1.5, 2.5, -2.5, -0, -0.0001, 1e21, 1e20, 123.456, 0.000001, 99.995, 4.35, 0.615, 1.255, 1234.5678])
  for (const d of [0, 1, 2, 3, 20]) add("call_method", [x, "toFixed", d]);
for (let i = 0; i < 60; i++) {
  add("call_method", [pick(DATES), pick(["toISOString", "getTime", "valueOf", "toJSON", "toString", "foo"])]);
}
for (let i = 0; i < 40; i++) {
  add("call_method", [pick([null, undefined, true, {}, { a: 1 }, pick(OBJECTS)]), pick(["toString", "foo", "map", "length"])]);
}

const FN_METHODS = {
  map: ["double", "toStr", "index", "pair", "len", "identity"],
  filter: ["isEven", "gt2", "identity", "len"],
  find: ["isEven", "gt2", "identity"],
  findIndex: ["isEven", "gt2", "identity"],
  findLast: ["isEven", "gt2"],
  findLastIndex: ["isEven", "gt2"],
  some: ["isEven", "gt2", "identity"],
  every: ["isEven", "gt2", "identity"],
  reduce: ["sum", "accIndex"],
  reduceRight: ["sum", "accIndex"],
  flatMap: ["pair", "identity", "double"],
  sort: ["cmpNum", "cmpDesc", "cmpStr", "cmpLen"],
  forEach: ["double"],
};
const NUM_ARRAYS = [[], [1], [5, 1, 4, 2, 3], [10, 9, 1, 100, 25], [3, 1, 2, 3, 1], [2, 4, 6],
  [1.5, -2, 0, -0, 7], [NaN, 2, 1], [undefined, 3, undefined, 1], ["10", "9", "1", 2], ["bb", "a", "ccc", "dd", "e"]];
for (let i = 0; i < 330; i++) {
  const name = pick(Object.keys(FN_METHODS));
  const cb = pick(FN_METHODS[name]);
  const r = rand();
  const recv = r < 0.5 ? pick(NUM_ARRAYS) : r < 0.8 ? pick(ARRAYS) : r < 0.95 ? randomArray(1) : pick([null, undefined, "abc", 5, {}]);
  const rest = name.startsWith("reduce") && rand() < 0.5 ? [pick([0, "", 10, "x"])] : [];
  add("call_method_fn", [recv, name, cb, ...rest]);
}

for (const fn of ["math_max", "math_min"]) {
  for (let i = 0; i < 40; i++) add(fn, Array.from({ length: int(4) }, randomNumber));
  add(fn, [0, -0]);
  add(fn, [-0, 0]);
}
for (const fn of ["math_round", "math_sign", "math_trunc", "math_floor", "math_ceil", "math_abs", "math_sqrt"]) {
  for (let i = 0; i < 30; i++) add(fn, [randomNumber()]);
}
for (const x of [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, -0.4, 0.49999999999999994, -0.49999999999999994, -0, 4503599627370495.5, -4503599627370495.5, 2 ** 52 + 1, 0.5000000000000001])
  add("math_round", [x]);
for (let i = 0; i < 30; i++) add("math_pow", [randomNumber(), pick([randomNumber(), 2, 0.5, -1, 3])]);
for (const fn of ["number_fn", "string_fn", "boolean_fn", "is_nan", "is_finite", "number_is_nan", "number_is_integer", "number_is_finite", "number_is_safe_integer", "array_is_array"]) {
  for (let i = 0; i < 30; i++) add(fn, [anyValue()]);
}
for (const s of STRINGS) add("number_fn", [s]);
for (let i = 0; i < 120; i++) {
  const s = rand() < 0.8 ? pick(STRINGS.concat(["  -0x1F", "0x", "12abc", "  +42.9e1", "-", "1e21", "123456789012345678901234", "zz", "0b11", "017", " \n 88"])) : anyValue();
  add("parse_int", [s, pick([undefined, undefined, 10, 16, 2, 36, 8, 0, 1, 37, "16", NaN, 2.9])]);
}
for (let i = 0; i < 80; i++) {
  const s = rand() < 0.8 ? pick(STRINGS.concat(["  -.5e3x", ".e1", "-.e1", "1e", "1e+", "+-1", "3.14abc", "Infinityx", "-Infinity9", "1.2.3"])) : anyValue();
  add("parse_float", [s]);
}
for (const fn of ["object_keys", "object_values", "object_entries"]) {
  for (let i = 0; i < 40; i++) add(fn, [rand() < 0.6 ? pick([randomObject(1), pick(OBJECTS), pick(ARRAYS)]) : anyValue()]);
}
for (let i = 0; i < 200; i++) {
  const v = rand() < 0.5 ? randomValue(0) : pick([randomObject(0), randomArray(0), pick(OBJECTS), pick(ARRAYS)]);
  const space = pick([undefined, undefined, undefined, 2, 4, "\t", "--", 0, -1, 20, "abcdefghijklmno", 3.7, null, true]);
  add("json_stringify", [v, space]);
}
const JSON_TEXTS = ['{"a":1,"b":[1,2,{"c":null}]}', "[]", "{}", " 1 ", "-0", "1e400", "9007199254740993",
  '"\\ud83d"', '"\\ud83d\\ude00"', '"\\u00e9\\n\\t\\"\\\\\\/"', '{"2":1,"1":2,"a":3,"a":4}', "true", "null",
  "", "abc", "{", "{a", "[1,", "[1 2", '{"a" 1}', '{"a":1 "b"}', '"abc', '"\\x"', '"\u0001"', "01", "1.",
  "-", "1e", "tru", "nul", "1 2", "undefined", "[1,]", '{"a":1,}', "x".repeat(50), "[" + "1,".repeat(12) + "x]",
  '{"key": "value", "other": tru}', "NaN", "Infinity", "[1] x", '"\\u12"', '"\\u12G4"', "[-]", "{\"a\":}",
  "  [1, 2.5e3, -0.0, 1E-2]  ", "\u00a0 1", "[\"" + SMILE + "\"]", "'single'"];
for (const t of JSON_TEXTS) add("json_parse", [t]);
for (let i = 0; i < 60; i++) {
  const v = randomValue(0);
  const text = JSON.stringify(v);
  add("json_parse", [text === undefined ? anyValue() : text]);
}
const DATE_STRINGS = ["2026-11-28", "2026-11-28T10:00", "2026-11-28T10:00:00Z", "2026-11-28T10:00:00.123Z",
  "2026-11-28T10:00:00.123456Z", "2026-11-28T10:00:00+01:00", "2026-11-28T10:00:00-05:30", "2026", "2026-11",
  "+002026-11-28", "-000001-01-01T00:00:00Z", "2026-02-30", "2026-13-01", "2026-11-28T24:00", "2026-11-28T24:00:01",
  "2026-11-28T25:00", "abc", "", "2026-11-28t10:00z", "1970-01-01T00:00:00.000Z", "+275760-09-13T00:00:00.000Z",
  "+275760-09-13T00:00:00.001Z", "2000-02-29T12:34:56.789Z", "2026-11-28T10:00:00", "2026-11-28T10:00:00.5"];
for (const s of DATE_STRINGS) {
  add("date_parse", [s]);
  add("date_new", [s]);
}
for (let i = 0; i < 60; i++) {
  const r = rand();
  if (r < 0.4) add("date_new", [pick([0, 1795860000000, -1, 8.64e15, 8.64e15 + 1, -8.64e15, NaN, 1.5, -1.5, 1e20, true, null, "2026-11-28", {}, pick(DATES)])]);
  else if (r < 0.8) add("date_new", Array.from({ length: 2 + int(5) }, () => pick([2026, 0, 1, 11, 12, 28, 31, -1, 99, 100, 1970, 24, 59, 60, 999, 1000, NaN, 1.9])));
  else add("date_new", [nonString()]);
}
for (let i = 0; i < 100; i++) add("template", Array.from({ length: 1 + int(4) }, () => (rand() < 0.5 ? pick(["Order ", " x ", "", "qty="]) : anyValue())));

for (let i = 0; i < 80; i++) {
  const kv = [];
  for (let k = int(7); k > 0; k--) kv.push(pick(KEYS.concat(["3", "20", "b"])), randomPrimitive());
  add("object", kv);
}

const out = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), "..", "data", "cases.json");
writeFileSync(out, "[\n" + cases.map((c) => JSON.stringify(c)).join(",\n") + "\n]\n");
console.log(`wrote ${cases.length} cases to ${out}`);
