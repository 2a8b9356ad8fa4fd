workflow W {
transform t { output: 1 }
}
