//! Error recovery: independent mistakes are each reported once, in source order, and the
//! rest of the file is still parsed into the tree.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use handled_parser::{Step, SyntaxErrorKind, parse};

#[test]
fn three_mistakes_three_errors() {
    let src = "workflow W {
trigger schedule.cron {
expression = \"0 * * * *\"
timezone: \"UTC\"
}
transform t {
input: trigger.payload
output: { a: [1, 2 3], b: input.x }
validate: { ok: input.x > 0 }
}
action shopify.updateInventory {
sku: transform.t.a,
quantity: Math.max(1, function () {})
}
action slack.sendMessage { channel: \"#a\" }
}
";
    let p = parse(src);
    assert_eq!(p.errors.len(), 3, "{:#?}", p.errors);
    assert!(
        p.errors
            .windows(2)
            .all(|w| w[0].span.start < w[1].span.start)
    );
    let e = &p.errors[0];
    assert_eq!(
        e.message,
        "expected `:` after field name `expression`, found `=`"
    );
    assert_eq!(e.expected, vec!["`:`"]);
    assert_eq!(e.help.as_deref(), Some("fields are written `name: value`"));
    assert_eq!(&src[e.span.range()], "=");
    assert_eq!(p.errors[1].message, "expected `,` or `]`, found number `3`");
    assert_eq!(p.errors[2].kind, SyntaxErrorKind::Unsupported);
    // What could be recovered is in the tree.
    let w = &p.file.workflows[0];
    assert_eq!(
        w.trigger.as_ref().map(|t| t.block.fields.len()),
        Some(2),
        "the `=` field is read as if `:` was written"
    );
    assert_eq!(w.steps.len(), 3);
    let Step::Transform(t) = &w.steps[0] else {
        panic!()
    };
    assert_eq!(
        t.block
            .fields
            .iter()
            .map(|f| f.name.name.as_str())
            .collect::<Vec<_>>(),
        ["input", "validate"]
    );
    let Step::Action(a) = &w.steps[1] else {
        panic!()
    };
    assert_eq!(a.block.fields.len(), 1);
}

#[test]
fn errors_in_separate_workflows() {
    let src = "workflow A { trigger a.b { x: 1 + } }
workflow B { trigger a.b { x: 1 } transform t { output: [1 2] } }
workflow C { trigger a.b { x: ) } }
workflow D { trigger a.b { x: 1 } }";
    let p = parse(src);
    assert_eq!(p.errors.len(), 3, "{:#?}", p.errors);
    assert_eq!(p.file.workflows.len(), 4);
}

#[test]
fn unexpected_end_points_at_end_or_opener() {
    let src = "workflow W { trigger a.b { x: 1 +";
    let p = parse(src);
    assert_eq!(p.errors.len(), 1, "{:#?}", p.errors);
    assert_eq!(p.errors[0].span.start as usize, src.len());
    assert_eq!(p.errors[0].span.end as usize, src.len());
    assert_eq!(
        p.errors[0].message,
        "expected an expression, found end of input"
    );
    let src = "workflow W { trigger a.b { x: f(1,";
    let p = parse(src);
    assert_eq!(p.errors.len(), 1, "{:#?}", p.errors);
    assert_eq!(&src[p.errors[0].span.range()], "(");
    let src = "workflow W { trigger a.b { x: 'abc";
    let p = parse(src);
    assert_eq!(p.errors.len(), 1, "{:#?}", p.errors);
    assert_eq!(&src[p.errors[0].span.range()], "'");
    let src = "workflow W { trigger a.b { x: 1 /* no end";
    let p = parse(src);
    assert_eq!(p.errors.len(), 1, "{:#?}", p.errors);
    assert_eq!(&src[p.errors[0].span.range()], "/*");
    let src = "workflow W { trigger a.b { x: 1 }";
    let p = parse(src);
    assert_eq!(p.errors.len(), 1, "{:#?}", p.errors);
    assert_eq!(&src[p.errors[0].span.range()], "{");
    assert_eq!(p.errors[0].span.start, 11);
}

#[test]
fn a_missing_trigger_and_a_skipped_step_are_not_invented() {
    let src = "workflow W { action a.b { x: 1 } transform { output: 1 } action c.d { y: 2 } }";
    let p = parse(src);
    let w = &p.file.workflows[0];
    assert!(
        w.trigger.is_none(),
        "no placeholder trigger: {:?}",
        w.trigger
    );
    assert_eq!(w.steps.len(), 2);
    assert_eq!(w.skipped_steps.len(), 1);
    assert!(src[w.skipped_steps[0].range()].starts_with("transform {"));
}
