// Every expression form of the subset, with comments wherever whitespace may stand.
workflow Expressions {
  trigger shopify.inventoryChanged { key: trigger.payload.sku /* inline */, coalesce: "5s", }
  transform numbers {
    output: [10, 0.6, .5, 5., 1e3, 1E-3, 0x1f, 0o17, 0b101, 1_000, 0.000_1]
  }
  transform strings { output: ['a\'b', "c\"d", "\n\t\\", "\x41\u0042\u{1F600}\uD83D\uDE00", 'line\
continued', `t ${ `inner ${ x + 1 } done` } end`, ``, `${a}${b}`] }
  transform objects {
    output: { a: 1, sku, ...rest, "quoted key": 2, 42: 3, [dynamic]: 4, default: 5, if: 6, }
  }
  transform members {
    output: a.b?.c[0]?.(1)?.[2].d(...args, 3)
    validate: { x: new Date().toISOString(), y: new Date, z: new a.b.C(1)(2) }
  }
  transform operators {
    output: !a || typeof b === 'number' && (c ?? d)
    validate: {
      prec: a || b && c,
      nullish: (a ?? b) || c,
      pow: 2 ** 3 ** 2,
      negpow: (-2) ** 2,
      unary: - -a + +b - !c,
      cmp: a < b == c >= d != e !== f,
      arith: a + b * c / d % e - f,
      ternary: a ? b : c ? d : e,
      chain: a
        ? b // comment between
        : c
    }
  }
  transform arrows {
    output: xs.map(x => y => z)
    input: [() => 1, (a, b) => a + b, (a,) => ({ a }), x => ({ ...x, y: 1 })]
    validate: {
      body: xs.reduce((acc, x) => {
        const k = x.key;
        let n = acc[k] ?? 0
        n = n + 1;
        if (n > 2) return acc
        else if (n === 1) { n = 0; } else { return { ...acc, [k]: n } }
        if (x) { ; }
        acc.push(n)
        return;
      }, {}),
    }
  }
  action shopify.updateInventory as update { sku: "a" quantity: 1 }
  forEach: list actions: [ { action: "a.b", condition: "item.x === 0", }, ]
}
workflow Empty { trigger schedule.cron { } }
