"""Prints a compiled program's `exec` JSON (read from standard input) as a short summary."""
import json
import sys

run = json.load(sys.stdin)
print("status:", run["status"])
for step in run["steps"]:
    print("  step {}: {}".format(step["name"], step["status"]))
for call in run["calls"]:
    if "result" in call:
        outcome = "ok"
    else:
        outcome = "error: " + call.get("error", {}).get("message", "?")
    print("  call {} {} -> {}".format(call["op"], json.dumps(call["params"], ensure_ascii=False), outcome))
for channel, state in sorted(run.get("state", {}).items()):
    items = state.get("items") if isinstance(state, dict) else None
    if isinstance(items, dict) and items:
        parts = []
        for sku, value in sorted(items.items()):
            quantity = value.get("quantity", value) if isinstance(value, dict) else value
            parts.append("{}={}".format(sku, quantity))
        print("  {} stock: {}".format(channel, ", ".join(parts)))
