// Which renderers may call the bench (like GitHub Desktop's trusted-sender registry): the
// windows this process created, and only while they show the app's own page. A frame that
// navigated elsewhere, or a webContents we did not make, is refused.

export interface SenderFrameLike {
  url: string;
}

export interface InvokeEventLike {
  sender: { id: number };
  senderFrame: SenderFrameLike | null;
}

/** `scheme://host` of a URL; URL.origin is "null" for custom schemes, so build it by hand. */
export function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return undefined;
  }
}

export class TrustedSenders {
  private readonly ids = new Set<number>();
  private readonly origins: Set<string>;

  constructor(allowedOrigins: string[]) {
    this.origins = new Set(allowedOrigins.map((o) => originOf(o) ?? o));
  }

  add(id: number): void {
    this.ids.add(id);
  }

  remove(id: number): void {
    this.ids.delete(id);
  }

  isTrusted(event: InvokeEventLike): boolean {
    if (!this.ids.has(event.sender.id) || !event.senderFrame) return false;
    const origin = originOf(event.senderFrame.url);
    return origin !== undefined && this.origins.has(origin);
  }
}
