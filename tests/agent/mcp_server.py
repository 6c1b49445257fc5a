#!/usr/bin/env python3
"""A tiny MCP server over stdio for the agent tests (JSON-RPC 2.0, one JSON object a line).

Tools: `shout` (upper-cases `text`), `add_numbers` (a + b, read-only), `fail` (an isError
result), `crash` (exits without answering). Extra stdout noise before the first answer
checks that the client skips non-JSON lines.
"""
import json
import sys

TOOLS = [
    {"name": "shout", "description": "Upper-case a text.",
     "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}},
    {"name": "add_numbers", "description": "Add two numbers.",
     "inputSchema": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
                     "required": ["a", "b"]},
     "annotations": {"readOnlyHint": True}},
    {"name": "fail", "description": "Always fails.", "inputSchema": {"type": "object", "properties": {}}},
    {"name": "crash", "description": "Exits.", "inputSchema": {"type": "object", "properties": {}}},
]


def send(msg):
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


def main():
    sys.stdout.write("mcp test server starting (not JSON)\n")
    sys.stdout.flush()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        msg = json.loads(line)
        method, mid = msg.get("method"), msg.get("id")
        if mid is None:
            continue  # notifications/initialized and friends
        if method == "initialize":
            send({"jsonrpc": "2.0", "id": mid, "result": {
                "protocolVersion": msg["params"]["protocolVersion"],
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "test-mcp", "version": "1.0"}}})
        elif method == "tools/list":
            # two pages, to exercise nextCursor
            if msg.get("params", {}).get("cursor") == "page2":
                send({"jsonrpc": "2.0", "id": mid, "result": {"tools": TOOLS[2:]}})
            else:
                send({"jsonrpc": "2.0", "id": mid, "result": {"tools": TOOLS[:2], "nextCursor": "page2"}})
        elif method == "tools/call":
            name = msg["params"]["name"]
            args = msg["params"].get("arguments", {})
            if name == "shout":
                send({"jsonrpc": "2.0", "id": mid, "result": {"content": [{"type": "text", "text": args["text"].upper()}]}})
            elif name == "add_numbers":
                send({"jsonrpc": "2.0", "id": mid, "result": {"content": [{"type": "text", "text": str(args["a"] + args["b"])}]}})
            elif name == "fail":
                send({"jsonrpc": "2.0", "id": mid, "result": {"content": [{"type": "text", "text": "it failed"}], "isError": True}})
            elif name == "crash":
                sys.exit(3)
            else:
                send({"jsonrpc": "2.0", "id": mid, "error": {"code": -32602, "message": "unknown tool " + name}})
        else:
            send({"jsonrpc": "2.0", "id": mid, "error": {"code": -32601, "message": "no method " + str(method)}})


if __name__ == "__main__":
    main()
