// The peer: stock Express 5 + express-openapi-validator (its defaults) on our contract, doing
// the same work as the bare server, with no auth and no storage.
import { createRequire } from 'node:module';
import express from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { createWork, verifyWork } from './peerWork.mjs';

const app = express();
app.use(express.json());
app.use(
  OpenApiValidator.middleware({
    apiSpec: createRequire(import.meta.url).resolve('@apikeys/types/openapi.json'),
    validateSecurity: false,
  }),
);
app.post('/api-auth/apps/:appName/keys/verify', (req, res) => {
  res.status(200).json(verifyWork(req.body));
});
app.post('/api-auth/apps/:appName/keys', (req, res) => {
  res.status(201).json(createWork(req.body));
});
app.listen(Number(process.env.PORT), '127.0.0.1');
