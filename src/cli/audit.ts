// `hermetic audit`: the dependency audit of an installed tree (by default Hermetic's own).
// Reads files only: no network, no child processes, nothing is installed or executed.
import { existsSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { EXIT, UsageError, type Command } from './command.js';
import { packageRoot } from '../version.js';
import { AllowlistError, ManifestError, SEVERITIES, renderJson, renderRules, renderSarif, renderTable, runAuditParallel, type Severity, type SystemToolEntry } from '../audit/index.js';
import { detectSystemTools } from '../convert/system-tools.js';
import { spawn as jailSpawn } from '../isolation/jail/index.js';

const usage = `Usage: hermetic audit [options]

Audits an installed dependency tree for code that could reach the network: telemetry,
update-check, P2P and downloader packages; install scripts; native addons; imports of
net/tls/http(s)/http2/dgram/dns and HTTP clients; fetch/WebSocket/XMLHttpRequest/sendBeacon;
network programs started through child_process. It only reads files — except for the
system-tools section (Hermetic's own installation only): each program the converters run
(LibreOffice, pandoc, ImageMagick, qpdf, tesseract) is asked for its version once, under the
jail (no network, writes only to a throw-away folder); --no-system-tools skips it.

Options:
  --prod               production dependencies only
  --all                production + dev dependencies (the default)
  --fail-on LEVEL      lowest severity that fails: critical, high (default), medium or info
  --dir PATH           audit another project: its folder, or its node_modules folder; without a
                       package.json every installed package counts (e.g. --dir /usr/lib/node_modules)
  --root DIR           same as --dir (default: this Hermetic installation, ${packageRoot})
  --entry FILE         the project's entry file (repeatable; default: package.json bin, main, exports)
  --cache DIR          remember AST findings of unchanged files in DIR (keyed by content hash and
                       rule code; off by default, so a plain audit writes nothing), e.g.
                       --cache node_modules/.cache/hermetic-audit
  --assume-reachable   skip the reachability analysis: every file counts as reachable (slower, stricter)
  --format FMT         table (default), json or sarif (SARIF 2.1.0)
  --json, --sarif      shorthands for --format json / --format sarif
  -o, --output FILE    write the report to FILE instead of standard output
  --allow FILE         waiver file (default: ROOT/audit-allow.json when it exists)
  --no-allow           ignore waivers: show every finding
  --deep               parse every file, reachable or not (default: only reachable files with a
                       trigger token are parsed; the rest get the lexical rules)
  --max-parse-mb N     files larger than N MiB get lexical rules only (default 8)
  --jobs N             parse in N worker threads (default 1: in-thread; helps only on idle multi-core machines)
  --strict-waivers     also fail (exit 1) on stale waivers: package audited, waiver matched nothing
  --verbose            list every waived finding, every note and the URL hosts seen
  --rules              list the rules and exit
  --no-system-tools    leave out the system-tools section (nothing is executed at all)

Severity: critical — telemetry, update check, P2P or runtime download reachable from the
project's entry points; high — install script, or network builtin/global/native code reachable
in production; medium — the same in dev-only packages or unreachable files; info — URLs in
comments, what static analysis could not follow. Reachability follows require, import,
import(), require.resolve and worker paths with literal names from the entry points; a
computed name makes its whole folder count as reachable.

What is audited: every package reachable from ROOT/package.json (found the way Node resolves
them), their package.json scripts, native code and JavaScript (.js/.mjs/.cjs and #!node
scripts), and package-lock.json provenance. ROOT's own code is not audited.

Waivers (audit-allow.json): {"waivers": [{"package": "NAME", "rule": "RULE", "reason": "why,
in a sentence", "paths": ["test/"], "subjects": ["http"], "versions": ["1.2.3"]}]} — one
package and one rule each, no wildcards; paths/subjects/versions are optional narrowing.

Exit codes: 0 no unwaived finding at or above --fail-on, 1 such findings (or an expired
waiver), 2 usage or waiver-file error.`;

async function systemToolEntries(): Promise<SystemToolEntry[]> {
  const r = await detectSystemTools({ spawn: jailSpawn });
  return r.tools.map((t) => ({ id: t.id, name: t.name, available: t.available, version: t.version, path: t.path, apt: t.apt, reason: t.reason }));
}

export const command: Command = {
  name: 'audit',
  summary: 'audit the dependency tree for network, telemetry, P2P and install-time code',
  usage,
  async run(argv: string[]): Promise<number> {
    let values;
    try {
      ({ values } = parseArgs({
        args: argv, allowPositionals: false, strict: true,
        options: {
          prod: { type: 'boolean' }, all: { type: 'boolean' }, 'fail-on': { type: 'string' }, dir: { type: 'string' },
          entry: { type: 'string', multiple: true }, 'assume-reachable': { type: 'boolean' }, cache: { type: 'string' }, root: { type: 'string' }, format: { type: 'string' },
          json: { type: 'boolean' }, sarif: { type: 'boolean' }, output: { type: 'string', short: 'o' },
          allow: { type: 'string' }, 'no-allow': { type: 'boolean' }, deep: { type: 'boolean' },
          'max-parse-mb': { type: 'string' }, verbose: { type: 'boolean' }, rules: { type: 'boolean' }, jobs: { type: 'string' },
          'strict-waivers': { type: 'boolean' }, 'no-system-tools': { type: 'boolean' },
        },
      }));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (values.rules) { process.stdout.write(renderRules()); return EXIT.OK; }
    const format = values.json ? 'json' : values.sarif ? 'sarif' : (values.format ?? 'table');
    if (!['table', 'json', 'sarif'].includes(format) || (values.json && values.sarif)) throw new UsageError(`--format must be one of table, json, sarif`);
    if (values.allow && values['no-allow']) throw new UsageError('--allow and --no-allow exclude each other');
    let maxParseBytes: number | undefined;
    if (values['max-parse-mb'] !== undefined) {
      const n = Number(values['max-parse-mb']);
      if (!Number.isFinite(n) || n <= 0) throw new UsageError('--max-parse-mb must be a positive number');
      maxParseBytes = Math.round(n * 1048576);
    }
    // Default 1: on a busy 2-core machine worker threads measured slower (bench/audit.ts).
    const jobs = values.jobs === undefined ? 1 : Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > availableParallelism() * 4) throw new UsageError(`--jobs must be a whole number from 1 to ${availableParallelism() * 4}`);
    if (values.prod && values.all) throw new UsageError('--prod and --all exclude each other');
    if (values.dir && values.root) throw new UsageError('--dir and --root are the same option; give one');
    const failOn = (values['fail-on'] ?? 'high') as Severity;
    if (!SEVERITIES.includes(failOn)) throw new UsageError(`--fail-on must be one of ${[...SEVERITIES].reverse().join(', ')}`);
    let root = resolve(values.dir ?? values.root ?? packageRoot);
    // --dir some/project/node_modules means the project that folder belongs to.
    if (basename(root) === 'node_modules' && !existsSync(join(root, 'package.json'))) root = dirname(root);
    // Without a package.json, every package installed in ROOT/node_modules is audited (e.g. a global prefix).
    if (!existsSync(join(root, 'package.json')) && !existsSync(join(root, 'node_modules'))) throw new UsageError(`${root} has neither package.json nor node_modules (give the project folder, or its node_modules)`);
    const defaultAllow = join(root, 'audit-allow.json');
    const allowFile = values['no-allow'] ? null : values.allow ? resolve(values.allow) : existsSync(defaultAllow) ? defaultAllow : null;

    let report;
    try {
      report = await runAuditParallel({
        root, prod: values.prod === true, deep: values.deep === true, allowFile, failOn, assumeReachable: values['assume-reachable'] === true,
        ...(values.cache ? { cacheDir: resolve(values.cache) } : {}),
        ...(values.entry?.length ? { entries: values.entry } : {}), ...(maxParseBytes ? { maxParseBytes } : {}),
      }, jobs);
    } catch (e) {
      if (e instanceof AllowlistError || e instanceof ManifestError || (e instanceof Error && /^entry .* does not exist$/.test(e.message))) {
        process.stderr.write(`hermetic audit: ${e.message}\n`);
        return EXIT.USAGE;
      }
      throw e;
    }
    // The programs Hermetic's converters run belong to Hermetic's installation, not to another --dir.
    if (root === resolve(packageRoot) && values['no-system-tools'] !== true) report.systemTools = await systemToolEntries();
    const text = format === 'json' ? renderJson(report)
      : format === 'sarif' ? `${JSON.stringify(renderSarif(report), null, 2)}\n`
        : renderTable(report, { verbose: values.verbose === true, allowFile });
    const stale = report.unusedWaivers.filter((w) => w.status === 'stale').length;
    const failed = !report.ok || (values['strict-waivers'] === true && stale > 0);
    if (values.output) {
      writeFileSync(values.output, text);
      process.stdout.write(`hermetic audit: ${format} report written to ${values.output} — ${report.ok ? 'OK' : `FAIL (${report.findings.length} unwaived finding(s))`}\n`);
    } else process.stdout.write(text);
    if (report.ok && failed) process.stderr.write(`hermetic audit: FAIL — ${stale} stale waiver(s) (--strict-waivers)\n`);
    return failed ? EXIT.FAILURE : EXIT.OK;
  },
};
