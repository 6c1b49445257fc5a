// Drives dseek's web chat (GET /) in headless Chromium, through the DevTools protocol over a
// pipe (--remote-debugging-pipe: no npm package, no port). Run by server_tests
// (WebChatBrowser); by hand:
//   node webchat_test.mjs http://127.0.0.1:8080 --tools models/nano-agent/tools.json \
//     [--chromium /usr/bin/chromium] [--screenshot docs/webchat.png]
// Checks, against the same server: the page loads with nothing but same-origin requests and no
// console error; a typed prompt streams an answer equal to the non-streamed answer of the
// request the page sent (temperature 0), with tokens/s and context use shown; thinking mode
// shows the reasoning in a <details> and a tool call as a block, and a tool result typed into
// the page continues the conversation; Stop ends a long answer and the server cancels it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const args = process.argv.slice(2);
const base = args[0];
const opt = (name, def) => (args.indexOf(name) > 0 ? args[args.indexOf(name) + 1] : def);
const chromium = opt('--chromium', process.env.DSEEK_CHROMIUM || '/usr/bin/chromium');
const toolsFile = opt('--tools');
const screenshot = opt('--screenshot');
const SYSTEM = 'You are nano-agent, a small assistant that can use tools.';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let checks = 0;
const t0 = Date.now();
const lap = (what) => console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);
const check = (cond, what) => { assert.ok(cond, what); checks++; };
const checkEq = (a, b, what) => { assert.deepEqual(a, b, what); checks++; };

// The DevTools protocol over Chromium's pipe: NUL-terminated JSON messages on fds 3 (to it) and 4.
class Cdp {
  constructor(proc) {
    this.out = proc.stdio[3];
    this.out.on('error', () => {}); // EPIPE once the browser has gone: nothing left to tell it
    this.next = 1;
    this.pending = new Map();
    this.handlers = new Map();
    let buf = Buffer.alloc(0);
    proc.stdio[4].on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      let end;
      while ((end = buf.indexOf(0)) >= 0) {
        this.dispatch(JSON.parse(buf.subarray(0, end).toString('utf8')));
        buf = buf.subarray(end + 1);
      }
    });
  }
  // A command without a reply in 30 s fails (a crashed or stalled renderer must not hang the test).
  send(method, params = {}, sessionId = undefined) {
    const id = this.next++;
    this.out.write(JSON.stringify({ id, method, params, sessionId }) + '\0');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(method + ': no reply from chromium in 30 s'));
      }, 30000);
      this.pending.set(id, { resolve: (v) => { clearTimeout(timer); resolve(v); }, reject: (e) => { clearTimeout(timer); reject(e); }, method });
    });
  }
  on(method, fn) { this.handlers.set(method, fn); }
  dispatch(m) {
    if (m.id) {
      const p = this.pending.get(m.id);
      if (!p) return;  // timed out already
      this.pending.delete(m.id);
      if (m.error) p.reject(new Error(p.method + ': ' + m.error.message));
      else p.resolve(m.result);
    } else if (this.handlers.has(m.method)) {
      this.handlers.get(m.method)(m.params);
    }
  }
}

async function api(path, body) {
  const r = await fetch(base + path, body ? { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) } : {});
  assert.equal(r.status, 200, path + ': HTTP ' + r.status);
  return r.json();
}

// The request the page sent, answered without streaming: what the page must have shown.
function unstreamed(sent) {
  const body = { ...sent, stream: false };
  delete body.stream_options;
  return api('/v1/chat/completions', body);
}

