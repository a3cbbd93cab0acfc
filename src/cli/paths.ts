// Where the installation lives (for bin/ourci and resources/ourci.sh handed to tasks),
// found from this module's own location whether it runs bundled (dist/) or from sources.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function installRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'ourci') return dir;
      } catch {
        // keep looking
      }
    }
    dir = dirname(dir);
  }
  throw new Error('cannot find the OurCI installation (package.json named "ourci")');
}

export const binDir = (): string => join(installRoot(), 'bin');
export const shellLibrary = (): string => join(installRoot(), 'resources', 'ourci.sh');
