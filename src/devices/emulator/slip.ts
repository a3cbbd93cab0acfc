// SLIP framing as the ESP ROM and its flasher stubs speak it (reference §1.3). The emulator
// has its own codec because serialport's SlipDecoder keeps pre-frame garbage (boot text).
const END = 0xc0;
const ESC = 0xdb;
const ESC_END = 0xdc;
const ESC_ESC = 0xdd;

export function slipEncode(payload: Uint8Array): Uint8Array {
  let extra = 0;
  for (const b of payload) if (b === END || b === ESC) extra++;
  const out = new Uint8Array(payload.length + extra + 2);
  let o = 0;
  out[o++] = END;
  for (const b of payload) {
    if (b === END) {
      out[o++] = ESC;
      out[o++] = ESC_END;
    } else if (b === ESC) {
      out[o++] = ESC;
      out[o++] = ESC_ESC;
    } else out[o++] = b;
  }
  out[o] = END;
  return out;
}

/** Incremental decoder: bytes outside frames are ignored, a frame with a bad escape is dropped. */
export class SlipDecoder {
  private buf = new Uint8Array(1024);
  private len = 0;
  private inFrame = false;
  private escaping = false;
  private bad = false;

  push(bytes: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    for (const b of bytes) {
      if (!this.inFrame) {
        if (b === END) this.start();
        continue;
      }
      if (this.escaping) {
        this.escaping = false;
        if (b === ESC_END) this.append(END);
        else if (b === ESC_ESC) this.append(ESC);
        else this.bad = true;
        continue;
      }
      if (b === ESC) this.escaping = true;
      else if (b === END) {
        // Back-to-back END bytes are empty frames: the separator between frames, skip them.
        if (this.len > 0 && !this.bad) frames.push(this.buf.slice(0, this.len));
        this.start();
      } else this.append(b);
    }
    return frames;
  }

  /** Forgets a partial frame (after a reset or a baud change). */
  reset(): void {
    this.inFrame = false;
    this.len = 0;
    this.escaping = false;
    this.bad = false;
  }

  private start(): void {
    this.inFrame = true;
    this.len = 0;
    this.escaping = false;
    this.bad = false;
  }

  private append(b: number): void {
    if (this.len === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.len++] = b;
  }
}