const profile = mkdtempSync(join(tmpdir(), 'dseek-chromium-'));
const proc = spawn(chromium, ['--headless', '--remote-debugging-pipe', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--no-first-run', '--no-default-browser-check', '--disable-extensions', '--disable-background-networking',
  '--disable-sync', '--hide-scrollbars', '--mute-audio', '--user-data-dir=' + profile, 'about:blank'],
// Its own process group, so the renderer and helper processes can be stopped with it.
{ stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: true });
let chromeErr = '';
proc.stderr.on('data', (d) => { chromeErr = (chromeErr + d).slice(-4000); });
proc.on('error', (e) => { console.error('cannot start ' + chromium + ': ' + e.message); process.exit(1); });
const cdp = new Cdp(proc);
setTimeout(() => {
  console.error('FAILED: still running after 120 s');
  try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* gone */ }
  process.exit(1);
}, 120000).unref();
let sid;
const send = (method, params) => cdp.send(method, params, sid);

async function evaluate(expression) {
  const r = await send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
  if (r.exceptionDetails) throw new Error('page: ' + (r.exceptionDetails.exception?.description || r.exceptionDetails.text));
  return r.result.value;
}
// Polls until `expression` is truthy (errors count as not yet: the page may still be loading).
async function waitFor(expression, what, ms = 20000) {
  for (const end = Date.now() + ms; ;) {
    let v, err = '';
    try { v = await evaluate(expression); } catch (e) { err = ' (' + e.message + ')'; }
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what + err);
    await sleep(30);
  }
}
const text = (sel) => evaluate(`document.querySelector(${JSON.stringify(sel)})?.textContent ?? null`);
const count = (sel) => evaluate(`document.querySelectorAll(${JSON.stringify(sel)}).length`);
// A real click at the element's centre (mouse events, as a user's).
async function click(sel) {
  const p = await evaluate(`(() => { const e = document.querySelector(${JSON.stringify(sel)}); if (!e) return null;
    e.scrollIntoView({ block: 'center' }); const r = e.getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })()`);
  if (!p) throw new Error('no element ' + sel);
  for (const type of ['mousePressed', 'mouseReleased']) await send('Input.dispatchMouseEvent', { type, x: p.x, y: p.y, button: 'left', clickCount: 1 });
}
// Typed into the focused element as keyboard text.
async function typeInto(sel, s) {
  await evaluate(`document.querySelector(${JSON.stringify(sel)}).focus()`);
  await send('Input.insertText', { text: s });
}
// Settings fields, set as a user's edit would leave them (value + change event).
async function settings(values) {
  await evaluate(`Object.entries(${JSON.stringify(values)}).forEach(([id, v]) => {
    const e = document.getElementById(id); if (e.type === 'checkbox') e.checked = v; else e.value = v;
    e.dispatchEvent(new Event('change')); })`);
}

const problems = [];  // console errors, uncaught exceptions, requests elsewhere
const sent = [];      // the bodies the page POSTed to /v1/chat/completions
let extraBody = null; // fields the test adds to the page's next requests (Fetch interception)

