import type { Socket } from 'node:net';
import { type ProblemCatalogue, ProblemError } from '../contract/problems.js';
import { requestPointer } from '../contract/requestPointer.js';

// Node's HTTP parser refuses some requests before Express sees them (a malformed request line or
// header, too many headers, a request that took too long). Answer those with a problem document
// too, then close: the connection's state is unknown. A connection that never sent a byte gets no
// answer, as nginx does: there is no request to answer, and a browser's pre-opened connection
// should not read a 408.
function problemFor(error: NodeJS.ErrnoException): ProblemError {
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return new ProblemError('request-header-fields-too-large', 'The request headers are too large.');
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new ProblemError('request-timeout', 'The request was not received in time.');
  }
  return new ProblemError('invalid-request', 'The request is not valid HTTP.', {
    errors: [{ pointer: requestPointer.request, message: 'malformed HTTP request' }],
  });
}

export type ClientErrorAnswer = (error: NodeJS.ErrnoException, socket: Socket) => void;

export const clientErrorAnswer =
  (problems: ProblemCatalogue): ClientErrorAnswer =>
  (error, socket) => {
    // A reset or a half-written answer leaves nothing to say.
    if (
      error.code === 'ECONNRESET' ||
      (error.code === 'ERR_HTTP_REQUEST_TIMEOUT' && socket.bytesRead === 0) ||
      !socket.writable ||
      (socket as Socket & { _httpMessage?: unknown })._httpMessage
    ) {
      socket.destroy();
      return;
    }
    const problem = problems.documentOf(problemFor(error));
    const body = JSON.stringify(problem);
    // Closed once written: end() alone only half-closes, which leaves the connection (and its file
    // descriptor) open for as long as a client that does not read keeps its side open.
    socket.end(
      `HTTP/1.1 ${problem.status} ${problem.title}\r\nContent-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      () => socket.destroy(),
    );
  };
