// Frame generators for the fuzz test: random JSON, valid frames for real methods, and
// mutations of them (bytes flipped, truncated, wrong types, huge numbers, deep nesting,
// odd unicode, random method names). Everything draws from one seeded Prng.
import type { Prng } from './prng';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const HUGE = [1e308, -1e308, 2 ** 53 + 1, -(2 ** 63), 1e-320, 4294967296, 2 ** 31, -0, 0.1, 601, 1e21];
const ODD_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', 'id', 'method', '\u0000'];
const UNICODE = ['ü', '\u{1F600}', '\ud800', '\udfff', '\u0000', '\u202e', '\uffff', '\r\n', '"', '\\', '\u2028', '𝕏'];

export function randomString(r: Prng, max = 20): string {
  let s = '';
  const n = r.int(0, max);
  for (let i = 0; i < n; i++) {
    const roll = r.next();
    s += roll < 0.6 ? String.fromCharCode(r.int(0x20, 0x7e)) : roll < 0.8 ? r.pick(UNICODE) : String.fromCharCode(r.int(0, 0xffff));
  }
  return s;
}

export function randomJson(r: Prng, depth = 3): Json {
  const roll = r.next();
  if (depth <= 0 || roll < 0.15) return r.pick([null, true, false]);
  if (roll < 0.3) return r.chance(0.5) ? r.pick(HUGE) : r.int(-1000, 1000) * (r.chance(0.2) ? 0.37 : 1);
  if (roll < 0.55) return randomString(r);
  if (roll < 0.75) return Array.from({ length: r.int(0, 4) }, () => randomJson(r, depth - 1));
  const o: { [k: string]: Json } = {};
  for (let i = r.int(0, 4); i > 0; i--) o[r.chance(0.3) ? r.pick(ODD_KEYS) : randomString(r, 8)] = randomJson(r, depth - 1);
  return o;
}

export function deepNesting(r: Prng): string {
  // Parsing 100k levels costs ~75 ms, so the deepest kind is rare.
  const n = r.chance(0.1) ? 100_000 : r.pick([101, 500, 5_000, 20_000]);
  return r.chance(0.5) ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n);
}

/** A method's params as RPC.Describe tells them: property name → JSON Schema type (if any). */
export type ParamShapes = Map<string, Map<string, string | undefined>>;

export interface FrameContext {
  /** Topic/subscription names the fuzz keeps hitting, so frames meet real state. */
  names: string[];
  /** ackIds seen in successful pulls (valid, stale or acked by now). */
  ackIds: string[];
  messageIds: string[];
  shapes: ParamShapes;
}

function plausible(r: Prng, key: string, type: string | undefined, ctx: FrameContext): Json {
  if (r.chance(0.15)) return randomJson(r, 2);
  switch (key) {
    case 'name':
    case 'topic':
    case 'subscription':
      return r.chance(0.8) ? r.pick(ctx.names) : randomString(r, 12);
    case 'subscriptions':
      return Array.from({ length: r.int(0, 3) }, () => r.pick(ctx.names));
    case 'ackIds':
      return Array.from({ length: r.int(0, 3) }, () => (ctx.ackIds.length && r.chance(0.7) ? r.pick(ctx.ackIds) : randomString(r, 10)));
    case 'messageIds':
      return Array.from({ length: r.int(0, 3) }, () => (ctx.messageIds.length && r.chance(0.7) ? r.pick(ctx.messageIds) : String(r.int(0, 99))));
    case 'messages':
      return Array.from({ length: r.int(0, 3) }, () => {
        const m: { [k: string]: Json } = { data: randomJson(r) };
        if (r.chance(0.3)) m.attributes = { [randomString(r, 5)]: randomString(r, 5) };
        if (r.chance(0.2)) m.expireTime = r.chance(0.5) ? Date.now() + r.int(-1000, 100_000) : r.pick(HUGE);
        return m;
      });
    case 'waitSeconds':
      return r.pick([0, 0, 0.01, -1, 301, 1e9]);
  }
  if (type === 'integer' || type === 'number') return r.chance(0.5) ? r.int(-2, 700) : r.pick(HUGE);
  if (type === 'string') return randomString(r);
  if (type === 'array') return [randomJson(r, 1)];
  return randomJson(r, 2);
}

