// Masks secrets in streamed text. Holds back only a tail that could be the start of a secret,
// so a secret split across two writes is still caught and ordinary output is never delayed.
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|KEY|CREDENTIAL/i;
const MASK = '***';

/** Values worth masking: the attempt token, and env values whose names look secret. */
export function secretsOf(env: Record<string, string>, extra: string[] = []): string[] {
  const out = new Set(extra.filter((s) => s.length >= 4));
  for (const [k, v] of Object.entries(env)) if (SECRET_NAME.test(k) && v.length >= 4) out.add(v);
  // BLOB_URL carries the token in its userinfo; the token itself is in `extra`.
  return [...out].sort((a, b) => b.length - a.length);
}

export class SecretMasker {
  private held = '';

  constructor(private readonly secrets: string[]) {}

  /** Masks `text`; returns what is safe to emit now. */
  write(text: string): string {
    if (this.secrets.length === 0) return text;
    const all = this.mask(this.held + text);
    const keep = this.partialSecretTail(all);
    this.held = all.slice(all.length - keep);
    return all.slice(0, all.length - keep);
  }

  /** Length of the longest tail of `s` that is a proper prefix of some secret. */
  private partialSecretTail(s: string): number {
    let best = 0;
    for (const secret of this.secrets) {
      for (let n = Math.min(secret.length - 1, s.length); n > best; n--) {
        if (s.endsWith(secret.slice(0, n))) {
          best = n;
          break;
        }
      }
    }
    return best;
  }

  /** Everything still held back. */
  end(): string {
    const rest = this.mask(this.held);
    this.held = '';
    return rest;
  }

  private mask(s: string): string {
    for (const secret of this.secrets) if (s.includes(secret)) s = s.split(secret).join(MASK);
    return s;
  }
}
