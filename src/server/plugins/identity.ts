// The server's half of ../identity.ts: a GET /api/health that carries a challenge header gets
// the proof header back. Health stays public and its body unchanged (it is cached); the proof is
// computed per request, from the port we really listen on (never one the request names).
import { CHALLENGE_FORMAT, CHALLENGE_HEADER, PROOF_HEADER, identityProof } from '../identity.js';
import { listeningPort, type ServerPlugin } from './types.js';

export const identity: ServerPlugin = (app, ctx) => {
  app.addHook('onSend', (request, reply, payload, done) => {
    const challenge = request.headers[CHALLENGE_HEADER];
    if (typeof challenge === 'string' && CHALLENGE_FORMAT.test(challenge) && request.routeOptions.url === '/api/health' && reply.statusCode === 200) {
      reply.header(PROOF_HEADER, identityProof(ctx.token, listeningPort(app, ctx), challenge));
    }
    done(null, payload);
  });
};
