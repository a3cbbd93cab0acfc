// Shared by the bench tests: a bench with virtual boards against a real master on loopback,
// closed after the test, and a client of its operator API.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { binDir, shellLibrary } from '../../src/cli/paths';
import { connectBench, startBench, type RunningBench, type StartBenchOptions } from '../../src/bench';
import type { BenchClient } from '../../src/bench/client/bench-client';
import { sampleFirmware } from '../../src/devices';
import type { Master } from '../../server/master';
import { tempDir } from '../helpers/master';

export async function benchFor(master: Master | undefined, spec: string, over: Partial<StartBenchOptions> = {}): Promise<RunningBench> {
  const bench = await startBench({
    dataDir: tempDir('ourci-bench-'),
    name: 'test-bench',
    master: master ? { url: master.url, token: master.tokens.agent } : undefined,
    virtualSpec: spec,
    real: false,
    ui: { host: '127.0.0.1', port: 0 },
    agent: {
      baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' },
      pathPrepend: [binDir()],
      extraEnv: { OURCI_SH: shellLibrary() },
      pullWaitSeconds: 5,
      killGraceMs: 500,
    },
    ...over,
  });
  onTestFinished(() => bench.close());
  return bench;
}

export async function operatorOf(bench: RunningBench): Promise<BenchClient> {
  const c = await connectBench(bench.ui!.url, { token: bench.ui!.auth.token });
  onTestFinished(() => c.close());
  return c;
}

/** A sample ESP8266 image on disk; its app line reads `app: name=NAME version=VERSION …`. */
export function firmwareFile(name = 'blinky', version = '1.2.3', size = 64 << 10): string {
  const file = join(tempDir('ourci-fw-'), `${name}.bin`);
  writeFileSync(file, sampleFirmware(name, version, size));
  return file;
}
