// The JSON-RPC frame codec: what counts as a request, a response, or an invalid frame.
import { describe, expect, it } from 'vitest';
import { ErrorCode, OurciError, httpStatusFor, isRetryableCode, toOurciError } from '../../../src/shared/errors';
import { decodeFrame, errorFrame, resultFrame } from '../../../src/shared/rpc/frame';

describe('decodeFrame', () => {
  it('reads requests with the envelope extras and without jsonrpc', () => {
    expect(decodeFrame('{"id":1,"method":"A.B","args":{"x":1},"tag":"t","src":"s","dst":"d","zz":0}')).toEqual({
      kind: 'request',
      request: { id: 1, method: 'A.B', params: { x: 1 }, tag: 't', src: 's', dst: 'd' },
    });
    // params wins over args; a missing or null params is {}.
    expect(decodeFrame('{"method":"A.B","params":{"p":1},"args":{"a":1}}')).toEqual({ kind: 'request', request: { method: 'A.B', params: { p: 1 } } });
    expect(decodeFrame('{"id":"x","method":"A.B","params":null}')).toMatchObject({ request: { id: 'x', params: {} } });
  });

  it('reads responses, and classifies everything else with its code', () => {
    expect(decodeFrame('{"id":3,"result":null}')).toEqual({ kind: 'response', response: { jsonrpc: '2.0', id: 3, result: null } });
    expect(decodeFrame('{"id":3,"error":{"code":409,"message":"lease lost","data":[1]}}')).toMatchObject({
      kind: 'response',
      response: { error: { code: 409, message: 'lease lost', data: [1] } },
    });
    expect(decodeFrame('{"id":3,"error":"boom"}')).toMatchObject({ response: { error: { code: ErrorCode.Internal } } });
    const invalid: Array<[string, number, unknown]> = [
      ['{', -32700, null],
      ['[]', -32600, null],
      ['true', -32600, null],
      ['{"id":1e999,"method":"A"}', -32600, null],
      ['{"id":[1],"method":"A"}', -32600, null],
      ['{"id":1,"jsonrpc":"2.1","method":"A"}', -32600, 1],
      ['{"id":1,"method":null}', -32600, 1],
      ['{"id":1}', -32600, 1],
      ['{"result":1}', -32600, null],
      ['{"id":1,"method":"A","params":[1]}', -32602, 1],
      ['{"id":1,"method":"A","params":0}', -32602, 1],
    ];
    for (const [text, code, id] of invalid) {
      const d = decodeFrame(text);
      expect(d.kind, text).toBe('invalid');
      if (d.kind === 'invalid') expect([text, d.error.code, d.id]).toEqual([text, code, id]);
    }
  });

  it('echoes the tag even on invalid frames it can attribute', () => {
    expect(decodeFrame('{"id":2,"method":"","tag":"T"}')).toMatchObject({ kind: 'invalid', id: 2, tag: 'T' });
    expect(errorFrame(2, new OurciError(404), 'T')).toEqual({ jsonrpc: '2.0', id: 2, tag: 'T', error: { code: 404, message: 'not found' } });
    expect(resultFrame(1, undefined)).toEqual({ jsonrpc: '2.0', id: 1, result: null });
  });
});

describe('the error table', () => {
  it('maps codes to HTTP status and retryability', () => {
    expect([-32700, -32600, -32601, -32602, -32603, 401, 409, 413, 499, 504, 42].map(httpStatusFor)).toEqual([
      400, 400, 404, 400, 500, 401, 409, 413, 499, 504, 500,
    ]);
    expect([429, 503, 504, 500, 409].map(isRetryableCode)).toEqual([true, true, true, false, false]);
  });

  it('never lets an internal message out', () => {
    const e = toOurciError(new TypeError('cannot read properties of undefined (secret path /x/y)'));
    expect(e.toJSON()).toEqual({ code: -32603, message: 'internal error' });
  });
});
