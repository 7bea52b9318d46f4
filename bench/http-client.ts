// The HTTP client of bench/convert.ts section 2, in a process of its own (as a user's curl or
// browser is): the server's work after a response (a refill spawn's fork, say) then does not
// count against the client, which a client in the server's own event loop would wait for.
// Messages from the parent: { url, token, body (base64), count }; replies { ms: number[] }.
interface Ask { url: string; token: string; body: string; count: number }

async function post(a: Ask, body: Buffer): Promise<number> {
  const t = performance.now();
  const res = await fetch(a.url, { method: 'POST', headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/octet-stream' }, body });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  return performance.now() - t;
}

process.on('message', (m: Ask) => {
  void (async () => {
    const body = Buffer.from(m.body, 'base64');
    const ms: number[] = [];
    for (let i = 0; i < m.count; i++) ms.push(await post(m, body));
    process.send?.({ ms });
  })().catch((e: unknown) => { console.error(e); process.exit(1); });
});
process.on('disconnect', () => process.exit(0));
