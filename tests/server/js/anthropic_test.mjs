// Drives a running `dseek serve` with the official Anthropic npm client (@anthropic-ai/sdk):
// POST /v1/messages streamed and not, tools, thinking, count_tokens, errors.
// Usage: node anthropic_test.mjs BASE_URL (e.g. http://127.0.0.1:8080, no /v1); API key in
// $DSEEK_API_KEY (sent as x-api-key). Prints "ok <check>" per check; exits 1 at the first failure.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Anthropic from '@anthropic-ai/sdk';

const baseURL = process.argv[2];
const apiKey = process.env.DSEEK_API_KEY || 'none';
const client = new Anthropic({ baseURL, apiKey, maxRetries: 0, timeout: 300_000 });
const tools = JSON.parse(readFileSync(new URL('../../../models/nano-agent/tools.json', import.meta.url))).map((t) => ({
  name: t.function.name, description: t.function.description, input_schema: t.function.parameters,
}));
const model = 'nano-agent';
const system = 'You are a helpful assistant.';
const calculator = () => [{ role: 'user', content: 'Tell me the result of 780/137.' }];

// Ids differ per response, and how the prompt splits into cached and new tokens depends on
// what ran before (the SDK's stream helper also adds fields of its own, e.g. parsed_output);
// everything else of a streamed message must equal the whole one.
const withoutIds = (m) => ({
  type: m.type, role: m.role, model: m.model, stop_reason: m.stop_reason, stop_sequence: m.stop_sequence ?? null,
  content: m.content.map((b) => (b.type === 'tool_use' ? { ...b, id: '' } : b)),
  prompt_tokens: m.usage.input_tokens + (m.usage.cache_read_input_tokens ?? 0), output_tokens: m.usage.output_tokens,
});

// Raw events of a stream: checks their order the way the protocol defines it.
async function rawEvents(params) {
  const types = [];
  let open = -1;
  for await (const e of await client.messages.create({ ...params, stream: true })) {
    types.push(e.type);
    if (e.type === 'content_block_start') { assert.equal(open, -1); open = e.index; }
    if (e.type === 'content_block_delta') assert.equal(e.index, open);
    if (e.type === 'content_block_stop') { assert.equal(e.index, open); open = -1; }
  }
  assert.equal(types[0], 'message_start');
  assert.deepEqual(types.slice(-2), ['message_delta', 'message_stop']);
  return types;
}

const checks = [];
const check = (name, fn) => checks.push([name, fn]);

check('text, non-streaming and streaming agree', async () => {
  const req = { model, max_tokens: 64, temperature: 0, messages: [{ role: 'user', content: 'Hello' }] };
  const whole = await client.messages.create(req);
  assert.equal(whole.type, 'message');
  assert.equal(whole.role, 'assistant');
  assert.ok(whole.id.startsWith('msg_'));
  assert.equal(whole.content.length, 1);
  assert.equal(whole.content[0].type, 'text');
  assert.ok(whole.content[0].text.length > 0);
  assert.ok(['end_turn', 'max_tokens'].includes(whole.stop_reason));
  assert.ok(whole.usage.input_tokens > 0 && whole.usage.output_tokens > 0);
  let text = '';
  const stream = client.messages.stream(req).on('text', (t) => { text += t; });
  const final = await stream.finalMessage();
  assert.equal(text, whole.content[0].text);
  assert.deepEqual(withoutIds(final), withoutIds(whole));
  const types = await rawEvents(req);
  assert.ok(types.includes('content_block_delta'));
});

check('tool_use round trip in thinking mode', async () => {
  const params = { model, max_tokens: 256, temperature: 0, system, tools, thinking: { type: 'enabled', budget_tokens: 1024 } };
  const messages = calculator();
  const first = await client.messages.create({ ...params, messages });
  assert.equal(first.stop_reason, 'tool_use');
  const [thinking, ...rest] = first.content;
  assert.equal(thinking.type, 'thinking');
  assert.ok(thinking.thinking.length > 0);
  assert.equal(typeof thinking.signature, 'string');
  const call = rest.at(-1);
  assert.equal(call.type, 'tool_use');
  assert.equal(call.name, 'calculator');
  assert.ok(call.id.startsWith('toolu_'));
  assert.equal(typeof call.input.expression, 'string');
  // Streamed: the SDK's assembled message (thinking_delta, signature_delta, input_json_delta) is the same.
  const streamed = await client.messages.stream({ ...params, messages }).finalMessage();
  assert.deepEqual(withoutIds(streamed), withoutIds(first));
  const types = await rawEvents({ ...params, messages });
  assert.ok(types.includes('content_block_start'));  // (the SDK drops `ping` events; server_tests sees them)

  // The assistant turn goes back as returned, then the result.
  messages.push({ role: 'assistant', content: first.content });
  messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '5.693430656934306' }] });
  const second = await client.messages.create({ ...params, messages });
  assert.equal(second.stop_reason, 'end_turn');
  const answer = second.content.find((b) => b.type === 'text');
  assert.ok(answer && answer.text.length > 0, 'final answer');
  assert.ok(!answer.text.includes('DSML'));
  assert.ok(!second.content.some((b) => b.type === 'tool_use'));
  const streamed2 = await client.messages.stream({ ...params, messages }).finalMessage();
  assert.deepEqual(withoutIds(streamed2), withoutIds(second));
});

check('tool_choice names the tool', async () => {
  const m = await client.messages.create({
    model, max_tokens: 128, temperature: 0, system, tools, messages: [{ role: 'user', content: 'Hello' }],
    tool_choice: { type: 'tool', name: 'calculator' },
  });
  assert.equal(m.stop_reason, 'tool_use');
  const call = m.content.find((b) => b.type === 'tool_use');
  assert.equal(call.name, 'calculator');
  assert.equal(typeof call.input, 'object');
});

check('count_tokens', async () => {
  const req = { model, system, tools, messages: calculator() };
  const { input_tokens } = await client.messages.countTokens(req);
  const m = await client.messages.create({ ...req, max_tokens: 1 });
  assert.equal(input_tokens, m.usage.input_tokens + (m.usage.cache_read_input_tokens ?? 0));
  assert.equal(m.stop_reason, 'max_tokens');
});

check('errors', async () => {
  await assert.rejects(client.messages.create({ model, messages: [{ role: 'user', content: 'Hi' }] }), (e) => {
    assert.ok(e instanceof Anthropic.BadRequestError);
    assert.equal(e.status, 400);
    assert.equal(e.error.type, 'error');
    assert.equal(e.error.error.type, 'invalid_request_error');
    assert.match(e.error.error.message, /max_tokens/);
    return true;
  });
  await assert.rejects(client.messages.create({
    model, max_tokens: 8,
    messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'http://x/y.png' } }] }],
  }), (e) => e instanceof Anthropic.BadRequestError && /image/.test(e.error.error.message));
  const wrong = new Anthropic({ baseURL, apiKey: 'wrong-key', maxRetries: 0 });
  await assert.rejects(wrong.messages.create({ model, max_tokens: 1, messages: [{ role: 'user', content: 'Hi' }] }),
    (e) => e instanceof Anthropic.AuthenticationError && e.status === 401 && e.error.error.type === 'authentication_error');
});

for (const [name, fn] of checks) {
  try {
    await fn();
    console.log(`ok ${name}`);
  } catch (e) {
    console.error(`FAILED ${name}: ${e.stack ?? e}`);
    process.exit(1);
  }
}
console.log(`all ${checks.length} checks passed`);
