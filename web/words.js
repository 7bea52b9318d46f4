// Plain words for what the API says: security events as sentences, isolation layers as what
// they mean for the user, error codes as what went wrong. Pure functions (no DOM), so they are
// unit-tested in Node too (test/unit/web-words.test.ts). Every detail key may be missing, and
// event types this page has never heard of are described generically — never dropped.

const FORMAT_NAMES = {
  png: 'PNG image', jpeg: 'JPEG image', webp: 'WebP image', avif: 'AVIF image', tiff: 'TIFF image', gif: 'GIF image',
  pdf: 'PDF', docx: 'Word document (DOCX)', xlsx: 'Excel spreadsheet (XLSX)', csv: 'CSV table', json: 'JSON',
  yaml: 'YAML', toml: 'TOML', md: 'Markdown', html: 'HTML', txt: 'Plain text', zip: 'ZIP archive',
};

/** "PNG image" for 'png'; the id itself for a format this page does not know. */
export function formatName(id) {
  return FORMAT_NAMES[id] || String(id || '?').toUpperCase();
}

const str = (v) => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' && Number.isFinite(v) ? String(v) : null);
const baseName = (p) => { const s = str(p); return s ? s.split('/').pop() : null; };

/** Names that say "no particular package": code outside node_modules, or nobody known. */
const NOBODY = new Set(['unknown', 'app', 'node-internal']);
const named = (v) => { const s = str(v); return s && !NOBODY.has(s) ? s : null; };

/**
 * Who did it: the package or program, as specifically as the details allow. `converterOf(jobId)`
 * (optional) names the job's converter when the attempt came from code outside any package —
 * the tripwire calls that "app", which in a worker is the converter's own code.
 */
export function actorOf(d, converterOf) {
  const who = named(d.culprit) || named(d.package) || named(d.program) || baseName(d.exe) || baseName(d.argv0);
  if (who) return who;
  const converter = converterOf && str(d.jobId) ? converterOf(str(d.jobId)) : null;
  return converter ? `The converter “${converter}”` : null;
}

/** Where it tried to go: "93.184.216.34:443", a unix socket path, "@abstract", or a host name. */
export function destinationOf(d) {
  const dest = str(d.destination);
  const host = str(d.host);
  const port = str(d.port);
  const where = dest || (host ? (port ? `${host.includes(':') ? `[${host}]` : host}:${port}` : host) : null);
  const name = str(d.dnsName);
  if (name && where && !where.startsWith(name)) return `${name} (${where})`;
  return where || name;
}

/** "job 3f2a9c1e" (ids are UUIDs: the first block is enough to tell jobs apart on screen). */
export function jobOf(d) {
  const id = str(d.jobId);
  return id ? `job ${id.length > 12 ? id.slice(0, 8) : id}` : null;
}

