// `ourci pubsub …` against a live master: human output, --json, exit codes and one-line errors.
import { describe, expect, it } from 'vitest';
import type { Master } from '../../server/master';
import { runCli } from '../helpers/child-master';
import { startMaster } from '../helpers/master';

function cli(m: Master, token = m.tokens.admin) {
  return (args: string[], input?: string) => runCli(['pubsub', ...args], { env: { OURCI_URL: m.url, OURCI_TOKEN: token }, input });
}

describe('ourci pubsub', () => {
  it('publishes, pulls, acks and lists, in human form and as JSON', async () => {
    const m = await startMaster();
    const ps = cli(m);
    const pub = await ps(['publish', 'ourci/build/docker', '{"args":["ci/ourci.sh"]}', '--attr', 'k=v']);
    expect(pub).toMatchObject({ exitCode: 0, stderr: '' });
    expect(pub.stdout).toMatch(/^\d+\n$/);
    // One message per stdin line; a line that is not JSON is a string.
    const lines = await ps(['publish', 'ourci/build/docker', '--json'], '{"n":2}\nplain text\n\n');
    expect(JSON.parse(lines.stdout)).toEqual({ messageIds: [expect.any(String), expect.any(String)] });

    const pulled = await ps(['pull', 'ourci/build/docker', '--wait', '0']);
    expect(pulled.exitCode).toBe(0);
    const [header, row] = pulled.stdout.trim().split('\n');
    expect(header).toMatch(/^ACK ID\s+ATTEMPT\s+MESSAGE\s+DATA$/);
    const ackId = row!.split(/\s+/)[0]!;
    expect(row).toContain('{"args":["ci/ourci.sh"]}');

    const json = await ps(['pull', 'ourci/build/docker', '--wait', '0', '--max', '5', '--json']);
    const got = JSON.parse(json.stdout) as { receivedMessages: Array<{ ackId: string; message: { data: unknown } }> };
    expect(got.receivedMessages.map((r) => r.message.data)).toEqual([{ n: 2 }, 'plain text']);

    expect((await ps(['ack', 'ourci/build/docker', ackId])).stdout).toBe('acknowledged 1\n');
    expect((await ps(['nack', 'ourci/build/docker', got.receivedMessages[0]!.ackId])).stdout).toBe('released 1\n');
    expect((await ps(['extend', 'ourci/build/docker', got.receivedMessages[1]!.ackId, '--seconds', '120'])).stdout).toBe('extended 1\n');
    expect(m.pubsub.listSubscriptions()[0]).toMatchObject({ backlog: 1, inFlight: 1 });

    const subs = await ps(['subscriptions']);
    expect(subs.stdout).toMatch(/^SUBSCRIPTION\s+TOPIC\s+BACKLOG\s+IN FLIGHT\s+DEAD\s+OLDEST\s+ACK DEADLINE\n/);
    expect(subs.stdout).toMatch(/ourci\/build\/docker\s+ourci\/build\/docker\s+1\s+1\s+0\s+\d+s\s+60s/);
    expect(JSON.parse((await ps(['subscriptions', '--json'])).stdout).subscriptions[0]).toMatchObject({ backlog: 1, inFlight: 1 });
    expect((await ps(['topics'])).stdout).toBe('TOPIC               SUBSCRIPTIONS\nourci/build/docker  ourci/build/docker\n');
    expect(JSON.parse((await ps(['topics', '--json'])).stdout)).toEqual({ topics: [expect.objectContaining({ name: 'ourci/build/docker' })] });
    const acked = await ps(['pull', 'ourci/build/docker', '--wait', '0', '--ack', '--json']);
    expect(JSON.parse(acked.stdout).receivedMessages).toHaveLength(1);
    expect(m.pubsub.listSubscriptions()[0]).toMatchObject({ backlog: 0, inFlight: 1 });
    expect((await ps(['pull', 'ourci/build/docker', '--wait', '0'])).stdout).toBe('(no messages)\n');
  });

  it('manages subscriptions and dead letters', async () => {
    const m = await startMaster();
    const ps = cli(m);
    expect((await ps(['create-topic', 't'])).stdout).toBe('created t\n');
    expect((await ps(['create-topic', 't'])).stdout).toBe('t already exists\n');
    expect((await ps(['create-subscription', 's', '--topic', 't', '--ack-deadline', '5', '--max-attempts', '1', '--retention', '1h'])).stdout).toBe(
      'created s on t\n',
    );
    expect(m.pubsub.listSubscriptions().find((s) => s.name === 's')).toMatchObject({ ackDeadlineSeconds: 5, maxDeliveryAttempts: 1, retentionSeconds: 3600 });
    await ps(['publish', 't', '"poison"']);
    const r = JSON.parse((await ps(['pull', 's', '--wait', '0', '--json'])).stdout) as { receivedMessages: Array<{ ackId: string; message: { messageId: string } }> };
    await ps(['nack', 's', r.receivedMessages[0]!.ackId]);
    const dl = await ps(['dead-letters', 's']);
    expect(dl.stdout).toMatch(/^MESSAGE\s+ATTEMPTS\s+DEAD SINCE\s+DATA\n\d+\s+1\s+\S+Z\s+"poison"\n$/);
    expect((await ps(['requeue', 's', r.receivedMessages[0]!.message.messageId])).stdout).toBe('requeued 1\n');
    expect((await ps(['dead-letters', 's'])).stdout).toBe('(no dead letters)\n');
    expect((await ps(['delete-subscription', 's'])).stdout).toBe('deleted s\n');
    expect((await ps(['delete-subscription', 's'])).stdout).toBe('no subscription s\n');
  });

  it('ends with one clear line and a non-zero code on a stale ack, a bad token, an unreachable master, bad input', async () => {
    const m = await startMaster();
    const ps = cli(m);
    const oneLine = (r: { exitCode: number; stdout: string; stderr: string }, pattern: RegExp): void => {
      expect(r.exitCode).not.toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^ourci: error: .+\n$/);
      expect(r.stderr).toMatch(pattern);
    };
    // Independent runs, so they go in parallel.
    const cases: Array<[Promise<{ exitCode: number; stdout: string; stderr: string }>, RegExp]> = [
      [ps(['ack', 't', 'stale-ack-id']), /lease lost.*stale-ack-id/],
      [cli(m, 'wrong-token')(['topics']), /401|token/],
      [cli(m, m.tokens.viewer)(['publish', 't', '1']), /may not call PubSub\.Publish/],
      [runCli(['pubsub', 'topics'], { env: { OURCI_URL: 'http://127.0.0.1:9', OURCI_TOKEN: 'x' } }), /cannot reach the master at http:\/\/127\.0\.0\.1:9.*is the master running/],
      [runCli(['pubsub', 'topics'], { env: { OURCI_URL: m.url } }), /no token/],
      [ps(['pull', 't', '--max', 'abc']), /--max/],
      [ps(['extend', 't', 'x', '--seconds', 'soon']), /--seconds/],
      [ps(['create-subscription', 's', '--topic', 't', '--ack-deadline', '0']), /ackDeadlineSeconds/],
      [ps(['publish', 'a b', '1']), /must be 1-255 characters/],
      [ps(['publish', 't'], ''), /nothing to publish/],
    ];
    for (const [run, pattern] of cases) oneLine(await run, pattern);
    expect(m.pubsub.listTopics()).toEqual([]);
    // --url and --token flags win over the environment.
    const flags = await runCli(['--url', m.url, '--token', m.tokens.admin, 'pubsub', 'topics', '--json'], { env: { OURCI_URL: 'http://127.0.0.1:9', OURCI_TOKEN: 'x' } });
    expect(flags.exitCode).toBe(0);
  });
});

