// Child process of the dispatch benchmark: N agents, each on its own WebSocket like real
// agents, that speak the agent protocol (pull → Task.Start → Task.Finish) but run nothing.
// Started with `node --import tsx noop-agents.ts '<json options>'`; reports progress to its
// parent over IPC and stops when told to.
import { setMaxListeners } from 'node:events';
import { connectMaster, type MasterClient } from '../../src/client/master-client';

interface Options {
  url: string;
  token: string;
  topic: string;
  agents: number;
}

const o = JSON.parse(process.argv[2]!) as Options;
const abort = new AbortController();
setMaxListeners(0, abort.signal); // every agent's pull listens to it
let done = 0;
let errors = 0;

async function agent(client: MasterClient, name: string): Promise<void> {
  await client.ready();
  while (!abort.signal.aborted) {
    let ackId: string | undefined;
    try {
      const r = await client.call(
        'PubSub.Pull',
        { subscriptions: [o.topic], maxMessages: 1, waitSeconds: 5 },
        { timeoutMs: 30_000, signal: abort.signal },
      );
      ackId = r.receivedMessages[0]?.ackId;
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

const clients = Array.from({ length: o.agents }, (_, i) => connectMaster(o.url, o.token, { name: `bench-noop-${i}` }));
const running = clients.map((c, i) => agent(c, `noop-${i}`));
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