function humanType(type) {
  const s = String(type || 'event').replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function withTail(text, parts) {
  const tail = parts.filter(Boolean).join(', ');
  return tail ? `${text} — ${tail}` : text;
}

const ESCAPE_WORDS = {
  escape_setns: 'tried to move into another namespace (setns) to leave the jail',
  escape_pidfd_getfd: 'tried to take a connection out of another process (pidfd_getfd)',
  escape_ptrace: 'tried to reach into another process (ptrace)',
  escape_seccomp_listener: 'tried to install a filter of its own that could let its calls through (seccomp listener)',
};

function blockedOutcome(d) {
  if (d.terminated === true) return 'blocked, and the worker was stopped';
  return 'blocked';
}

/**
 * One event as a sentence, e.g. "curl tried to reach 93.184.216.34:443 — blocked, job 42".
 * Returns { text, tone } where tone is 'info' | 'warning' | 'critical' (the row's colour).
 */
export function eventSentence(ev, { converterOf } = {}) {
  const d = ev && typeof ev.details === 'object' && ev.details !== null ? ev.details : {};
  const who = actorOf(d, converterOf);
  const where = destinationOf(d);
  const job = jobOf(d);
  const count = Number(d.count) > 1 ? `${Number(d.count)} times` : null;
  const tone = ['info', 'warning', 'critical'].includes(ev && ev.severity) ? ev.severity : 'warning';
  const subject = who || 'A converter';
  let text;
  switch (ev && ev.type) {
    case 'network_attempt':
      text = withTail(`${subject} tried to reach ${where || 'the network'}`, [blockedOutcome(d), job, count]);
      break;
    case 'dns_blocked':
      text = withTail(`${subject} tried to look up ${str(d.dnsName) || str(d.host) || 'a host name'}`, [blockedOutcome(d), job, count]);
      break;
    case 'p2p_blocked':
      text = withTail(`${subject} tried to load peer-to-peer networking${str(d.target) || str(d.api) ? ` (${str(d.target) || str(d.api)})` : ''}`, [blockedOutcome(d), job, count]);
      break;
    case 'process_spawn_blocked':
      text = withTail(`${subject} tried to start ${str(d.target) || str(d.program) || 'a network program'}`, [blockedOutcome(d), job, count]);
      break;
    case 'process_terminated': {
      const n = Number(d.violations);
      const what = d.role === 'server' ? 'The server process' : 'A converter worker';
      text = withTail(`${what}${str(d.pid) ? ` (pid ${str(d.pid)})` : ''} was stopped after ${Number.isFinite(n) && n > 0 ? `${n} network attempt${n === 1 ? '' : 's'}` : 'network attempts'}${who ? ` by ${who}` : ''}`, [job]);
      break;
    }
    case 'monitor_hole':
      text = withTail(`A network socket${where ? ` to ${where}` : ''} was found that a guard should have stopped${who ? ` (${who})` : ''}`, [job, count]);
      break;
    case 'verification_completed':
      text = `Isolation checked: ${levelWords(str(d.level))}${d.trigger === 'startup' ? ' (at start-up)' : ''}`;
      break;
    case 'verification_failed': {
      const reasons = Array.isArray(d.reasons) ? d.reasons.filter((r) => typeof r === 'string').join('; ') : str(d.reason);
      text = `Isolation check failed${reasons ? `: ${reasons}` : ''}`;
      break;
    }
    case 'monitor_started':
      text = d.resumed ? `The ${str(d.source) || 'monitor'} cross-check is watching again` : 'The network monitor started watching';
      break;
    case 'monitor_stopped':
      text = `The network monitor stopped${Number.isFinite(Number(d.blockedAttempts)) ? ` (${Number(d.blockedAttempts)} blocked attempt${Number(d.blockedAttempts) === 1 ? '' : 's'} while it ran)` : ''}`;
      break;
    case 'monitor_degraded': {
      const inactive = d.inactive && typeof d.inactive === 'object' ? Object.keys(d.inactive) : [];
      text = `Part of the network monitor is not watching${inactive.length ? `: ${inactive.join(', ')}` : str(d.source) ? `: ${str(d.source)}` : ''}`;
      break;
    }
    case 'events_dropped':
      text = `${str(d.dropped) || str(d.count) || 'Some'} security events were not stored (too many at once); their count is kept`;
      break;
    case 'event_flood':
      text = withTail('A flood of identical events was folded into one row', [who, where]);
      break;
    case 'non_loopback_bind':
      text = `The server listens on ${destinationOf(d) || 'a non-loopback address'}: other machines can reach it`;
      break;
    case 'background_fault':
      text = withTail(`A background task of the server failed${str(d.task) ? ` (${str(d.task)})` : ''}; the server carried on`, [str(d.error), count]);
      break;
    // The jail's escape attempts (each its own type) and the glibc nscd probe.
    case 'escape_setns':
    case 'escape_pidfd_getfd':
    case 'escape_ptrace':
    case 'escape_seccomp_listener':
      text = withTail(`${subject} ${ESCAPE_WORDS[ev.type]}`, [blockedOutcome(d), job, count]);
      break;
    case 'escape_foreign_syscall':
      text = withTail(`${subject} made a system call of another processor architecture${str(d.arch) ? ` (${str(d.arch)})` : ''} to get around the filter`, ['the process was killed', job, count]);
      break;
    case 'nscd_probe':
      text = `${subject} asked the system's name cache (nscd), as every lookup of a user or host name does — refused; not counted`;
      break;
    case 'plugin_refused':
      // A converter plugin that is not the user's own alone (issue 13 item 3): not loaded.
      text = withTail(`A converter plugin${str(d.plugin) ? ` (${str(d.plugin)})` : ''} was not loaded: it is not yours alone`, [str(d.reason), count]);
      break;
    case 'server_started':
      text = `Hermetic started${destinationOf(d) ? ` on ${destinationOf(d)}` : ''}${str(d.strictness) ? ` (strictness ${str(d.strictness)})` : ''}`;
      break;
    default: {
      // A type this page does not know (e.g. a new escape-attempt detector): say what we can.
      const how = str(d.syscall) || str(d.api) || str(d.kind);
      text = withTail(`${humanType(ev && ev.type)}${who ? ` by ${who}` : ''}${how ? ` (${how})` : ''}${where ? ` towards ${where}` : ''}`, [d.terminated === true ? 'the process was stopped' : null, job, count]);
    }
  }
  return { text, tone };
}

/** Details worth a line of their own, in a stable order; the rest follow. */
const DETAIL_ORDER = ['detector', 'culprit', 'package', 'program', 'exe', 'argv0', 'parents', 'api', 'kind', 'syscall', 'family', 'destination', 'host', 'port', 'dnsName', 'pid', 'jobId', 'violations', 'terminated', 'count', 'lastSeen'];

function detailValue(k, v) {
  if (k === 'parents' && Array.isArray(v)) {
    return v.map((p) => (p && typeof p === 'object' ? `${str(p.program) || '?'}${str(p.pid) ? ` (${str(p.pid)})` : ''}` : String(p))).join(' ← ') || '—';
  }
  if (v === null || v === undefined) return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** [key, text] pairs for the "details" disclosure. */
export function detailRows(details) {
  const d = details && typeof details === 'object' ? details : {};
  const keys = [...DETAIL_ORDER.filter((k) => k in d), ...Object.keys(d).filter((k) => !DETAIL_ORDER.includes(k)).sort()];
  return keys.map((k) => [k, detailValue(k, d[k])]);
}

// ---- isolation -----------------------------------------------------------------------------

export function levelWords(level) {
  if (level === 'kernel-enforced') return 'the kernel keeps conversions off the network';
  if (level === 'runtime-only') return 'only the in-process guard is in force (no kernel layer)';
  return 'not verified';
}

/** The badge: { tone: 'ok' | 'warn' | 'bad' | 'unknown', text, explain }. */
export function badgeFor(iso) {
  if (!iso) return { tone: 'unknown', text: 'checking isolation…', explain: '' };
  const n = Number(iso.blockedAttempts || 0);
  const attempts = `${n} blocked ${n === 1 ? 'attempt' : 'attempts'}`;
  if (iso.verified && iso.level === 'kernel-enforced') {
    return { tone: 'ok', text: `Isolated · ${attempts}`, explain: 'Conversions run in sandboxed worker processes that the kernel keeps off the network. This was tested when the server started, with a real attempt that had to fail.' };
  }
  if (iso.verified && iso.level === 'runtime-only') {
    return { tone: 'warn', text: `Partly isolated · ${attempts}`, explain: 'No kernel layer works on this machine, so only Hermetic’s in-process guard stops network use. It catches ordinary code, but a native program could get past it.' };
  }
  return { tone: 'bad', text: `Isolation not verified · ${attempts}`, explain: `Hermetic could not confirm that conversions are kept off the network${iso.reason ? ` (${iso.reason})` : ''}.` };
}

const KERNEL_LAYERS = ['namespace', 'seccomp', 'landlock'];

export const LAYER_TITLES = { namespace: 'Private network', mountns: 'Hidden system sockets', landlock: 'Landlock', seccomp: 'Socket filter (seccomp)', 'node-permission': 'Node.js permissions' };

/**
 * One layer for a non-expert: { state: 'on' | 'off-ok' | 'off-bad', title, text }.
 * `ctx`: { layers (all of them), nodePermission: the node.permission check ({status, detail, data}) or null }.
 * 'off-ok' is a layer that is off where that does not matter (other layers do its job) — it
 * is shown as such, never as a red cross next to a green badge.
 */
export function layerSentence(layer, ctx = {}) {
  const layers = Array.isArray(ctx.layers) ? ctx.layers : [];
  const on = (n) => layers.some((l) => l.name === n && l.inForce);
  const kernelOn = KERNEL_LAYERS.filter((n) => n !== layer.name && on(n));
  const covered = kernelOn.length > 0;
  const others = kernelOn.map((n) => LAYER_TITLES[n].toLowerCase()).join(' and ');
  const title = LAYER_TITLES[layer.name] || layer.name;
  const offState = covered ? 'off-ok' : 'off-bad';
  switch (layer.name) {
    case 'namespace':
      return layer.inForce
        ? { state: 'on', title, text: 'Each conversion runs in a private network of its own, with nothing in it: there is no route to this machine’s network or the internet.' }
        : { state: offState, title, text: `This system does not let Hermetic give conversions a private network.${covered ? ` That is fine: the ${others} still refuse them any connection.` : ' Nothing in the kernel stands in for it here.'}` };
    case 'mountns':
      return layer.inForce
        ? { state: 'on', title, text: 'Conversions cannot even see the sockets of system services (DNS caches, D-Bus, Docker) that could relay traffic.' }
        : { state: on('seccomp') ? 'off-ok' : offState, title, text: `System service sockets are not hidden from conversions here.${on('seccomp') ? ' That is fine: the socket filter refuses them any connection to such a socket.' : ''}` };
    case 'landlock':
      return layer.inForce
        ? { state: 'on', title, text: 'A second kernel rule (Landlock) forbids conversions any TCP connection and limits where they may write.' }
        : { state: offState, title, text: `This kernel has no usable Landlock.${covered ? ` That is fine: the ${others} already keep conversions off the network; Landlock would be one more wall.` : ''}` };
    case 'seccomp':
      return layer.inForce
        ? { state: 'on', title, text: 'The kernel refuses conversions every kind of network socket, and Hermetic is told about each try (that is what the event list below shows).' }
        : { state: offState, title, text: `The kernel socket filter is not available here.${covered ? ` That is fine: the ${others} still keep conversions off the network.` : ''}` };
    case 'node-permission': {
      const check = ctx.nodePermission || null;
      const node = check && check.data && typeof check.data.node === 'string' ? check.data.node : null;
      if (check && check.status === 'pass') {
        return { state: 'on', title, text: `Node.js’s own permission model${node ? ` (${node})` : ''} refuses network functions inside every converter worker.${layer.inForce ? '' : ' (The start-up test leaves it off on purpose, to prove the kernel layers hold on their own.)'}` };
      }
      if (layer.inForce) return { state: 'on', title, text: 'Node.js’s own permission model refuses network functions inside every converter worker.' };
      const old = node ? `This Node.js (${node}) cannot deny network access with its permission model — that arrived in Node.js 25.` : 'Node.js’s permission model cannot deny network access here (it needs Node.js 25 or later).';
      return { state: covered || on('seccomp') ? 'off-ok' : 'off-bad', title, text: `${old} ${covered || on('seccomp') ? 'That is fine: the kernel layers above already keep conversions off the network.' : 'Only the in-process guard stands in for it.'}` };
    }
    default:
      return { state: layer.inForce ? 'on' : 'off-bad', title, text: String(layer.reason || '') };
  }
}

// ---- errors ----------------------------------------------------------------------------------

const ERROR_WORDS = {
  UNSUPPORTED_FORMAT: 'Hermetic does not convert this kind of file.',
  FORMAT_MISMATCH: 'The file’s name and its content disagree about what kind of file it is.',
  NO_CONVERTER: 'No converter can turn this file into that format.',
  INVALID_OPTIONS: 'One of the options is not valid.',
  INVALID_INPUT: 'The file could not be read: it may be damaged, or not what its name says.',
  INPUT_TOO_LARGE: 'The file is larger than this server accepts.',
  ARCHIVE_BOMB: 'The file would unpack to far more data than it holds (a “zip bomb”), so it was refused.',
  UNSAFE_NAME: 'The file name is not safe to use.',
  TOO_COMPLEX: 'The file is too complex to convert safely.',
  OUTPUT_TOO_LARGE: 'The result would be larger than allowed.',
  INVALID_OUTPUT: 'The converter produced an invalid result.',
  JOB_TIMEOUT: 'The conversion took too long and was stopped.',
  OUT_OF_MEMORY: 'The conversion needed more memory than allowed and was stopped.',
  NETWORK_VIOLATION: 'The converter tried to use the network, so it was stopped. Nothing left this machine.',
  SANDBOX_DENIED: 'The sandbox refused something the converter tried to do.',
  WORKER_CRASHED: 'The converter stopped unexpectedly.',
  QUEUE_FULL: 'Too many conversions are waiting. Try again in a moment.',
  ISOLATION_INSUFFICIENT: 'Conversions are switched off: the isolation this server requires is not in force.',
  UNAVAILABLE: 'This conversion needs a program that is not installed on this machine (the details say which package).',
  SHUTTING_DOWN: 'The server is shutting down.',
  CANCELLED: 'The conversion was cancelled.',
  RESULT_GONE: 'The result was already downloaded or has expired.',
  RESULT_NOT_READY: 'The result is not ready yet.',
  JOB_NOT_FOUND: 'The server no longer knows this conversion (was it restarted?).',
  TOKEN_REQUIRED: 'Not signed in: open the link that `hermetic serve` printed.',
  TOKEN_INVALID: 'The sign-in token is wrong: open the link that `hermetic serve` printed again.',
  RATE_LIMITED: 'Too many requests at once. Wait a moment and try again.',
  TOO_MANY_FILES: 'Too many files in one go.',
  NETWORK: 'The Hermetic server could not be reached (is it still running?).',
};

/** { words, code, detail } for an API error object ({ code, message }) or a bare code. */
export function errorWords(err) {
  const code = err && typeof err === 'object' ? String(err.code || 'FAILED') : String(err || 'FAILED');
  const detail = err && typeof err === 'object' && typeof err.message === 'string' ? err.message : '';
  return { words: ERROR_WORDS[code] || 'The conversion failed.', code, detail };
}
