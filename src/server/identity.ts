// How a client that has the token (`hermetic status`) recognises THE server of its data dir
// before it believes or sends anything: it sends a fresh random challenge to the public health
// route; the server answers with HMAC-SHA256(token, label ‖ its listening port ‖ challenge).
// Only a process that knows the token can compute it, the token itself never travels, a recorded
// answer is useless for the next challenge, and binding the port defeats a relay (a stale
// server.json port taken over by another process that forwards to the real server elsewhere).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const CHALLENGE_HEADER = 'x-hermetic-challenge';
export const PROOF_HEADER = 'x-hermetic-proof';
export const CHALLENGE_FORMAT = /^[0-9a-f]{32,128}$/;

export function newChallenge(): string {
  return randomBytes(32).toString('hex');
}

export function identityProof(token: string, port: number, challenge: string): string {
  return createHmac('sha256', token).update(`hermetic-identity-v1\n${port}\n${challenge}`).digest('hex');
}

/** Constant-time check of a proof the peer sent for our challenge on the port we connected to. */
export function proofMatches(token: string, port: number, challenge: string, proof: string | undefined): boolean {
  if (typeof proof !== 'string' || !/^[0-9a-f]{64}$/.test(proof)) return false;
  return timingSafeEqual(Buffer.from(identityProof(token, port, challenge), 'hex'), Buffer.from(proof, 'hex'));
}
