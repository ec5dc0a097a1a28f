import type { Socket } from 'node:net';
import { ProblemError } from './problem.js';

// Node's HTTP parser refuses some requests before Express sees them (a malformed request line or
// header, too many headers, a request that took too long). Answer those with a problem document
// too, then close: the connection's state is unknown.
function problemFor(error: NodeJS.ErrnoException): ProblemError {
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return new ProblemError('request-header-fields-too-large', 'The request headers are too large.');
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new ProblemError('request-timeout', 'The request was not received in time.');
  }
  return new ProblemError('invalid-request', 'The request is not valid HTTP.', {
    errors: [{ pointer: '', message: 'malformed HTTP request' }],
  });
}

export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset or a half-written answer leaves nothing to say.
  if (error.code === 'ECONNRESET' || !socket.writable || (socket as Socket & { _httpMessage?: unknown })._httpMessage) {
    socket.destroy();
    return;
  }
  const problem = problemFor(error);
  const body = JSON.stringify(problem.toProblem());
  socket.end(
    `HTTP/1.1 ${problem.status} ${problem.toProblem().title}\r\nContent-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
