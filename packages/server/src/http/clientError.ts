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

/** How long a connection answered here may go on sending before it is closed regardless. */
export const LINGER_MS = 2000;

export const clientErrorAnswer = (problems: ProblemCatalogue): ClientErrorAnswer => {
  const answered = new WeakSet<Socket>();
  return (error, socket) => {
    // Already answered and lingering (below): what the parser still reads and refuses changes nothing.
    if (answered.has(socket)) {
      return;
    }
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
    answered.add(socket);
    socket.end(
      `HTTP/1.1 ${problem.status} ${problem.title}\r\nContent-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    // A lingering close, as nginx's: closing at once while the client is still sending would
    // make the kernel answer its next bytes with a reset, which can discard the answer before the
    // client reads it. So what still arrives is read and dropped, and the connection closes when
    // the client closes its side, or after LINGER_MS: end() alone would leave a client that never
    // closes (or never reads) holding the connection and its file descriptor.
    socket.resume();
    const linger = setTimeout(() => socket.destroy(), LINGER_MS).unref();
    socket.once('close', () => clearTimeout(linger));
  };
};
