// A web chat visitor in headless Debian chromium: node webchat_visitor.mjs <demo page url>.
// Prints "STEP <name>" for each step reached; webchat_browser_test.cc plays the agent and checks
// the steps. Agent replies are expected to carry REPLY-1 and, the second, HTML and a script.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const url = process.argv[2];
const started = Date.now();
// Each step with the milliseconds since start, so a failure shows where the visitor stalled.
const step = (name) => console.log(`STEP ${name}\n  at ${Date.now() - started} ms`);
// Resolves once `condition` holds; fails after `ms`.
const until = async (condition, ms = 30000) => {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${condition}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
const profile = mkdtempSync(join(tmpdir(), 'omni-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  // Under a loaded CI machine a start can be slow; fail before the test's 60 s wait for the offer.
  timeout: 45000,
});
step('browser-started');
try {
  // Every URL any page asks for: no visitor token may be among them (they end up in logs).
  const urls = [];
  context.on('request', (r) => urls.push(r.url()));
  const page = context.pages()[0] ?? await context.newPage();
  page.on('console', (m) => console.log(`console: ${m.text()}`));
  page.on('pageerror', (e) => console.log(`pageerror: ${e.message}`));
  await page.goto(url);
  step('page-loaded');
  await page.click('#omni-chat-button');
  await page.fill('#omni-chat-name', 'Ann Browser');
  await page.fill('#omni-chat-email', 'ann@example.org');
  await page.fill('#omni-chat-text', 'Hello from the browser');
  await page.click('#omni-chat-send');
  await page.locator('.omni-chat-visitor', { hasText: 'Hello from the browser' }).waitFor();
  step('sent-first');

  await page.evaluate(() => { window.omniNotReloaded = true; });
  await page.locator('.omni-chat-agent', { hasText: 'REPLY-1' }).waitFor({ timeout: 30000 });
  if (!(await page.evaluate(() => window.omniNotReloaded))) throw new Error('page reloaded');
  step('reply-live');

  const streams = urls.filter((u) => new URL(u).pathname === '/v1/stream');
  if (streams.length === 0 || !streams.every((u) => /^\?ticket=[0-9a-f]{32}$/.test(new URL(u).search))) {
    throw new Error(`the stream was not opened with a ticket: ${JSON.stringify(streams)}`);
  }
  step('stream-by-ticket');

  await page.reload();
  await page.locator('.omni-chat-agent', { hasText: 'REPLY-1' }).waitFor();
  const lines = await page.locator('#omni-chat-log > div').allTextContents();
  console.log(`transcript: ${JSON.stringify(lines)}`);
  if (lines.length !== 2 || !lines[0].includes('Hello from the browser')) {
    throw new Error('transcript after reload is not [visitor, agent]');
  }
  step('transcript-after-reload');

  await page.fill('#omni-chat-text', 'Second message');
  await page.click('#omni-chat-send');
  await page.locator('.omni-chat-visitor', { hasText: 'Second message' }).waitFor();
  step('sent-second');

  const second = page.locator('.omni-chat-agent', { hasText: 'REPLY-2' });
  await second.waitFor({ timeout: 30000 });
  const shownText = await second.locator('span').textContent();
  const injected = await page.locator('#omni-chat-log img, #omni-chat-log script, #omni-chat-log i').count();
  const ran = await page.evaluate(() => window.omniInjected === true);
  console.log(`second reply shown as: ${JSON.stringify(shownText)}`);
  if (!shownText.includes('<img src=x onerror=') || injected !== 0 || ran) {
    throw new Error('the agent reply was interpreted as HTML');
  }
  step('second-reply-as-text');

  // A second tab of the same visitor whose stream the connector refuses (no slot to spare): the
  // widget falls back to long-polling and shows the whole transcript all the same.
  const tab = await context.newPage();
  tab.on('pageerror', (e) => console.log(`pageerror (tab): ${e.message}`));
  await tab.route((u) => u.pathname === '/v1/stream', (route) => route.fulfill({
    status: 503, headers: { 'Retry-After': '5' }, contentType: 'application/json',
    body: '{"error":"all listening slots of the web chat are taken"}' }));
  await tab.goto(url);
  await tab.locator('.omni-chat-agent', { hasText: 'REPLY-2' }).waitFor({ timeout: 30000 });
  const polled = await tab.locator('#omni-chat-log > div').allTextContents();
  console.log(`transcript by long-poll: ${JSON.stringify(polled)}`);
  // In order: a visitor's message takes its place in the transcript when it is sent, so a reply
  // the agent sends at once comes after it even when it reaches the connector before the ack.
  if (polled.length !== 4 || !polled[0].includes('Hello from the browser') ||
      !polled[1].includes('REPLY-1') || !polled[2].includes('Second message') ||
      !polled[3].includes('REPLY-2')) {
    throw new Error('transcript by long-poll is not [visitor, agent, visitor, agent]');
  }
  step('transcript-by-long-poll');

  // A token of the old format (no expiry; such tokens went in stream URLs): refused, and the
  // widget registers again by itself, as a new visitor with a token of the new format.
  const current = await page.evaluate(() => localStorage.getItem('omnibroker.webchat.token'));
  const [visitor] = current.split('.');
  await page.evaluate((old) => localStorage.setItem('omnibroker.webchat.token', old),
    `${visitor}.${'ab'.repeat(32)}`);
  const before = urls.length;
  await page.reload();
  await page.waitForFunction((v) => {
    const t = localStorage.getItem('omnibroker.webchat.token');
    return t.split('.').length === 3 && !t.startsWith(`${v}.`);
  }, visitor, { timeout: 30000 });
  await until(() => urls.slice(before).some((u) => new URL(u).pathname === '/v1/stream'));
  step('old-token-replaced');

  const leaked = urls.filter((u) => /token=|v_[0-9a-f]{32}\.[0-9]+\.[0-9a-f]{64}/.test(u));
  if (leaked.length !== 0) throw new Error(`a token went in a URL: ${JSON.stringify(leaked)}`);
  console.log(`requests: ${urls.length}, none with a token`);
  step('no-token-in-urls');
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
