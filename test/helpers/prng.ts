// Seeded pseudo-random numbers (mulberry32) so a failing fuzz or kill schedule reproduces:
// tests print the seed, and OURCI_TEST_SEED=<n> replays it.
export interface Prng {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

export function prng(seed: number): Prng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    seed,
    next,
    int,
    pick: (items) => items[int(0, items.length - 1)]!,
    chance: (p) => next() < p,
  };
}

/** The seed from OURCI_TEST_SEED, or a fresh one; logged so a failure can be replayed. */
export function testSeed(label: string): number {
  const given = process.env.OURCI_TEST_SEED;
  const seed = given ? Number(given) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
  process.stdout.write(`${label}: seed ${seed} (replay with OURCI_TEST_SEED=${seed})\n`);
  return seed;
}
