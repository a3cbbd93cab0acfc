// Who may operate the bench over HTTP: the holder of its operator token. The token is made
// once and kept in the bench's data directory (mode 0600) so a bookmarked UI survives a
// restart; a one-time login code in the printed URL lets the operator in without copying it.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const CODE_TTL_MS = 10 * 60_000;

export class OperatorAuth {
  private readonly codes = new Map<string, number>();

  constructor(readonly token: string) {}

  /** Reads the token from `file`, or makes one and writes it there. */
  static fromFile(file: string): OperatorAuth {
    if (existsSync(file)) {
      const t = readFileSync(file, 'utf8').trim();
      if (t.length >= 20) return new OperatorAuth(t);
    }
    const token = `obo_${randomBytes(24).toString('base64url')}`;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
    return new OperatorAuth(token);
  }

  static ephemeral(): OperatorAuth {
    return new OperatorAuth(`obo_${randomBytes(24).toString('base64url')}`);
  }

  check(candidate: string | undefined): boolean {
    if (!candidate) return false;
    const a = Buffer.from(candidate);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** A code that logs in once, within ten minutes. */
  issueCode(): string {
    const now = Date.now();
    for (const [c, exp] of this.codes) if (exp < now) this.codes.delete(c);
    const code = randomBytes(12).toString('base64url');
    this.codes.set(code, now + CODE_TTL_MS);
    return code;
  }

  redeem(code: string): string | undefined {
    const exp = this.codes.get(code);
    this.codes.delete(code);
    return exp !== undefined && exp >= Date.now() ? this.token : undefined;
  }
}
