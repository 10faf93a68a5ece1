// Drives the Hangfire dashboard in Debian's headless Chromium (playwright-core, no downloaded browser) for the C# tests
// in ../DashboardBrowserTests.cs, and prints one JSON object with what the pages showed; the assertions live there.
//
//   node dashboard.mjs SCENARIO --base http://127.0.0.1:PORT [--user NAME --password-env VAR] [--job ID] [--shots DIR]
//
// Scenarios:
//   anonymous  open dashboard pages without signing in
//   viewer     sign in, read the recurring-jobs page and a job's page, then try a trigger behind the page's back
//   admin      sign in, select the calendar-coverage recurring job and press "Trigger now"
//   look       sign in and report the page --path (e.g. a job's details after it ran)
//   schedules  sign in to the dashboard, follow its "Schedules (Quartz)" menu link and report the schedules table
// The password comes from an environment variable so it never shows in a process list.
import { chromium } from 'playwright-core';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    base: { type: 'string' },
    user: { type: 'string' },
    'password-env': { type: 'string' },
    job: { type: 'string' },
    path: { type: 'string' },
    shots: { type: 'string' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});
const scenario = positionals[0];
const base = values.base?.replace(/\/$/, '');
if (!scenario || !base) {
  console.error('usage: node dashboard.mjs anonymous|viewer|admin|look|schedules --base URL [--user NAME --password-env VAR] [--job ID] [--path P] [--shots DIR]');
  process.exit(2);
}

const TIMEOUT_MS = 15_000;
const RECURRING_JOB = 'calendar-coverage';

