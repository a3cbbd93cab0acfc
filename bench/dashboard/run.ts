// Dashboard measurements (bench/results/dashboard.md): bundle size, first render of the jobs
// page with 10,000 jobs in the database, and opening a 100 MB log, in Debian's Chromium
// against a real master (`bin/ourci master`) and a real agent that writes the log.
//   npm run bench:dashboard [-- --jobs 10000 --log-mb 100 --runs 5]
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { connectMaster } from '../../src/client/master-client';

/** Browser globals used in page.evaluate (this file compiles without the DOM library). */
type PageGlobals = {
  localStorage: { setItem(k: string, v: string): void };
  __frames: number[];
};

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const JOBS = arg('jobs', 10_000);
const LOG_MB = arg('log-mb', 100);
const RUNS = arg('runs', 5);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function spawnOurci(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'bin/ourci'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
}

async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  p.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
}

function bundleSize(): { files: Array<{ name: string; raw: number; gzip: number }>; raw: number; gzip: number } {
  const dir = join(ROOT, 'dist/dashboard/assets');
  const files = readdirSync(dir).map((name) => {
    const body = readFileSync(join(dir, name));
    return { name, raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
  });
  const html = readFileSync(join(ROOT, 'dist/dashboard/index.html'));
  files.push({ name: 'index.html', raw: html.length, gzip: gzipSync(html, { level: 9 }).length });
  return { files, raw: files.reduce((n, f) => n + f.raw, 0), gzip: files.reduce((n, f) => n + f.gzip, 0) };
}

/** Navigation start → `ready` visible, measured by the page's own clock. */
async function timeToVisible(page: Page, url: string, ready: () => Promise<void>): Promise<number> {
  await page.goto('about:blank');
  await page.goto(url, { waitUntil: 'commit' });
  await ready();
  return page.evaluate(() => performance.now());
}

async function main(): Promise<void> {
  console.log('building the CLI and the dashboard…');
  execFileSync(process.execPath, ['scripts/build-node.mjs'], { cwd: ROOT, stdio: 'inherit' });
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '-c', 'vite.dashboard.config.ts'], { cwd: ROOT, stdio: 'inherit' });
  const bundle = bundleSize();

  const data = mkdtempSync(join(tmpdir(), 'ourci-bench-dash-'));
  const master = spawnOurci(['master', '--port', '0', '--data', data]);
  const children: ChildProcess[] = [master];
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      master.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      master.once('exit', (c) => reject(new Error(`master exited ${c}`)));
    });
    master.stderr!.resume();
    const tokens = Object.fromEntries(['admin', 'agent'].map((s) => [s, readFileSync(join(data, `${s}.token`), 'utf8').trim()]));
    const rpc = connectMaster(url, tokens.admin!);
    await rpc.ready();

    // 10,000 jobs, a third cancelled so the list has more than one status.
    console.log(`creating ${JOBS} jobs…`);
    let t0 = Date.now();
    let next = 0;
    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < JOBS) {
          const i = next++;
          const r = await rpc.call('Job.Create', {
            topic: 'bench/dash/idle',
            args: ['make', `target-${i}`],
            repo: `acme/fw-${i % 7}`,
            pr: (i % 50) + 1,
            sha: (i * 2654435761).toString(16).padStart(40, '0').slice(0, 40),
            ref: `refs/heads/feature-${i % 13}`,
          });
          ids[i] = r.job;
          if (i % 3 === 0) await rpc.call('Job.Cancel', { job: r.job });
        }
      }),
    );
    const createMs = Date.now() - t0;
    console.log(`  ${JOBS} jobs in ${(createMs / 1000).toFixed(1)} s`);

    // A real agent writes the big log.
    const lines = Math.round((LOG_MB * 1024 * 1024) / 92);
    const script = join(data, 'big.sh');
    writeFileSync(
      script,
      `awk 'BEGIN{for(i=0;i<${lines};i++) printf "\\033[32m%07d\\033[0m compiling src/module_%d.c -> build/obj/module_%d.o  [\\033[1;33mwarn\\033[0m] ok\\n", i, i%997, i%997; print "END OF THE BIG LOG"}'\n`,
    );
    const agent = spawnOurci(['agent', '-t', 'bench/dash/log', '--name', 'bench-agent'], { OURCI_URL: url, OURCI_TOKEN: tokens.agent! });
    agent.stderr!.resume();
    agent.stdout!.resume();
    children.push(agent);
    t0 = Date.now();
    const big = await rpc.call('Job.Create', { topic: 'bench/dash/log', args: ['sh', script] });
    await rpc.call('Job.Wait', { job: big.job, waitSeconds: 300 }, { timeoutMs: 310_000 });
    const tail = await rpc.call('Log.Read', { task: big.task, offset: -64, limit: 64 });
    const logBytes = tail.length;
    const agentMs = Date.now() - t0;
    console.log(`  ${(logBytes / 1048576).toFixed(1)} MB log written by the agent in ${(agentMs / 1000).toFixed(1)} s`);
    rpc.close();

    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    try {
      const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await ctx.newPage();
      await page.goto(`${url}/healthz`);
      await page.evaluate((t) => (globalThis as unknown as PageGlobals).localStorage.setItem('ourci.token', t), tokens.admin!);

      const jobsTimes: number[] = [];
      const logTimes: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        jobsTimes.push(await timeToVisible(page, `${url}/`, () => page.getByRole('table', { name: 'jobs' }).getByRole('row').nth(50).waitFor()));
        logTimes.push(await timeToVisible(page, `${url}/tasks/${big.task}`, () => page.getByText('END OF THE BIG LOG', { exact: true }).waitFor()));
      }
      const jobsText = await page.goto(`${url}/`).then(() => page.locator('.pager').textContent());

      // Smoothness: wheel up through the log (loading older bytes as it goes), counting frames.
      await page.goto(`${url}/tasks/${big.task}`);
      await page.getByText('END OF THE BIG LOG', { exact: true }).waitFor();
      await page.mouse.move(700, 600);
      // A string, not a function: tsx would wrap the nested function in a helper the page lacks.
      await page.evaluate(`(() => {
        window.__frames = [];
        const tick = (t) => {
          window.__frames.push(t);
          if (window.__frames.length < 100000) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      })()`);
      const scrollStart = Date.now();
      for (let i = 0; i < 150; i++) {
        await page.mouse.wheel(0, -1200);
        await page.waitForTimeout(16);
      }
      const scrollMs = Date.now() - scrollStart;
      const frames = await page.evaluate(() => (globalThis as unknown as PageGlobals).__frames);
      const gaps = frames.slice(1).map((t, i) => t - frames[i]!);
      const status = await page.locator('.log-status').textContent();
      const frameStats = {
        frames: gaps.length,
        fps: Math.round((gaps.length / (frames[frames.length - 1]! - frames[0]!)) * 1000),
        p95: Math.round([...gaps].sort((a, b) => a - b)[Math.floor(gaps.length * 0.95)]!),
        over50: gaps.filter((g) => g > 50).length,
      };
      mkdirSync(join(ROOT, 'test-results/dashboard'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'test-results/dashboard/bench-big-log.png') });
      await ctx.close();

      const report = {
        date: new Date().toISOString(),
        machine: `${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average at start ${loadavg()}`,
        bundle,
        jobs: { count: JOBS, createSeconds: createMs / 1000, firstRenderMs: jobsTimes.map(Math.round), median: Math.round(median(jobsTimes)), pager: jobsText },
        log: { bytes: logBytes, agentSeconds: agentMs / 1000, openMs: logTimes.map(Math.round), median: Math.round(median(logTimes)) },
        scroll: { wheelEvents: 150, ms: scrollMs, ...frameStats, status },
      };
      console.log(JSON.stringify(report, null, 2));
      writeFileSync(join(ROOT, 'bench/results/dashboard.json'), JSON.stringify(report, null, 2) + '\n');
    } finally {
      await browser.close();
    }
  } finally {
    for (const c of children.reverse()) await stop(c);
    rmSync(data, { recursive: true, force: true });
  }
}

function loadavg(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
}

await main();
