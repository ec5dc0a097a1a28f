// The ceiling: node:http doing createApiKey's and verifyApiKey's own work, nothing else.
import { createServer } from 'node:http';
import { createWork, verifyWork } from './peerWork.mjs';

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const [status, answer] = req.url.endsWith('/verify') ? [200, verifyWork(request)] : [201, createWork(request)];
    const body = JSON.stringify(answer);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1');