try {
  const props = await api('/props');
  const nCtx = props.default_generation_settings.n_ctx;
  const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
  ({ sessionId: sid } = await cdp.send('Target.attachToTarget', { targetId, flatten: true }));
  lap('chromium started');
  cdp.on('Runtime.exceptionThrown', (p) => problems.push('exception: ' + p.exceptionDetails.exception?.description));
  cdp.on('Runtime.consoleAPICalled', (p) => { if (p.type === 'error') problems.push('console.error: ' + JSON.stringify(p.args)); });
  cdp.on('Log.entryAdded', (p) => { if (p.entry.level === 'error') problems.push('log: ' + p.entry.text + ' ' + (p.entry.url || '')); });
  cdp.on('Network.requestWillBeSent', (p) => {
    const url = p.request.url;
    if (!url.startsWith(base + '/') && !url.startsWith('data:')) problems.push('request elsewhere: ' + url);
    if (url === base + '/v1/chat/completions') sent.push(JSON.parse(p.request.postData));
  });
  cdp.on('Fetch.requestPaused', (p) => {
    const body = { ...JSON.parse(p.request.postData), ...extraBody };
    send('Fetch.continueRequest', { requestId: p.requestId, postData: Buffer.from(JSON.stringify(body)).toString('base64') });
  });
  for (const d of ['Runtime', 'Log', 'Network', 'Page']) await send(d + '.enable');
  await send('Emulation.setDeviceMetricsOverride', { width: 1100, height: 760, deviceScaleFactor: 1, mobile: false });
  await send('Emulation.setEmulatedMedia', { features: [{ name: 'prefers-color-scheme', value: 'light' }] });

  // 1. The page, the model's name and context size (GET /props).
  await send('Page.navigate', { url: base + '/' });
  await waitFor(`document.getElementById('model').textContent === ${JSON.stringify(props.model_alias)}`, 'the model name');
  check((await text('#status')).includes(`/ ${nCtx} tokens`), 'the context size from /props: ' + (await text('#status')));
  checkEq(await evaluate(`document.getElementById('temperature').placeholder`), String(props.default_generation_settings.params.temperature), 'default temperature shown');

  lap('page loaded');
  // 2. A typed prompt at temperature 0: the streamed answer is the non-streamed answer.
  await settings({ temperature: '0', max_tokens: '64' });
  await typeInto('#input', 'Hello');
  await click('#send');
  await waitFor(`document.querySelector('.msg.assistant .meta')`, 'the first answer');
  const answer = await text('.msg.assistant .answer');
  checkEq(sent.length, 1, 'one request sent');
  const s0 = sent[0];
  check(s0.stream === true && s0.stream_options?.include_usage === true, 'streams with usage: ' + JSON.stringify(s0));
  checkEq([s0.temperature, s0.max_tokens, s0.chat_template_kwargs], [0, 64, { thinking: false }], 'settings sent');
  checkEq(s0.messages, [{ role: 'user', content: 'Hello' }], 'messages sent');
  const ref0 = await unstreamed(s0);
  check(answer && answer.length > 0, 'a non-empty answer');
  checkEq(answer, ref0.choices[0].message.content, 'streamed answer = non-streamed answer');
  const status0 = await text('#status');
  const speed = status0.match(/([\d.]+) tokens\/s/);
  check(speed && Number(speed[1]) > 0, 'tokens/s shown: ' + status0);
  check(status0.includes(`context ${ref0.usage.total_tokens} / ${nCtx} tokens`), 'context use shown: ' + status0);
  check((await text('.msg.assistant .meta')).startsWith(ref0.usage.completion_tokens + ' tokens'), 'token count shown');

  lap('plain answer checked');
  // 3. Thinking mode with tools: reasoning in a <details>, a tool call block, a typed result.
  if (toolsFile) {
    const tools = readFileSync(toolsFile, 'utf8');
    await click('#new');
    checkEq(await count('.msg'), 0, 'New chat empties the conversation');
    await settings({ system: SYSTEM, tools, thinking: true, max_tokens: '200' });
    await typeInto('#input', 'What is 12 * 34?');
    await click('#send');
    await waitFor(`document.querySelector('.msg.assistant .meta')`, 'the tool call');
    const s1 = sent[1];
    checkEq(s1.chat_template_kwargs, { thinking: true }, 'thinking switch sent');
    checkEq(s1.messages[0], { role: 'system', content: SYSTEM }, 'system prompt sent');
    checkEq(s1.tools, JSON.parse(tools), 'tools sent');
    const m1 = (await unstreamed(s1)).choices[0].message;
    check(m1.reasoning_content && m1.tool_calls?.length === 1, 'the model reasons and calls a tool: ' + JSON.stringify(m1));
    checkEq(await text('.msg.assistant details.reasoning .text'), m1.reasoning_content, 'reasoning shown');
    const call = m1.tool_calls[0].function;
    checkEq(await text('.block.call .head'), 'tool call · ' + call.name, 'tool call name shown');
    checkEq(await text('.block.call .head + div'), JSON.stringify(JSON.parse(call.arguments), null, 2), 'tool call arguments shown');
    await typeInto('.results textarea', '408');
    await click('.results button');
    await waitFor(`document.querySelectorAll('.msg.assistant .meta').length === 2`, 'the answer after the tool result');
    checkEq(await text('.block.result'), 'result · ' + call.name + '408', 'tool result shown');
    const s2 = sent[2];
    checkEq(s2.messages.slice(3).map((m) => m.role), ['tool'], 'the result goes back as a tool message');
    checkEq(s2.messages[3].content, '408', 'tool result content');
    checkEq(s2.messages[3].tool_call_id, s2.messages[2].tool_calls[0].id, 'tool_call_id answers the call');
    const m2 = (await unstreamed(s2)).choices[0].message;
    const answers = await evaluate(`[...document.querySelectorAll('.msg.assistant')].map((m) => m.querySelector('.answer')?.textContent ?? '')`);
    checkEq(answers[1], m2.content ?? '', 'answer after the tool result = non-streamed');
    if (screenshot) {
      await evaluate(`document.querySelectorAll('details').forEach((d) => d.open = true); document.getElementById('log').scrollTop = 0`);
      await sleep(100);
      const shot = await send('Page.captureScreenshot', { format: 'png' });
      writeFileSync(screenshot, Buffer.from(shot.data, 'base64'));
      console.log('screenshot: ' + screenshot);
    }
  }

  lap('thinking + tools checked');
  // 4. Stop: a long answer (EOS ignored, added on the way out) ends when Stop is clicked.
  await click('#new');
  // Long enough to outlast the click on any machine, bounded so a stalled page cannot run on.
  await settings({ system: '', tools: '', thinking: false, max_tokens: '4000' });
  extraBody = { ignore_eos: true };
  await send('Fetch.enable', { patterns: [{ urlPattern: '*/v1/chat/completions', requestStage: 'Request' }] });
  await typeInto('#input', 'Hello');
  await click('#send');
  await waitFor(`(document.querySelector('.msg.assistant .answer')?.textContent.length ?? 0) > 40`, 'the long answer to stream');
  checkEq((await api('/health')).requests_active, 1, 'the long request runs');
  await click('#stop');
  await waitFor(`document.body.dataset.busy === '' && document.querySelector('.msg.assistant .meta')?.textContent === 'stopped'`, 'the page to stop', 3000);
  const len = (await text('.msg.assistant .answer')).length;
  await sleep(400);
  checkEq((await text('.msg.assistant .answer')).length, len, 'no text after Stop');
  let active = 1;
  for (const end = Date.now() + 5000; active && Date.now() < end; await sleep(50)) active = (await api('/health')).requests_active;
  checkEq(active, 0, 'the server cancelled the stopped request');
  check(!(await evaluate(`document.getElementById('send').disabled`)), 'Send is enabled again');

  lap('stop checked');

  // 5. Text stays text: markup typed by the user (or written by the model) is not parsed.
  const markup = '<img src=x onerror="console.error(1)"><b>bold</b>';
  await click('#new');
  await settings({ max_tokens: '8' });
  extraBody = {};
  await typeInto('#input', markup);
  await click('#send');
  await waitFor(`document.querySelector('.msg.assistant .meta')`, 'the answer to markup');
  checkEq(await text('.msg.user .text'), markup, 'markup shown as typed');
  checkEq(await count('.msg .text *'), 0, 'no element made from text');
  checkEq(problems, [], 'no console errors, no requests elsewhere');
  console.log(`all ${checks} checks passed`);
} catch (e) {
  console.error('FAILED: ' + (e.stack || e.message));
  if (problems.length) console.error('page problems: ' + problems.join('\n'));
  if (chromeErr) console.error('chromium stderr (tail): ' + chromeErr);
  process.exitCode = 1;
} finally {
  // Close politely (helpers flush and exit), then kill whatever of the group is left.
  const exited = new Promise((r) => (proc.exitCode !== null || proc.signalCode ? r() : proc.once('exit', r)));
  cdp.send('Browser.close').catch(() => {});
  await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
  try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* already gone */ }
  await exited;
  // The profile is scratch: a helper still writing to it must not fail the test.
  try {
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  } catch (e) {
    console.error('note: could not remove ' + profile + ': ' + e.code);
  }
  lap('chromium closed');
}
