// Drives a running `dseek serve` with the official openai npm client.
// Usage: node client_test.mjs BASE_URL (e.g. http://127.0.0.1:8080/v1); API key in
// $DSEEK_API_KEY. Prints "ok <check>" per check; exits 1 at the first failure.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';

const baseURL = process.argv[2];
const apiKey = process.env.DSEEK_API_KEY || 'none';
const tools = JSON.parse(readFileSync(new URL('../../../models/nano-agent/tools.json', import.meta.url)));
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 300_000 });

const calculator = () => [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Tell me the result of 780/137.' },
];

// Concatenates a chat stream the way an application does.
async function collect(stream) {
  const msg = { content: '', reasoning_content: '', tool_calls: [] };
  const argPieces = [];  // a call's deltas that carried arguments text
  let finish = null, usage = null, chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      const d = choice.delta;
      if (d.content) msg.content += d.content;
      if (d.reasoning_content) msg.reasoning_content += d.reasoning_content;
      for (const tc of d.tool_calls ?? []) {
        const call = (msg.tool_calls[tc.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } });
        if (tc.id) call.id = tc.id;
        if (tc.function?.name) call.function.name += tc.function.name;
        if (tc.function?.arguments) {
          call.function.arguments += tc.function.arguments;
          argPieces[tc.index] = (argPieces[tc.index] ?? 0) + 1;
        }
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  return { msg, finish, usage, chunks, argPieces };
}

const checks = [];
const check = (name, fn) => checks.push([name, fn]);

check('models', async () => {
  const list = await client.models.list();
  const ids = list.data.map((m) => m.id);
  assert.deepEqual(ids, ['nano-agent']);
  const m = await client.models.retrieve('nano-agent');
  assert.equal(m.id, 'nano-agent');
});

check('chat, non-streaming and streaming agree', async () => {
  const req = { model: 'nano-agent', messages: [{ role: 'user', content: 'Hello' }], temperature: 0 };
  const whole = await client.chat.completions.create(req);
  assert.equal(whole.object, 'chat.completion');
  assert.equal(whole.choices[0].finish_reason, 'stop');
  assert.ok(whole.choices[0].message.content.length > 0);
  const s = await collect(await client.chat.completions.create({ ...req, stream: true, stream_options: { include_usage: true } }));
  assert.equal(s.msg.content, whole.choices[0].message.content);
  assert.equal(s.finish, 'stop');
  assert.equal(s.usage.completion_tokens, whole.usage.completion_tokens);
  assert.equal(s.usage.prompt_tokens, whole.usage.prompt_tokens);
});

check('tool round trip in thinking mode', async () => {
  const messages = calculator();
  const first = await client.chat.completions.create({
    model: 'nano-agent', messages, tools, temperature: 0, thinking: { type: 'enabled' },
  });
  const m1 = first.choices[0].message;
  assert.equal(first.choices[0].finish_reason, 'tool_calls');
  assert.ok(m1.reasoning_content.length > 0, 'reasoning_content');
  assert.equal(m1.tool_calls.length, 1);
  assert.equal(m1.tool_calls[0].function.name, 'calculator');
  assert.equal(typeof JSON.parse(m1.tool_calls[0].function.arguments).expression, 'string');
  assert.ok(first.usage.completion_tokens_details.reasoning_tokens > 0);

  // The same first turn streamed: identical deltas once put together (ids aside).
  const s1 = await collect(await client.chat.completions.create({
    model: 'nano-agent', messages, tools, temperature: 0, thinking: { type: 'enabled' }, stream: true,
  }));
  assert.equal(s1.finish, 'tool_calls');
  assert.equal(s1.msg.reasoning_content, m1.reasoning_content);
  assert.equal(s1.msg.content, m1.content ?? '');
  assert.deepEqual(s1.msg.tool_calls.map((c) => c.function), m1.tool_calls.map((c) => c.function));
  // The arguments stream as the model writes them, not as one piece at the end.
  assert.ok(s1.argPieces[0] > 1, `arguments in ${s1.argPieces[0]} piece(s)`);

  // Tool result back, with the assistant turn (reasoning_content included) as returned.
  messages.push(m1);
  messages.push({ role: 'tool', tool_call_id: m1.tool_calls[0].id, content: '5.693430656934306' });
  const second = await client.chat.completions.create({
    model: 'nano-agent', messages, tools, temperature: 0, thinking: { type: 'enabled' },
  });
  const m2 = second.choices[0].message;
  assert.equal(second.choices[0].finish_reason, 'stop');
  assert.ok(m2.content.length > 0, 'final answer');
  assert.ok(!m2.tool_calls || m2.tool_calls.length === 0);
  assert.ok(!m2.content.includes('DSML'));
  const s2 = await collect(await client.chat.completions.create({
    model: 'nano-agent', messages, tools, temperature: 0, chat_template_kwargs: { thinking: true }, stream: true,
  }));
  assert.equal(s2.msg.content, m2.content);
  assert.equal(s2.msg.reasoning_content, m2.reasoning_content);
  assert.equal(s2.finish, 'stop');
});

check('completions', async () => {
  const c = await client.completions.create({
    model: 'nano-agent', prompt: '<｜User｜>Hello<｜Assistant｜></think>', max_tokens: 5, temperature: 0,
  });
  assert.equal(c.object, 'text_completion');
  assert.ok(c.choices[0].text.length > 0);
  assert.equal(c.choices[0].finish_reason, 'length');
  assert.equal(c.usage.completion_tokens, 5);
  let streamed = '';
  for await (const chunk of await client.completions.create({
    model: 'nano-agent', prompt: '<｜User｜>Hello<｜Assistant｜></think>', max_tokens: 5, temperature: 0, stream: true,
  })) streamed += chunk.choices.map((x) => x.text).join('');
  assert.equal(streamed, c.choices[0].text);
});

check('errors', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'nano-agent', messages: [] }), (e) => {
    assert.equal(e.status, 400);
    assert.equal(e.param, 'messages');
    return e instanceof OpenAI.BadRequestError;
  });
  const wrong = new OpenAI({ baseURL, apiKey: 'wrong-key', maxRetries: 0 });
  await assert.rejects(wrong.models.list(), (e) => e instanceof OpenAI.AuthenticationError && e.status === 401);
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
