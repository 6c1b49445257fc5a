// Regenerates hf_random.jsonl: random texts and id lists with the outputs of Hugging Face
// `tokenizers` (the Rust library's Node binding), used as a cross-check beyond the shared
// vectors, notably for characters newer than PCRE2's Unicode tables.
//
//   (cd /tmp/scratch && npm install tokenizers@0.23.2)
//   NODE_PATH=/tmp/scratch/node_modules node tests/tokenizer/gen_hf_random.js \
//     models/nano-agent/tokenizer.json > tests/tokenizer/hf_random.jsonl
const { Tokenizer } = require('tokenizers');

const tok = Tokenizer.fromFile(process.argv[2]);
let seed = 2024;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const ri = (n) => Math.floor(rnd() * n);

const words = [' ', '  ', '\n', '\r\n', '\t', '\u00a0', '\u3000', '\u2028', '\u180e', '\u200b',
  '\ufeff', '\u0085', 'Hello', 'world', "'s", '123456', '3.14', '!!', '...', '<think>', '</think>',
  '<｜User｜>', '<|EOT|>', '<｜end▁of▁sentence｜>', '中文', 'かな', 'ｶﾀｶﾅ', '한국어', 'e\u0301', '😀',
  '👨‍👩‍👧', '🇩🇪', '🩷', '🫨', '١٢٣', '１２３', 'ẞ', '{"a": [1, 2]}', 'x++;', '\\', '\0'];
const ranges = [[0x20, 0x7e], [0, 0x1f], [0x80, 0x24f], [0x250, 0x52f], [0x530, 0x1fff],
  [0x2000, 0x2bff], [0x2c00, 0x4dff], [0x4e00, 0x9fff], [0xa000, 0xd7ff], [0xe000, 0xffff],
  [0x10000, 0x1ffff], [0x20000, 0x3ffff], [0xe0000, 0x10ffff]];
const codePoint = () => {
  const [lo, hi] = ranges[ri(ranges.length)];
  const c = lo + ri(hi - lo + 1);
  return String.fromCodePoint(c >= 0xd800 && c <= 0xdfff ? 0x41 : c);
};

(async () => {
  for (let i = 0; i < 200; i++) {
    let text = '';
    const mode = ri(3);
    for (let k = 1 + ri(30); k > 0; k--) {
      const pick = mode === 0 || (mode === 2 && rnd() < 0.5);
      text += pick ? codePoint() : words[ri(words.length)];
    }
    const ids = Array.from((await tok.encode(text, undefined, { addSpecialTokens: false })).getIds());
    const decodeIds = [];
    for (let k = ri(12); k > 0; k--) {
      const m = ri(4);
      decodeIds.push(m === 0 ? 128000 + ri(830) : m === 1 ? ri(3) : m === 2 ? ri(128000) : 94 + ri(200));
    }
    console.log(JSON.stringify({
      text, ids, decode_ids: decodeIds,
      decode_text: await tok.decode(decodeIds, false),
      decode_text_skip: await tok.decode(decodeIds, true),
    }));
  }
})();
