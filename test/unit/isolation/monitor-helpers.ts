// Helpers shared by the monitor tests: child processes the tests control, and a recording store.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { once } from 'node:events';
import { fixturesDir, testNode } from '../../helpers/paths.js';
import type { NewSecurityEvent } from '../../../src/events/types.js';

export interface LineChild {
  child: ChildProcess;
  pid: number;
  /** Send a command line and wait for the next JSON line. */
  ask(line: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Start test/fixtures/monitor/<name> with Node and talk to it line by line. */
export async function startFixture(name: string): Promise<LineChild> {
  const child = spawn(testNode, [join(fixturesDir, 'monitor', name)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const queue: string[] = [];
  const waiters: ((l: string) => void)[] = [];
  lines.on('line', (l) => { const w = waiters.shift(); if (w) w(l); else queue.push(l); });
  const next = (): Promise<string> => new Promise((resolve) => { const l = queue.shift(); if (l !== undefined) resolve(l); else waiters.push(resolve); });
  await next(); // ready
  return {
    child,
    pid: child.pid!,
    async ask(line) {
      child.stdin!.write(`${line}\n`);
      return JSON.parse(await next()) as Record<string, unknown>;
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    },
  };
}

/** Spawn a plain program and wait until it runs. */
export async function startProgram(cmd: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(cmd, args, { stdio: 'ignore' });
  await once(child, 'spawn');
  return child;
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
  await once(child, 'exit');
}

/** An EventSink that keeps what it was given (the real store is tested in integration). */
export function memoryStore(): { record(e: NewSecurityEvent): void; events: NewSecurityEvent[]; ofType(t: string): NewSecurityEvent[] } {
  const events: NewSecurityEvent[] = [];
  return { events, record: (e) => { events.push(e); }, ofType: (t) => events.filter((e) => e.type === t) };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
