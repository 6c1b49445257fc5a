#!/usr/bin/env python3
"""Fairness of `dseek serve` under a long prompt (issue: serving as users expect).

Starts `dseek serve --parallel 4` on a free port and measures, streamed over HTTP:
  alone     a short chat request's time to first token (TTFT) and its inter-token latency
            (ITL, p50 / p99) with nothing else running;
  loaded    the same while one LONG-token prompt prefills: a short request that was already
            decoding keeps its ITL (p50 / p99 of the gaps that fall inside the prefill), and a
            short request sent after the long one has started gets its TTFT.
The long prompt is LONG random token ids sent to /v1/completions (prompt as a list of ids).
Usage: scripts/bench_fairness.py [--bin build/dseek] [--model DIR] [--long 100000]
                                  [--prefill-chunk 512] [--prefill-step-ms 0] [--repeats 3]
Prints one table; medians over the repeats. Machine-dependent: compare rows of one run.
"""
import argparse
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time


def start_server(args):
    cmd = [args.bin, "serve", "--port", "0", "--parallel", "4", "--ctx-size", str(args.long + 1024),
           "--prefill-chunk", str(args.prefill_chunk), "--prefill-step-ms", str(args.prefill_step_ms)]
    if args.model:
        cmd += ["-m", args.model]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        m = re.search(r"listening on http://[^:]+:(\d+)", line)
        if m:
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            return proc, int(m.group(1))
    raise SystemExit("bench_fairness: the server did not start: " + " ".join(cmd))


def stream(port, path, body, times):
    """POSTs a streamed request; appends the arrival time of each token-bearing chunk."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    body = dict(body, stream=True)
    c.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    r = c.getresponse()
    if r.status != 200:
        raise SystemExit(f"bench_fairness: {path} answered {r.status}: {r.read()[:300]!r}")
    buf = b""
    while True:
        chunk = r.read1(65536)
        if not chunk:
            break
        buf += chunk
        while b"\n\n" in buf:
            event, buf = buf.split(b"\n\n", 1)
            for line in event.split(b"\n"):
                if not line.startswith(b"data: ") or line == b"data: [DONE]":
                    continue
                j = json.loads(line[6:])
                for ch in j.get("choices", []):
                    piece = ch.get("text") or (ch.get("delta") or {}).get("content") or \
                        (ch.get("delta") or {}).get("reasoning_content")
                    if piece:
                        times.append(time.monotonic())
    c.close()


def short_body(max_tokens):
    # A text completion: every token is streamed as it comes (a chat answer's tool-call markup
    # would be held back until it is complete).
    return {"prompt": "Once upon a time", "max_tokens": max_tokens, "temperature": 0, "ignore_eos": True}


def gaps(times, lo=None, hi=None):
    """Per-token latencies inside [lo, hi]: the server may send several tokens in one write,
    so a gap between two arrivals is shared by the tokens of the later one."""
    times = [t for t in times if (lo is None or t >= lo) and (hi is None or t <= hi)]
    out, i = [], 1
    while i < len(times):
        j = i
        while j + 1 < len(times) and times[j + 1] == times[i]:
            j += 1
        n = j - i + 1
        out += [(times[i] - times[i - 1]) / n] * n
        i = j + 1
    return out


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def run_once(port, long_ids):
    # Alone: TTFT and ITL of a short request.
    t0 = time.monotonic()
    alone = []
    stream(port, "/v1/completions", short_body(64), alone)
    ttft_alone = alone[0] - t0
    itl_alone = gaps(alone)

    # Loaded: a short request decoding, then the long prompt, then a second short request.
    decoding, long_times, queued = [], [], []
    d = threading.Thread(target=stream, args=(port, "/v1/completions", short_body(100000), decoding))
    d.start()
    while len(decoding) < 4:
        time.sleep(0.005)
    t_long = time.monotonic()
    lt = threading.Thread(target=stream, args=(port, "/v1/completions",
                                               {"prompt": long_ids, "max_tokens": 1, "temperature": 0}, long_times))
    lt.start()
    time.sleep(0.2)  # the long prompt is admitted and prefilling
    t_q = time.monotonic()
    stream(port, "/v1/completions", short_body(8), queued)
    ttft_queued = queued[0] - t_q
    lt.join()
    t_long_done = long_times[0] if long_times else time.monotonic()
    # Stop the decoding request: cancel by closing is not possible from here; it ends at
    # max_tokens 100000, so ask the server to stop it by shutting the connection down.
    return {
        "ttft_alone": ttft_alone, "itl_alone": itl_alone,
        "prefill_s": t_long_done - t_long, "ttft_queued": ttft_queued,
        "itl_during": gaps(decoding, t_long + 0.05, t_long_done), "decoding_thread": d,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="build/dseek")
    ap.add_argument("--model", default="")
    ap.add_argument("--long", type=int, default=100000)
    ap.add_argument("--prefill-chunk", type=int, default=512)
    ap.add_argument("--prefill-step-ms", type=float, default=0,
                    help="serve's time budget of a step that prefills (0: --prefill-chunk alone)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    rng = random.Random(1)
    rows = []
    for rep in range(args.repeats):
        proc, port = start_server(args)
        try:
            long_ids = [rng.randrange(1000, 100000) for _ in range(args.long)]
            r = run_once(port, long_ids)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        r["decoding_thread"].join(timeout=5)
        rows.append(r)
        print(f"repeat {rep + 1}: prefill of {args.long} tokens {r['prefill_s']:.1f} s; short TTFT alone "
              f"{r['ttft_alone'] * 1e3:.1f} ms, queued behind it {r['ttft_queued'] * 1e3:.1f} ms; ITL alone p50 "
              f"{pct(r['itl_alone'], 50) * 1e3:.1f} ms, during the prefill p50 {pct(r['itl_during'], 50) * 1e3:.1f} / "
              f"p99 {pct(r['itl_during'], 99) * 1e3:.1f} ms ({len(r['itl_during'])} gaps)", file=sys.stderr)
    med = lambda f: statistics.median(f(r) for r in rows)
    print(f"{'measure':44s} {'median':>10s}")
    print(f"{'long prompt prefill (s), ' + str(args.long) + ' tokens':44s} {med(lambda r: r['prefill_s']):10.2f}")
    print(f"{'short TTFT alone (ms)':44s} {med(lambda r: r['ttft_alone']) * 1e3:10.1f}")
    print(f"{'short TTFT queued behind the long (ms)':44s} {med(lambda r: r['ttft_queued']) * 1e3:10.1f}")
    print(f"{'ITL alone p50 (ms)':44s} {med(lambda r: pct(r['itl_alone'], 50)) * 1e3:10.1f}")
    print(f"{'ITL alone p99 (ms)':44s} {med(lambda r: pct(r['itl_alone'], 99)) * 1e3:10.1f}")
    print(f"{'ITL during the prefill p50 (ms)':44s} {med(lambda r: pct(r['itl_during'], 50)) * 1e3:10.1f}")
    print(f"{'ITL during the prefill p99 (ms)':44s} {med(lambda r: pct(r['itl_during'], 99)) * 1e3:10.1f}")


if __name__ == "__main__":
    main()
