// POST /webhooks/github: GitHub authenticates with an HMAC of the body (X-Hub-Signature-256),
// checked in constant time by @octokit/webhooks before anything else is looked at. The answer
// leaves as soon as the delivery is on disk; the work happens right after.
import type { IncomingMessage } from 'node:http';
import { Webhooks } from '@octokit/webhooks';
import { BadRequestError, UnauthorizedError, UnavailableError } from '../../src/shared/errors';
import { readBody } from '../http/body';
import { sendJson, type HttpServer } from '../http/http-server';
import type { DeliveryInbox } from './delivery-inbox';
import type { Classified } from './webhook-payloads';

export const WEBHOOK_PATH = '/webhooks/github';

export interface WebhookRouteOptions {
  secret: string | undefined;
  maxBytes: number;
  classify: (name: string, body: unknown) => Classified;
  inbox: DeliveryInbox;
  /** Resolves once everything written so far is on disk. */
  commit: () => Promise<void>;
}

export function registerWebhookRoute(http: HttpServer, o: WebhookRouteOptions): void {
  const webhooks = o.secret ? new Webhooks({ secret: o.secret }) : undefined;
  http.route({
    methods: ['POST'],
    path: /^\/webhooks\/github\/?$/,
    scopes: 'none',
    handle: async ({ req, res }) => {
      if (!webhooks) throw new UnavailableError('GitHub webhooks are not enabled on this master: set GITHUB_WEBHOOK_SECRET');
      const signature = header(req, 'x-hub-signature-256');
      if (!signature) {
        req.resume();
        throw new UnauthorizedError('missing X-Hub-Signature-256: give the webhook a secret in the repository settings');
      }
      const raw = await readBody(req, o.maxBytes);
      const text = raw.toString('utf8');
      if (!(await webhooks.verify(text, signature).catch(() => false))) {
        throw new UnauthorizedError('X-Hub-Signature-256 does not match: the webhook secret differs from GITHUB_WEBHOOK_SECRET');
      }
      const name = header(req, 'x-github-event');
      const delivery = header(req, 'x-github-delivery');
      if (!name) throw new BadRequestError('missing X-GitHub-Event header');
      if (!delivery || delivery.length > 200) throw new BadRequestError('missing or oversized X-GitHub-Delivery header');
      const body = parseBody(text, header(req, 'content-type'));
      if (name === 'ping') return sendJson(res, 200, { ok: true, event: 'ping', zen: (body as { zen?: unknown }).zen });
      const c = o.classify(name, body);
      if ('ignored' in c) return sendJson(res, 202, { ignored: c.ignored, delivery });
      if (o.inbox.isDuplicate(delivery)) return sendJson(res, 200, { duplicate: true, delivery });
      o.inbox.accept(delivery, name, c.event);
      await o.commit();
      sendJson(res, 200, { accepted: true, delivery, event: name });
      setImmediate(() => o.inbox.process(delivery));
    },
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** JSON, or the form encoding GitHub offers as an alternative (`payload=<json>`). */
function parseBody(text: string, contentType: string | undefined): object {
  let json = text;
  if (contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    const p = new URLSearchParams(text).get('payload');
    if (p === null) throw new BadRequestError('form-encoded webhook without a payload field');
    json = p;
  }
  let body: unknown;
  try {
    body = JSON.parse(json);
  } catch {
    throw new BadRequestError('webhook body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('webhook body is not a JSON object');
  return body;
}
