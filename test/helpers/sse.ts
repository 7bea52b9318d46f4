// A minimal Server-Sent Events frame splitter for tests — our own, so a test never depends on
// the code under test to parse that code's output.
import type { IncomingMessage } from 'node:http';

export interface RawSseFrame { id?: number; event: string; data: string }

/** Calls onFrame for every complete frame with an event and data; afterChunk after each chunk. */
export function onSseFrames(res: IncomingMessage, onFrame: (f: RawSseFrame) => void, afterChunk?: () => void): void {
  let buf = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      let id: number | undefined;
      let event: string | undefined;
      let data: string | undefined;
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) id = Number(line.slice(4));
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data = line.slice(6);
      }
      if (event && data !== undefined) onFrame({ ...(id !== undefined ? { id } : {}), event, data });
    }
    afterChunk?.();
  });
}
