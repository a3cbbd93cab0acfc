// Masks secrets in streamed text. Holds back the last few characters of each write so a
// secret split across two writes is still caught.
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
  private readonly hold: number;

  constructor(private readonly secrets: string[]) {
    this.hold = secrets.reduce((m, s) => Math.max(m, s.length - 1), 0);
  }

  /** Masks `text`; returns what is safe to emit now. */
  write(text: string): string {
    if (this.secrets.length === 0) return text;
    const all = this.mask(this.held + text);
    const keep = Math.min(this.hold, all.length);
    this.held = all.slice(all.length - keep);
    return all.slice(0, all.length - keep);
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