/** Params for a real method: its own keys with mostly plausible, sometimes absurd, values. */
export function randomParams(r: Prng, method: string, ctx: FrameContext): { [k: string]: Json } {
  const shape = ctx.shapes.get(method) ?? new Map<string, string | undefined>();
  const p: { [k: string]: Json } = {};
  for (const [key, type] of shape) if (r.chance(0.75)) p[key] = plausible(r, key, type, ctx);
  if (r.chance(0.1)) p[randomString(r, 6)] = randomJson(r, 2);
  return p;
}

export function randomMethod(r: Prng, ctx: FrameContext): string {
  const real = [...ctx.shapes.keys()];
  const m = r.pick(real);
  switch (r.int(0, 5)) {
    case 0:
      return m.toLowerCase();
    case 1:
      return `${m} `;
    case 2:
      return m.replace('.', '/');
    case 3:
      return `${m}.x`;
    case 4:
      return randomString(r, 30);
    default:
      return r.pick(['constructor', '__proto__', 'toString', 'RPC', '.', 'PubSub.', 'x'.repeat(129)]);
  }
}

export interface FrameObject {
  jsonrpc?: Json;
  id?: Json;
  method?: Json;
  params?: Json;
  args?: Json;
  tag?: Json;
  [k: string]: Json | undefined;
}

export function randomId(r: Prng, n: number): Json {
  return r.chance(0.9) ? n : r.pick<Json>([null, `s${n}`, -n, n + 0.5, true, [n], { n }, 'x'.repeat(1000)]);
}

/** Structural mutation: a member dropped, retyped, renamed or added. Mutates and returns `f`. */
export function mutateObject(r: Prng, f: FrameObject): FrameObject {
  const keys = Object.keys(f);
  switch (r.int(0, 6)) {
    case 0:
      delete f[r.pick(keys)];
      break;
    case 1:
      f[r.pick(keys)] = randomJson(r, 2);
      break;
    case 2:
      if (f.params && typeof f.params === 'object' && !Array.isArray(f.params)) {
        const p = f.params as { [k: string]: Json };
        const pk = Object.keys(p);
        if (pk.length) p[r.pick(pk)] = r.pick<Json>([true, false, [], [1, 'x'], -1.5, null, '', { a: [] }]);
      }
      break;
    case 3:
      f.params = r.pick<Json>([[f.params ?? null], 'params', 7, true]);
      break;
    case 4:
      f.jsonrpc = r.pick<Json>(['1.0', 2, null, '2.0 ', '']);
      break;
    case 5:
      f[r.pick(ODD_KEYS)] = randomJson(r, 2);
      break;
    default:
      f.args = f.params ?? null;
      delete f.params;
  }
  return f;
}

/** Text mutation. `safe` keeps to changes that cannot turn a number into a small valid one
 * (replacements, insertions, truncation), for the phase that compares state frame by frame. */
export function mutateText(r: Prng, text: string, safe = false): string {
  if (text.length === 0) return randomString(r, 5);
  const at = r.int(0, text.length - 1);
  const ops = safe ? 3 : 6;
  switch (r.int(0, ops - 1)) {
    case 0: {
      const c = r.chance(0.5) ? r.pick(['{', '}', '[', ']', '"', ',', ':', '\\', '0', '9', 'e', '-', ' ']) : String.fromCharCode(r.int(0, 0xffff));
      return text.slice(0, at) + c + text.slice(at + 1);
    }
    case 1:
      return text.slice(0, at) + r.pick(['"', '{', '\\u', '\u0000', '1e999', ',,', '\ud800']) + text.slice(at);
    case 2:
      return text.slice(0, at);
    case 3:
      return text.slice(0, at) + text.slice(at + r.int(1, 10));
    case 4:
      return text.slice(0, at) + text.slice(at, at + r.int(1, 20)).repeat(r.int(2, 5)) + text.slice(at);
    default: {
      const b = r.int(0, text.length - 1);
      const [lo, hi] = at < b ? [at, b] : [b, at];
      return text.slice(0, lo) + text.slice(hi) + text.slice(lo, hi);
    }
  }
}