describe('--help', () => {
  /** Subcommand names listed under "Commands:" in a help text (continuation lines are indented deeper). */
  const commandsIn = (help: string): string[] => {
    const section = help.split(/^Commands:$/m)[1] ?? '';
    return [...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((x) => x[1]!).filter((c) => c !== 'help');
  };

  /** Runs `ourci ARGS --help` for each, a few at a time (each is a Node process). */
  const helpOf = async (list: string[][]) => {
    const out: Array<Awaited<ReturnType<typeof runCli>>> = [];
    for (let i = 0; i < list.length; i += 6) out.push(...(await Promise.all(list.slice(i, i + 6).map((c) => runCli([...c, '--help'])))));
    return out;
  };

  it('exists on every command and subcommand, found from the help itself', async () => {
    const top = await runCli(['--help']);
    expect([top.exitCode, top.stdout]).toEqual([0, expect.stringMatching(/^Usage: ourci/)]);
    const level1 = commandsIn(top.stdout);
    expect(level1).toEqual(expect.arrayContaining(['master', 'pubsub']));
    const first = await helpOf(level1.map((c) => [c]));
    const level2 = level1.flatMap((c, i) => commandsIn(first[i]!.stdout).map((sub) => [c, sub]));
    expect(level2).toEqual(expect.arrayContaining([['pubsub', 'publish'], ['pubsub', 'dead-letters']]));
    const second = await helpOf(level2);
    const all = [...level1.map((c) => [c]), ...level2];
    [...first, ...second].forEach((r, i) => {
      expect([all[i]!.join(' '), r.exitCode, r.stdout.startsWith(`Usage: ourci ${all[i]!.join(' ')}`)]).toEqual([all[i]!.join(' '), 0, true]);
    });
    const usage = await runCli(['pubsub', 'nope']);
    expect(usage.exitCode).not.toBe(0);
    expect(usage.stderr).toMatch(/unknown command/);
  });
});
