// The desktop app's configuration, built once from its command line and environment (the
// main process's counterpart of src/cli/config.ts): `--tray` starts hidden, `--virtual-boards`
// adds emulated boards, `--url`/`--token` (or OURCI_URL with OURCI_AGENT_TOKEN) name the master
// until the Settings page says otherwise.
import { BadRequestError } from '../shared/errors';

export interface AppOptions {
  tray: boolean;
  virtualBoards?: string;
  real: boolean;
  name?: string;
  master?: { url: string; token: string };
  /** Dev server of electron-vite (ELECTRON_RENDERER_URL), else the built files. */
  rendererUrl?: string;
}

export function parseAppOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): AppOptions {
  const o: AppOptions = { tray: false, real: true };
  let url = env.OURCI_URL;
  let token = env.OURCI_AGENT_TOKEN ?? env.OURCI_TOKEN;
  for (const arg of argv) {
    const [flag, value] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    switch (flag) {
      case '--tray':
        o.tray = true;
        break;
      case '--no-real':
        o.real = false;
        break;
      case '--virtual-boards':
      case '--name':
      case '--url':
      case '--token':
        if (!value) throw new BadRequestError(`${flag} needs a value: ${flag}=…`);
        if (flag === '--virtual-boards') o.virtualBoards = value;
        else if (flag === '--name') o.name = value;
        else if (flag === '--url') url = value;
        else token = value;
        break;
      default:
        // Chromium's and Electron's own switches, and the app path, pass through.
        break;
    }
  }
  if (url && token) o.master = { url, token };
  const dev = env.ELECTRON_RENDERER_URL;
  if (dev && /^https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?\/?$/.test(dev)) o.rendererUrl = dev;
  return o;
}

/** What tasks inherit: the environment without the app's own credentials. */
export function taskEnvOf(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  const secret = /^(OURCI_(TOKEN|AGENT_TOKEN|ADMIN_TOKEN|CONFIG)|GITHUB_TOKEN|GITHUB_WEBHOOK_SECRET|ELECTRON_.*)$/;
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !secret.test(k)) out[k] = v;
  return out;
}
