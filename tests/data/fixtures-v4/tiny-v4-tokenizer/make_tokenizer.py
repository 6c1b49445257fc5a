#!/usr/bin/env python3
"""Writes tokenizer.json for tiny-v4 (vocab 512, no tokenizer of its own): a byte-level BPE in
the Hugging Face format dseek's src/tokenizer loads, laid out as

  id 0             <｜begin▁of▁sentence｜>   (added, special; bos_token_id of tiny-v4's config)
  id 1             <｜end▁of▁sentence｜>     (added, special; eos_token_id)
  ids 2..257       the 256 byte pieces (GPT-2's byte -> unicode spelling), in byte order
  ids 258..500     243 pieces made by merges learned on the chat-v4 encode vectors' prompts (specials removed)
  ids 501..511     DeepSeek-V4's other chat tokens as added tokens (not special, as in the real
                   tokenizers): <｜User｜> <｜Assistant｜> <think> </think> <｜latest_reminder｜>
                   and the six task tokens <｜action｜> .. <｜read_url｜>

so every one of the model's 512 ids has a token. The V4 ids differ from the real V4 tokenizer's
(<think> is 128821 there) on purpose: nothing may assume fixed special-token ids. The
pre-tokenizer is DeepSeek-V3's Split sequence; the merges are deterministic (most frequent pair,
ties by the smaller pair). Run from the repo root: python3 tests/data/fixtures-v4/tiny-v4-tokenizer/make_tokenizer.py
"""
import collections
import json
import os

import regex

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, "..", "..", "vectors", "chat-v4", "encode.jsonl")

BOS, EOS = "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"
V4_TOKENS = ["<｜User｜>", "<｜Assistant｜>", "<think>", "</think>", "<｜latest_reminder｜>",
             "<｜action｜>", "<｜query｜>", "<｜authority｜>", "<｜domain｜>", "<｜title｜>", "<｜read_url｜>"]
VOCAB = 512
N_PIECES = VOCAB - 2 - 256 - len(V4_TOKENS)  # pieces made by merges

SPLITS = [r"\p{N}{1,3}", "[一-龥\u3040-ゟ゠-ヿ]+",
          "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+"]


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def pretokenize(text):
    pieces = [text]
    for pat in SPLITS:  # Split, behavior Isolated: matches and the gaps between them
        out = []
        for p in pieces:
            pos = 0
            for m in regex.finditer(pat, p):
                if m.start() > pos:
                    out.append(p[pos:m.start()])
                if m.end() > m.start():
                    out.append(m.group())
                pos = m.end()
            if pos < len(p):
                out.append(p[pos:])
        pieces = out
    return pieces


def main():
    b2u = bytes_to_unicode()
    words = collections.Counter()
    with open(VECTORS, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            text = rec.get("output") or ""
            for sp in [BOS, EOS] + V4_TOKENS:
                text = text.replace(sp, "\n")
            for w in pretokenize(text):
                words[tuple(b2u[b] for b in w.encode("utf-8"))] += 1
    vocab = {b2u[b]: 2 + b for b in range(256)}
    merges = []
    words = {w: c for w, c in words.items()}
    while len(vocab) < 256 + N_PIECES:
        pairs = collections.Counter()
        for w, c in words.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] += c
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merged = best[0] + best[1]
        # A piece reached by another split of the same string gets a second merge, no new id.
        vocab.setdefault(merged, 2 + len(vocab))
        merges.append(f"{best[0]} {best[1]}")
        nw = {}
        for w, c in words.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(merged)
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            nw[tuple(out)] = nw.get(tuple(out), 0) + c
        words = nw
    assert sorted(vocab.values()) == list(range(2, 2 + 256 + N_PIECES))

    def added(i, content, special):
        return {"id": i, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": False, "special": special}

    added_tokens = [added(0, BOS, True), added(1, EOS, True)]
    added_tokens += [added(VOCAB - len(V4_TOKENS) + k, t, False) for k, t in enumerate(V4_TOKENS)]
    tok = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": added_tokens,
        "normalizer": {"type": "Sequence", "normalizers": []},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": p}, "behavior": "Isolated", "invert": False} for p in SPLITS] + [
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                  "vocab": vocab, "merges": merges},
    }
    with open(os.path.join(HERE, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
