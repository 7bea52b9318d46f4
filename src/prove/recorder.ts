// Starts and stops the frame recorder (native/trap.c) on the world's end of the veth. It is
// started before the link comes up, so the very first frame is on record; stopping it waits for
// its statistics line (frames written, kernel drops), which the verdict needs.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { recorderPath } from './tools.js';

export interface RecorderStats {
  /** Frames seen on the interface. */
  frames: number;
  /** Frames the kernel dropped before the recorder read them (the capture is then incomplete). */
  kernelDrops: number;
  /** Frames longer than the snapshot length (counted in full, stored cut). */
  truncated: number;
  /** Frames counted but not written once the file reached its size cap. */
  notWritten: number;
}

export interface Recorder {
  readonly program: string;
  stop(): Promise<RecorderStats>;
  kill(): void;
}

interface Line { event?: string; frames?: number; kernelDrops?: number; truncated?: number; notWritten?: number }

export function startRecorder(iface: string, pcapFile: string, timeoutMs = 10_000): Promise<Recorder> {
  // stdin stays an open pipe: when this process dies, the recorder sees EOF and stops by itself.
  const child: ChildProcess = spawn(recorderPath, [iface, pcapFile], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const lines: Line[] = [];
  const waiters: ((l: Line) => void)[] = [];
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (raw) => {
      let l: Line;
      try { l = JSON.parse(raw) as Line; } catch { return; }
      lines.push(l);
      for (const w of waiters.splice(0)) w(l);
    });
  }
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const next = (event: string, ms: number): Promise<Line> => new Promise((resolve, reject) => {
    const have = lines.find((l) => l.event === event);
    if (have) { resolve(have); return; }
    const timer = setTimeout(() => reject(new Error(`the frame recorder did not report "${event}" within ${ms} ms${stderr ? `: ${stderr.trim()}` : ''}`)), ms);
    const check = (l: Line): void => {
      if (l.event === event) { clearTimeout(timer); resolve(l); } else waiters.push(check);
    };
    waiters.push(check);
    void exited.then((code) => {
      if (!lines.some((l) => l.event === event)) { clearTimeout(timer); reject(new Error(`the frame recorder exited (${code}) before "${event}": ${stderr.trim() || 'no message'}`)); }
    });
  });
  return new Promise((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`cannot start the frame recorder ${recorderPath}: ${e.message}`)));
    next('ready', timeoutMs).then(() => resolve({
      program: recorderPath,
      async stop() {
        child.kill('SIGTERM');
        const l = await next('stats', timeoutMs);
        await exited;
        return { frames: l.frames ?? 0, kernelDrops: l.kernelDrops ?? 0, truncated: l.truncated ?? 0, notWritten: l.notWritten ?? 0 };
      },
      kill() { child.kill('SIGKILL'); },
    }), reject);
  });
}
