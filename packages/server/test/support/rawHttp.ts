import { connect, type Socket } from 'node:net';

/** A raw TCP connection to a test server, for requests no HTTP client would send. */
export async function rawConnection(
  url: string,
): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname === 'localhost' ? '127.0.0.1' : hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let text = '';
  socket.on('data', (chunk) => (text += chunk.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, received: () => text, closed };
}

/** Sends `request` as it is and resolves to everything the server answered before it closed. */
export async function rawExchange(url: string, request: string): Promise<string> {
  const connection = await rawConnection(url);
  connection.socket.write(request);
  await connection.closed;
  return connection.received();
}

/** The status and parsed JSON body of a raw HTTP/1.1 answer (not chunked). */
export function parseAnswer(text: string): { status: number; headers: string; body: unknown } {
  const [head = '', body = ''] = text.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body: body ? JSON.parse(body) : undefined };
}
