import { connect } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { parseAnswer, rawConnection, rawExchange } from '../../test/support/rawHttp.js';
import { readContractDocument } from '../contract/document.js';
import { problemCatalogue } from '../contract/problems.js';
import { clientErrorAnswer } from './clientError.js';
import { listen, type ServedApp } from './serve.js';

// A plain app, answering what Node's parser refuses as the API's app does.
const app: ServedApp = Object.assign(express(), {
  answerClientError: clientErrorAnswer(problemCatalogue(readContractDocument())),
});
app.get('/slow', (_req, res) => {
  setTimeout(() => res.json({ done: true }), 300);
});
app.get('/fast', (_req, res) => {
  res.json({ fast: true });
});

describe('connections', () => {
  it('closes connections that send nothing once the header timeout has passed', async () => {
    const running = await listen(app, 0, '127.0.0.1', { headersTimeoutMs: 500, requestTimeoutMs: 1000 });
    try {
      const { port } = new URL(running.url);
      const closed = Array.from({ length: 100 }, () => {
        const socket = connect(Number(port), '127.0.0.1');
        socket.on('error', () => {});
        // Reading, so that the server's close is seen.
        socket.resume();
        return new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
      });
      const started = Date.now();
      const times = await Promise.all(closed);
      expect(Math.max(...times) - started).toBeLessThan(5000);
    } finally {
      await running.close();
    }
  });

  it('answers a request that never finishes its headers with a 408 problem', async () => {
    const running = await listen(app, 0, '127.0.0.1', { headersTimeoutMs: 500, requestTimeoutMs: 1000 });
    try {
      const connection = await rawConnection(running.url);
      connection.socket.write('GET /fast HTTP/1.1\r\nHost: x\r\nX-Half: ');
      await connection.closed;
      const answer = parseAnswer(connection.received());
      expect(answer.status).toBe(408);
      expect(answer.headers).toContain('content-type: application/problem+json');
      expect(answer.body).toMatchObject({ type: 'urn:apikeys:problem:request-timeout', status: 408 });
    } finally {
      await running.close();
    }
  });

  it("answers what Node's parser refuses with a problem document", async () => {
    const running = await listen(app, 0);
    try {
      const nulInHeader = parseAnswer(
        await rawExchange(running.url, 'GET /fast HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0000b\r\n\r\n'),
      );
      expect(nulInHeader).toMatchObject({
        status: 400,
        body: { type: 'urn:apikeys:problem:invalid-request', status: 400 },
      });
      const unknownMethod = parseAnswer(await rawExchange(running.url, 'FROB /fast HTTP/1.1\r\nHost: x\r\n\r\n'));
      expect(unknownMethod).toMatchObject({ status: 400, body: { type: 'urn:apikeys:problem:invalid-request' } });
      const manyHeaders = Array.from({ length: 3000 }, (_, i) => `X-H${i}: ${'v'.repeat(20)}`).join('\r\n');
      const tooLarge = parseAnswer(
        await rawExchange(running.url, `GET /fast HTTP/1.1\r\nHost: x\r\n${manyHeaders}\r\n\r\n`),
      );
      expect(tooLarge).toMatchObject({
        status: 431,
        body: { type: 'urn:apikeys:problem:request-header-fields-too-large', status: 431 },
      });
      expect(tooLarge.headers).toContain('content-type: application/problem+json');
    } finally {
      await running.close();
    }
  });
});

describe('shutting down', () => {
  it('answers the requests in flight with Connection: close', async () => {
    const running = await listen(app, 0);
    const inFlight = fetch(`${running.url}/slow`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = running.close();
    const response = await inFlight;
    expect(await response.json()).toEqual({ done: true });
    expect(response.headers.get('connection')).toBe('close');
    await closed;
  });

  it('ends within the grace period even when a client stalls in the middle of its headers', async () => {
    const running = await listen(app, 0, '127.0.0.1', { shutdownGraceMs: 300 });
    const connection = await rawConnection(running.url);
    connection.socket.write('GET /fast HTTP/1.1\r\nHost: x\r\nX-Stalled: ');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await running.close();
    expect(Date.now() - started).toBeLessThan(2000);
    await connection.closed;
  });
});
