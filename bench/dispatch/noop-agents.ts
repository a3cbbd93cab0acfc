// Child process of the dispatch benchmark: N agents, each on its own WebSocket like real
// agents, that speak the agent protocol but run nothing. `next` is what src/agent does (one
// Task.Next per task, carrying the previous task's finish); `classic` is PubSub.Pull →
// Task.Start → Task.Finish, three round trips.
// Started with `node --import tsx noop-agents.ts '<json options>'`; reports progress to its
// parent over IPC and stops when told to.
import { setMaxListeners } from 'node:events';
import { connectMaster, type MasterClient } from '../../src/client/master-client';

interface Options {
  url: string;
  token: string;
  topic: string;
  agents: number;
  protocol: 'next' | 'classic';
}

const o = JSON.parse(process.argv[2]!) as Options;
const abort = new AbortController();
setMaxListeners(0, abort.signal); // every agent's pull listens to it
let done = 0;
let errors = 0;

async function classic(client: MasterClient, name: string): Promise<void> {
  while (!abort.signal.aborted) {
    try {
      const r = await client.call(
        'PubSub.Pull',
        { subscriptions: [o.topic], maxMessages: 1, waitSeconds: 5 },
        { timeoutMs: 30_000, signal: abort.signal },
      );
      const ackId = r.receivedMessages[0]?.ackId;
      if (!ackId) continue;
      await client.call('Task.Start', { ackId, agent: name }, { timeoutMs: 30_000 });
      await client.call('Task.Finish', { ackId, exitCode: 0 }, { timeoutMs: 30_000 });
      done++;
    } catch (err) {
      if (abort.signal.aborted) break;
      errors++;
      process.stderr.write(`noop agent ${name}: ${(err as Error).message}\n`);
    }
  }
}

async function next(client: MasterClient, name: string): Promise<void> {
  let finish: { ackId: string; exitCode: number } | undefined;
  while (!abort.signal.aborted) {
    try {
      const r = await client.call(
        'Task.Next',
        { subscriptions: [o.topic], waitSeconds: 5, agent: name, finish },
        { timeoutMs: 30_000, signal: abort.signal },
      );
      if (finish) done++;
      finish = r.next ? { ackId: r.next.ackId, exitCode: 0 } : undefined;
    } catch (err) {
      if (abort.signal.aborted) break;
      errors++;
      process.stderr.write(`noop agent ${name}: ${(err as Error).message}\n`);
    }
  }
  if (finish) {
    await client.call('Task.Finish', finish, { timeoutMs: 30_000 });
    done++;
  }
}

const clients = Array.from({ length: o.agents }, (_, i) => connectMaster(o.url, o.token, { name: `bench-noop-${i}` }));
const running = clients.map(async (c, i) => {
  await c.ready();
  return (o.protocol === 'classic' ? classic : next)(c, `noop-${i}`);
});
const report = (): void => void process.send?.({ type: 'progress', done, errors });
const ticker = setInterval(report, 50);

process.on('message', (m: { type?: string }) => {
  if (m?.type !== 'stop') return;
  abort.abort();
  void Promise.allSettled(running).then(() => {
    clearInterval(ticker);
    report();
    for (const c of clients) c.close();
    process.disconnect?.();
  });
});
void Promise.all(clients.map((c) => c.ready())).then(() => process.send?.({ type: 'ready' }));
