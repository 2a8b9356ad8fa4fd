workflow W {
trigger schedule { expression: "x" }
transform t { output: 1 }
}
workflow {
trigger a.b { }
}
workflow V {
trigger a.b { x: 1 }
trigger c.d { y: 2 }
action e.f as { z: 3 }
}
