// Generates the differential corpus: random expressions over the HandledScript subset of
// JavaScript (LANGUAGE.md §4) and random JSON inputs, each evaluated by Node.js. The Rust test
// evaluates the same expressions compiled by hs2rs and compares typeof and JSON.stringify.
//
// Usage: node gen.mjs OUT.json   (deterministic: the seed is fixed below)

import { writeFileSync } from "node:fs";

const SEED = 20261128;
const CASES = 5200;

let state = SEED >>> 0;
function rand() {
  // mulberry32
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const chance = (p) => rand() < p;

const NUMBERS = ["0", "1", "2", "3", "7", "10", "0.5", "0.1", "0.6", "1.5", "2.5", "-0", "100", "1e21", "1e-7", "255", "0x1f", "9007199254740993", "4.35", "-2.5"];
const STRINGS = ['"abc"', '"A-1"', '" 12 "', '"12"', '"0x10"', '""', '"Infinity"', '"😀x"', '"𝒳y"', '"a,b,c"', "'it\\'s'", '"line\\nbreak"', '"é"', '"5"'];
const FIELDS = ["n", "f", "s", "t", "e", "z", "neg", "big", "tiny", "arr", "nums", "strs", "obj", "nul", "missing", "b", "u", "nested"];

function input() {
  const base = {
    n: pick([0, 1, 3, 7, 42, -5, 120, 1000]),
    f: pick([0.5, 1.25, -2.5, 0.1, 3.14159, 2.5, 0.49999999999999994]),
    s: pick(["abc", "A-1", " 12 ", "12", "0x10", "", "Infinity", "😀x", "hello world", "a,b,c"]),
    t: pick(["TSHIRT-RED-M", "mug", "Zebra", "apple", "𝒳y"]),
    e: "",
    z: 0,
    neg: -0,
    big: pick([1e21, 9007199254740992, 123456789012345680000]),
    tiny: pick([1e-7, 5e-324, 0.000001]),
    arr: pick([[1, "2", 3], [], [10, 1, 2], [3, null, "x"], [0.5, -1, 100]]),
    nums: pick([[5, 1, 10, 2], [3, 3, 1], [0.1, 0.2, 0.3], [-1, 0, 1], [100]]),
    strs: pick([["b", "a", "c"], ["10", "9", "1"], ["x"], [], ["😀", "a", "B"]]),
    obj: pick([{ a: 1, b: "x" }, { "2": "two", "1": "one", z: 0 }, { sku: "A", quantity: 4 }, {}]),
    nul: null,
    b: pick([true, false]),
    nested: { items: pick([[{ sku: "A", q: 1 }, { sku: "B", q: 0 }], [{ sku: "C", q: 7 }], []]), meta: { k: "v" } },
  };
  if (chance(0.2)) delete base.n;
  if (chance(0.1)) base.s = 5;
  return base;
}

function field() {
  return pick(FIELDS);
}

function leaf(d) {
  const r = rand();
  if (r < 0.3) return pick(NUMBERS);
  if (r < 0.45) return pick(STRINGS);
  if (r < 0.5) return pick(["true", "false", "null", "undefined"]);
  if (r < 0.85) return `input.${field()}`;
  if (r < 0.9) return `input[${pick(['"n"', '"s"', "0", '"arr"'])}]`;
  return `input?.${pick(["missing", "obj"])}?.${pick(["a", "b", "x"])}`;
}

function arrow(d, params) {
  const p = params[0];
  const body = expr(d + 1, p);
  if (chance(0.15)) {
    return `${p} => { const k = ${body}; if (k) { return k; } return ${leaf(d)}; }`;
  }
  return `${p} => ${body}`;
}

function expr(d, local) {
  if (d > 2) return local && chance(0.4) ? local : leaf(d);
  const r = rand();
  const sub = () => expr(d + 1, local);
  if (local && r < 0.08) return local;
  if (r < 0.2) return `${sub()} ${pick(["+", "-", "*", "/", "%", "**"])} ${sub()}`;
  if (r < 0.3) return `${sub()} ${pick(["==", "!=", "===", "!==", "<", "<=", ">", ">="])} ${sub()}`;
  if (r < 0.37) return `(${sub()} ${pick(["&&", "||", "??"])} ${sub()})`;
  if (r < 0.42) return `(${sub()} ? ${sub()} : ${sub()})`;
  if (r < 0.47) return `${pick(["!", "-", "+", "typeof "])}${pick(["(", ""]) === "(" ? `(${sub()})` : leaf(d)}`;
  if (r < 0.55) {
    const f = pick(["max", "min", "floor", "ceil", "round", "trunc", "abs", "sign", "pow"]);
    if (f === "max" || f === "min") return chance(0.3) ? `Math.${f}(...input.nums)` : `Math.${f}(${sub()}, ${sub()})`;
    if (f === "pow") return `Math.pow(${sub()}, ${pick(["2", "0.5", "3", "-1"])})`;
    return `Math.${f}(${sub()})`;
  }
  if (r < 0.6) return `${pick(["Number", "String", "Boolean", "parseInt", "parseFloat", "isNaN", "Number.isInteger", "Number.isFinite", "Array.isArray"])}(${sub()})`;
  if (r < 0.66) {
    const m = pick(["length", "includes", "startsWith", "endsWith", "indexOf", "slice", "substring", "split", "trim", "toLowerCase", "toUpperCase", "padStart", "padEnd", "replace", "replaceAll", "concat"]);
    const s = pick(["input.s", "input.t", "String(input.n)", pick(STRINGS)]);
    if (m === "length") return `${s}.length`;
    const args = {
      includes: [pick(['"a"', '"1"', '""'])],
      startsWith: [pick(['"A"', '"a"', '" "'])],
      endsWith: [pick(['"c"', '"x"', '"M"'])],
      indexOf: [pick(['"b"', '"-"', '"z"'])],
      slice: [pick(["0", "1", "-2"]), pick(["2", "-1", "10"])],
      substring: [pick(["0", "2", "5"]), pick(["1", "3"])],
      split: [pick(['","', '""', '"-"'])],
      trim: [],
      toLowerCase: [],
      toUpperCase: [],
      padStart: [pick(["5", "8"]), pick(['"0"', '"ab"'])],
      padEnd: [pick(["5", "8"]), pick(['"."'])],
      replace: [pick(['"a"', '"-"']), pick(['"X"', '"$&$&"', '""'])],
      replaceAll: [pick(['"a"', '"1"']), pick(['"_"'])],
      concat: [sub()],
    }[m];
    return `${s}.${m}(${args.join(", ")})`;
  }
  if (r < 0.78) {
    const arr = pick(["input.arr", "input.nums", "input.strs", "[1, 2, 3]", "[...input.nums, 4]", "input.nested.items"]);
    const m = pick(["length", "map", "filter", "find", "findIndex", "some", "every", "reduce", "includes", "indexOf", "join", "slice", "concat", "flat", "flatMap", "sort", "sortFn", "reverse"]);
    switch (m) {
      case "length": return `${arr}.length`;
      case "reduce": return `${arr}.reduce((acc, x) => acc + ${chance(0.5) ? "x" : expr(d + 2, "x")}, ${pick(["0", '""', "1"])})`;
      case "includes": case "indexOf": return `${arr}.${m}(${pick(["1", '"2"', "3", "NaN", '"b"'])})`;
      case "join": return `${arr}.join(${pick(['"-"', '""', ""])})`;
      case "slice": return `${arr}.slice(${pick(["1", "-1", "0, 2"])})`;
      case "concat": return `${arr}.concat(${pick(["[9]", "7", "input.strs"])})`;
      case "flat": return `[${arr}, [1, [2]]].flat(${pick(["", "2"])})`;
      case "sort": return `${arr}.sort()`;
      case "sortFn": return `${arr}.sort((a, b) => ${pick(["a - b", "b - a", "String(a).localeCompare ? 0 : 0"])})`;
      case "reverse": return `${arr}.reverse()`;
      default: return `${arr}.${m}(${arrow(d, ["x"])})`;
    }
  }
  if (r < 0.84) return `\`${pick(["v=", "", "SKU "])}\${${sub()}}${pick(["!", "", " units"])}\``;
  if (r < 0.89) return `JSON.stringify(${pick([sub(), "input.obj", "{ a: input.n, b: [input.s] }", "input.arr"])}${chance(0.3) ? ", null, 2" : ""})`;
  if (r < 0.93) return `Object.${pick(["keys", "values", "entries"])}(${pick(["input.obj", "input.nested", "input.arr", "input.s"])})`;
  if (r < 0.96) return `({ a: ${sub()}, ...input.obj, n: input.n })`;
  if (r < 0.98) return `[${sub()}, ...input.strs]`;
  return `new Date(${pick(["0", "1700000000000", '"2026-03-08T07:30:00Z"', '"2026-11-28"', "input.n"])}).${pick(["toISOString()", "getTime()"])}`;
}

// LANGUAGE.md §4: `sort` and `reverse` work on a copy (expressions never mutate their inputs).
// Node is given the same rule, so that a later read of the same array sees it unchanged.
const jsReverse = Array.prototype.reverse;
const jsSort = Array.prototype.sort;
Array.prototype.reverse = function () { return jsReverse.call([...this]); };
Array.prototype.sort = function (compare) { return jsSort.call([...this], compare); };

const cases = [];
const seen = new Set();
while (cases.length < CASES) {
  let e = expr(0, null);
  // `sort((a, b) => …localeCompare…)` is outside the subset: replace it with a numeric comparator.
  e = e.replace("String(a).localeCompare ? 0 : 0", "a < b ? -1 : 1");
  if (seen.has(e)) continue;
  let fn;
  try {
    fn = new Function("input", `return (${e});`);
  } catch {
    continue;
  }
  seen.add(e);
  const inp = input();
  let expect;
  try {
    const v = fn(JSON.parse(JSON.stringify(inp)));
    let json = JSON.stringify(v);
    expect = { type: typeof v, json: json === undefined ? null : json, threw: null };
  } catch (err) {
    expect = { type: null, json: null, threw: err.constructor.name };
  }
  cases.push({ expr: e, input: inp, expect });
}
writeFileSync(process.argv[2] ?? "cases.json", JSON.stringify(cases) + "\n");