// The flags these machines need (no sandbox as root, no GPU, nothing fetched in the background); a fresh profile.
const started = Date.now();
const userDataDir = await mkdtemp(join(tmpdir(), 'dashboard-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: values.chromium,
    headless: true,
    timeout: 30_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
} catch (e) {
  await rm(userDataDir, { recursive: true, force: true });
  console.error(`Chromium (${values.chromium}) did not start: ${e.message}`);
  process.exit(3);
}

const launchMs = Date.now() - started;
const shots = [];
async function shot(page, name) {
  if (!values.shots) return;
  await mkdir(values.shots, { recursive: true });
  const file = join(values.shots, `${scenario}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  shots.push(file);
}

// What a page offers: where it is, its action buttons (visible ones only), whether it is the dashboard or the form.
async function describe(page, response) {
  const url = new URL(page.url());
  return {
    status: response?.status() ?? null,
    path: url.pathname,
    query: url.search,
    title: await page.title(),
    signInForm: (await page.locator('form[action="/login"] #password').count()) > 0,
    dashboard: (await page.locator('#hangfireConfig').count()) > 0,
    buttons: (await page.locator('button:visible, a.btn:visible').allInnerTexts()).map((t) => t.trim()).filter(Boolean),
    text: (await page.locator('body').innerText()).slice(0, 4000),
  };
}

async function open(page, path) {
  const response = await page.goto(base + path, { waitUntil: 'load', timeout: TIMEOUT_MS });
  return describe(page, response);
}

// Opens a dashboard page, is sent to the sign-in form, signs in and lands back on that page.
async function signIn(page, path) {
  const password = process.env[values['password-env'] ?? ''];
  if (!values.user || !password) throw new Error('--user and --password-env (naming a set variable) are required to sign in');
  const before = await open(page, path);
  if (!before.signInForm) throw new Error(`expected the sign-in form at ${path}, got ${before.path}`);
  await page.fill('#username', values.user);
  await page.fill('#password', password);
  await shot(page, 'sign-in');
  await Promise.all([page.waitForURL((u) => u.pathname !== '/login', { timeout: TIMEOUT_MS }), page.click('#sign-in')]);
  await page.waitForLoadState('load');
  return { redirectedTo: before.path + before.query, landed: await describe(page, null) };
}

// A dashboard command sent straight from the page's script context with the page's own antiforgery token (Hangfire
// puts it in <meta name="csrf-header|csrf-token">), as a tampered page or a crafted request would: the server must
// refuse it for a read-only user even though the request is otherwise valid.
async function postCommand(page, path, form) {
  return page.evaluate(async ({ path, form }) => {
    const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content;
    const headers = { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8', 'X-Requested-With': 'XMLHttpRequest' };
    const header = meta('csrf-header');
    const token = meta('csrf-token');
    if (header && token) headers[header] = token;
    const response = await fetch(path, { method: 'POST', headers, body: new URLSearchParams(form).toString(), credentials: 'same-origin' });
    return { status: response.status, antiforgeryTokenSent: Boolean(header && token) };
  }, { path, form });
}

const scenarios = {
  async anonymous(page) {
    const dashboard = await open(page, '/hangfire');
    await shot(page, 'dashboard');
    const recurring = await open(page, '/hangfire/recurring');
    return { dashboard, recurring };
  },

  async viewer(page) {
    const signedIn = await signIn(page, '/hangfire/recurring');
    await shot(page, 'recurring');
    const recurring = signedIn.landed;
    const job = values.job ? await open(page, `/hangfire/jobs/details/${values.job}`) : null;
    if (job) await shot(page, 'job');
    // The same kind of request to a read-only endpoint (the counters the pages poll) goes through, so a refused
    // command is refused for being a command, not for a broken session or token.
    const stats = await postCommand(page, '/hangfire/stats', { 'metrics[]': 'enqueued:count' });
    const trigger = await postCommand(page, '/hangfire/recurring/trigger', { 'jobs[]': RECURRING_JOB });
    return { redirectedTo: signedIn.redirectedTo, recurring, job, stats, trigger };
  },

  async admin(page) {
    page.on('dialog', (dialog) => dialog.accept());
    const signedIn = await signIn(page, '/hangfire/recurring');
    const recurring = signedIn.landed;
    await page.check(`input.js-jobs-list-checkbox[value="${RECURRING_JOB}"]`, { timeout: TIMEOUT_MS });
    const trigger = page.getByRole('button', { name: 'Trigger now' });
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/hangfire/recurring/trigger') && r.request().method() === 'POST', { timeout: TIMEOUT_MS }),
      trigger.click({ timeout: TIMEOUT_MS }),
    ]);
    // The page reloads itself after a successful command.
    await page.waitForLoadState('load');
    await shot(page, 'triggered');
    return { redirectedTo: signedIn.redirectedTo, recurring, triggerStatus: response.status() };
  },

  async schedules(page) {
    const signedIn = await signIn(page, '/hangfire');
    const link = page.getByRole('link', { name: 'Schedules (Quartz)' });
    const menuLink = await link.getAttribute('href', { timeout: TIMEOUT_MS });
    await Promise.all([page.waitForURL((u) => u.pathname === '/admin/schedules', { timeout: TIMEOUT_MS }), link.click({ timeout: TIMEOUT_MS })]);
    await page.waitForLoadState('load');
    await shot(page, 'schedules');
    const rows = await page.$$eval('#schedules tbody tr[data-job]', (trs) =>
      trs.map((tr) => ({ job: tr.dataset.job, cells: [...tr.querySelectorAll('td')].map((td) => td.innerText.trim()) })));
    return { dashboard: signedIn.landed.dashboard, menuLink, page: await describe(page, null), rows };
  },

  async look(page) {
    const signedIn = await signIn(page, values.path ?? '/hangfire');
    await shot(page, 'page');
    return { page: signedIn.landed };
  },
};

let exitCode = 0;
try {
  const run = scenarios[scenario];
  if (!run) throw new Error(`unknown scenario ${scenario}`);
  const page = context.pages()[0] ?? (await context.newPage());
  const result = await run(page);
  const userAgent = await page.evaluate(() => navigator.userAgent);
  console.log(JSON.stringify({ scenario, userAgent, launchMs, totalMs: Date.now() - started, ...result, shots }));
} catch (e) {
  console.error(e.stack ?? String(e));
  exitCode = 1;
} finally {
  await context.close();
  await rm(userDataDir, { recursive: true, force: true });
}
process.exit(exitCode);
