// Shell snippets for the fault tests' tasks. A task waits on a gate file the test creates,
// so the test decides when it ends; every wait inside a script is bounded.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Waits (at most ~60 s) for "$E2E_DIR/NAME" to exist; exits 99 if it never does. */
export function gate(name: string): string {
  return `n=0; while [ ! -e "$E2E_DIR/${name}" ]; do n=$((n+1)); [ $n -lt 1200 ] || exit 99; sleep 0.05; done`;
}

/** Opens a gate. */
export function open(dir: string, name: string): void {
  writeFileSync(join(dir, name), '');
}

/** `sh -c SCRIPT` as a task's args. */
export function sh(script: string): string[] {
  return ['sh', '-c', script];
}
