// `GET /logs/<task>?attempt=&offset=`: raw log bytes, streamed; a capped log shows a marker
// where its middle was dropped.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { ForbiddenError, NotFoundError } from '../../src/shared/errors';
import type { HttpServer } from '../http/http-server';
import type { LogStore } from './log-store';

export function registerLogRoutes(
  http: HttpServer,
  logs: LogStore,
  taskInfo: (task: number) => { job: number; attempts: number } | undefined,
): void {
  http.route({
    methods: ['GET', 'HEAD'],
    path: /^\/logs\/([0-9]{1,18})$/,
    scopes: ['viewer', 'task'],
    handle: async ({ req, res, url, match, principal }) => {
      const task = match[1]!;
      const info = taskInfo(Number(task));
      if (!info) throw new NotFoundError(`no task ${task}`);
      if (principal.kind === 'task' && principal.task?.job !== String(info.job)) throw new ForbiddenError();
      const attempt = url.searchParams.has('attempt') ? Number(url.searchParams.get('attempt')) : info.attempts;
      const from = Math.max(0, Number(url.searchParams.get('offset') ?? 0) || 0);
      const { segments, omitted } = logs.segments(task, attempt);
      res.writeHead(200, {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
        'content-disposition': `inline; filename="task-${task}-attempt-${attempt}.log"`,
      });
      if (req.method === 'HEAD') return void res.end();
      for (const seg of segments) {
        if (omitted && seg.start === omitted.to) {
          res.write(`\n[… ${omitted.to - omitted.from} bytes omitted: the log passed its size cap …]\n`);
        }
        const end = seg.start + seg.length;
        if (end <= from) continue;
        const start = Math.max(0, from - seg.start);
        await pipeline(createReadStream(seg.path, { start, end: seg.length - 1 }), res, { end: false });
      }
      res.end();
    },
  });
}
