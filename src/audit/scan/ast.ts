// The AST rules: parse a file (ESM or CJS) with acorn and walk it once, recording imports of
// network modules (telling "uses http to make requests" apart from "reads http.STATUS_CODES"),
// network globals, network programs started through child_process, P2P imports, and the
// things static analysis cannot follow (computed require/import, eval, new Function).
import * as acorn from 'acorn';
import * as walk from 'acorn-walk';
import type { RawFinding } from './raw.js';
import type { RuleId } from '../types.js';
import {
  CHILD_PROCESS_CALLS, GLOBAL_OBJECTS, NETWORK_BINDINGS, NETWORK_GLOBALS, REQUIRE_NAMES,
  classifySpecifier, isPureMember, moduleRoot, networkProgramIn, signatureOf,
} from './lexicon.js';

export type ParseMode = 'module' | 'script';

export interface ParseOk { ok: true; ast: acorn.Program; mode: ParseMode }
export interface ParseFailed { ok: false; error: string }

// No `locations`: a Position object per node doubles the garbage on big bundles; line and
// column are computed from the offset for the few nodes that become findings.
const BASE: acorn.Options = { ecmaVersion: 'latest', allowHashBang: true };

/**
 * ESM and CJS both end in .js, so try the likelier grammar first and fall back to the other:
 * module grammar is strict (rejects `with`, legacy octal, top-level `return`), script grammar
 * rejects `import`/`export`.
 */
export function parseSource(text: string, prefer: ParseMode): ParseOk | ParseFailed {
  const order: ParseMode[] = prefer === 'module' ? ['module', 'script'] : ['script', 'module'];
  let firstError = '';
  for (const mode of order) {
    try {
      const ast = acorn.parse(text, {
        ...BASE, sourceType: mode,
        ...(mode === 'script' ? { allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true } : {}),
      });
      return { ok: true, ast, mode };
    } catch (e) {
      if (!firstError) firstError = `${mode}: ${(e as Error).message}`;
    }
  }
  return { ok: false, error: firstError };
}

function stringValue(node: acorn.AnyNode | null | undefined): string | null {
  if (!node) return null;
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0]?.value.cooked ?? null;
  return null;
}

/** A string built from literals only ('fe' + 'tch', `fe${'tch'}`): what obfuscation looks like. */
function foldedString(node: acorn.AnyNode | null | undefined, depth = 0): string | null {
  if (!node || depth > 20) return null;
  const plain = stringValue(node);
  if (plain !== null) return plain;
  if (node.type === 'BinaryExpression' && node.operator === '+') {
    const l = foldedString(node.left as acorn.AnyNode, depth + 1);
    const r = l === null ? null : foldedString(node.right as acorn.AnyNode, depth + 1);
    return l !== null && r !== null ? l + r : null;
  }
  if (node.type === 'TemplateLiteral') {
    let out = '';
    for (let i = 0; i < node.quasis.length; i++) {
      out += node.quasis[i]?.value.cooked ?? '';
      const e = node.expressions[i];
      if (e) { const v = foldedString(e as acorn.AnyNode, depth + 1); if (v === null) return null; out += v; }
    }
    return out;
  }
  return null;
}

function propName(node: acorn.MemberExpression): string | null {
  if (!node.computed && node.property.type === 'Identifier') return node.property.name;
  if (node.computed) return stringValue(node.property as acorn.AnyNode);
  return null;
}

interface Binding { name: string; builtin: string; spec: string; at: number; how: string }

class FileScan {
  constructor(private readonly text: string) {}
  private lineStarts: number[] | null = null;

  /** 1-based line and column of an offset (line starts computed once, on first use). */
  private lineCol(offset: number): { line: number; column: number } {
    if (!this.lineStarts) {
      this.lineStarts = [0];
      for (let i = this.text.indexOf('\n'); i !== -1; i = this.text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
    }
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] as number) <= offset) lo = mid; else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.lineStarts[lo] as number) + 1 };
  }

  private readonly found = new Map<string, RawFinding>();
  private readonly bindings: Binding[] = [];
  private readonly bareRefs = new Set<string>();
  private readonly memberProps = new Map<string, Set<string>>();
  private readonly declared = new Set<string>();
  private readonly globalRefs: Array<{ name: string; at: number }> = [];
  private readonly requireAliases = new Set<string>();

  add(rule: RuleId, subject: string, message: string, loc: number | undefined): void {
    const key = `${rule}\0${subject}`;
    const prev = this.found.get(key);
    if (prev) { prev.count = (prev.count ?? 1) + 1; return; }
    this.found.set(key, { rule, subject, message, ...(loc !== undefined ? this.lineCol(loc) : {}), count: 1 });
  }

  private isRequireCallee(callee: acorn.AnyNode): boolean {
    if (callee.type === 'Identifier') return REQUIRE_NAMES.has(callee.name) || this.requireAliases.has(callee.name);
    // module.require('x'); Module._load('x') / module.constructor._load('x') (the loader itself).
    if (callee.type === 'MemberExpression') {
      const prop = propName(callee);
      return prop === '_load' || (callee.object.type === 'Identifier' && callee.object.name === 'module' && prop === 'require');
    }
    // createRequire(import.meta.url)('http')
    if (callee.type === 'CallExpression') return isCreateRequire(callee);
    return false;
  }

  /** A module specifier was loaded; `usage` says how its value is used. */
  private loaded(spec: string, loc: number | undefined, how: string, usage: Usage): void {
    const kind = classifySpecifier(spec);
    if (!kind) return;
    const bare = spec.replace(/^node:/, '');
    if (kind === 'p2p') { this.add('p2p-import', moduleRoot(bare) ?? bare, `${how} P2P module '${spec}'`, loc); return; }
    if (kind === 'signature') {
      // Code that loads a telemetry / update-check / downloader package, installed or not
      // (an optional `try { require('x') } catch {}` is how such code usually hides).
      const pkg = moduleRoot(bare) ?? bare;
      const sig = signatureOf(pkg);
      if (sig) this.add(`signature/${sig.category}` as RuleId, pkg, `${how} '${spec}' (${sig.why})`, loc);
      return;
    }
    if (kind === 'child_process') { this.add('child-process', 'child_process', `${how} child_process`, loc); return; }
    if (kind === 'network-package') { this.add('network-module', moduleRoot(bare) ?? bare, `${how} network client '${spec}'`, loc); return; }
    const builtin = moduleRoot(bare) as string;
    if (usage.kind === 'members' && usage.members.every((m) => isPureMember(builtin, m))) {
      this.add('network-module-metadata', builtin, `${how} '${spec}' only for ${usage.members.join(', ') || 'nothing'}`, loc);
    } else if (usage.kind === 'binding' && loc !== undefined) {
      this.bindings.push({ name: usage.name, builtin, spec, at: loc, how });
    } else {
      this.add('network-module', builtin, `${how} '${spec}'`, loc);
    }
  }

  run(ast: acorn.Program): RawFinding[] {
    const visitors: walk.AncestorVisitors<unknown> = {
      ImportDeclaration: (node) => {
        const spec = stringValue(node.source);
        if (spec === null) return;
        this.loaded(spec, node.start, 'imports', importUsage(node));
      },
      ExportAllDeclaration: (node) => {
        const spec = stringValue(node.source);
        if (spec !== null) this.loaded(spec, node.start, 're-exports', { kind: 'opaque' });
      },
      ExportNamedDeclaration: (node) => {
        const spec = stringValue(node.source ?? null);
        if (spec !== null) this.loaded(spec, node.start, 're-exports', { kind: 'opaque' });
      },
      ImportExpression: (node) => {
        const spec = stringValue(node.source);
        if (spec === null) this.add('dynamic-require', 'import()', 'import() of a computed module name', node.start);
        else this.loaded(spec, node.start, 'imports (dynamic import)', { kind: 'opaque' });
      },
      CallExpression: (node, _st, ancestors) => this.call(node, ancestors),
      NewExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'Function') this.add('dynamic-code', 'Function', 'new Function(…) builds code at run time', node.start);
        this.spawnArgs(node.arguments, node.start, node.callee);
      },
      MemberExpression: (node, _st, ancestors) => {
        if (node.object.type !== 'Identifier' || isTypeofOperand(node, ancestors)) return;
        const obj = node.object.name;
        const prop = propName(node);
        if (prop === null) {
          // globalThis[name]: a global chosen at run time (how obfuscated code reaches fetch).
          if (!GLOBAL_OBJECTS.has(obj)) return;
          const folded = foldedString(node.property as acorn.AnyNode);
          const src = this.text.slice(node.start, Math.min(node.end, node.start + 80));
          this.add('dynamic-access', `${obj}[…]`, `${src} reads a global by a computed name${folded !== null ? ` (= ${obj}.${folded})` : ''}`, node.start);
          if (folded !== null && NETWORK_GLOBALS.has(folded)) this.add('network-global', folded, `uses ${obj}.${folded} through the computed access ${src}`, node.start);
          return;
        }
        if (GLOBAL_OBJECTS.has(obj) && NETWORK_GLOBALS.has(prop)) this.add('network-global', prop, `uses ${obj}.${prop}`, node.start);
        else if (obj === 'navigator' && prop === 'sendBeacon') this.add('network-global', 'sendBeacon', 'uses navigator.sendBeacon', node.start);
      },
      Identifier: (node, _st, ancestors) => {
        if (NETWORK_GLOBALS.has(node.name) && !isTypeofOperand(node, ancestors)) this.globalRefs.push({ name: node.name, at: node.start });
      },
    };
    // acorn-walk calls the VariablePattern visitor for every declared name; its typings omit it.
    (visitors as Record<string, (node: acorn.Identifier) => void>).VariablePattern = (node) => { this.declared.add(node.name); };
    walk.ancestor(ast, visitors);
    // Only files that bound a network module to a name pay for a second walk, which records
    // how each such name is used anywhere in the file (before or after the binding).
    if (this.bindings.length) this.collectUses(ast, new Set(this.bindings.map((b) => b.name)));
    return this.finish();
  }

  private collectUses(ast: acorn.Program, names: Set<string>): void {
    walk.ancestor(ast, {
      Identifier: (node, _st, ancestors) => {
        if (!names.has(node.name)) return;
        const parent = ancestors[ancestors.length - 2];
        const prop = parent && parent.type === 'MemberExpression' && parent.object === node ? propName(parent) : null;
        if (prop === null) { this.bareRefs.add(node.name); return; }
        let set = this.memberProps.get(node.name);
        if (!set) this.memberProps.set(node.name, (set = new Set()));
        set.add(prop);
      },
    });
  }

  private call(node: acorn.CallExpression, ancestors: acorn.AnyNode[]): void {
    const callee = node.callee as acorn.AnyNode;
    const loc = node.start;
    if (this.isRequireCallee(callee)) {
      const arg = node.arguments[0] as acorn.AnyNode | undefined;
      const spec = stringValue(arg);
      if (spec === null) {
        if (arg) this.add('dynamic-require', 'require()', 'require() of a computed module name', loc);
        return;
      }
      this.loaded(spec, loc, 'requires', requireUsage(node, ancestors));
      return;
    }
    // `const req = createRequire(import.meta.url)` makes `req` a require.
    if (isCreateRequire(node)) {
      const parent = ancestors[ancestors.length - 2];
      if (parent?.type === 'VariableDeclarator' && parent.id.type === 'Identifier') this.requireAliases.add(parent.id.name);
      return;
    }
    if (callee.type === 'Identifier' && callee.name === 'eval') this.add('dynamic-code', 'eval', 'eval(…) runs code built at run time', loc);
    if (callee.type === 'Identifier' && callee.name === 'Function') this.add('dynamic-code', 'Function', 'Function(…) builds code at run time', loc);
    if (callee.type === 'MemberExpression') {
      const prop = propName(callee);
      const obj = callee.object.type === 'Identifier' ? callee.object.name : '';
      if ((prop === 'binding' || prop === '_linkedBinding') && obj === 'process') this.binding(node, loc);
      if (prop === 'dlopen' && obj === 'process') this.add('dynamic-code', 'process.dlopen', 'process.dlopen() loads native code from a path chosen at run time', loc);
    } else if (callee.type === 'Identifier' && callee.name === 'internalBinding') this.binding(node, loc);
    this.spawnArgs(node.arguments, loc, callee);
  }

  private binding(node: acorn.CallExpression, loc: number | undefined): void {
    const name = stringValue(node.arguments[0] as acorn.AnyNode | undefined);
    if (name && NETWORK_BINDINGS.has(name)) this.add('network-module', `binding:${name}`, `loads the native network binding '${name}'`, loc);
  }

  /** exec('curl …'), spawn('wget', …), spawn('sh', ['-c', 'curl …']). */
  private spawnArgs(args: Array<acorn.Expression | acorn.SpreadElement>, loc: number | undefined, callee: acorn.AnyNode | acorn.Super): void {
    const name = callee.type === 'Identifier' ? callee.name : callee.type === 'MemberExpression' ? propName(callee) : null;
    if (!name || !CHILD_PROCESS_CALLS.has(name)) return;
    const strings: string[] = [];
    const first = stringValue(args[0] as acorn.AnyNode | undefined);
    if (first !== null) strings.push(first);
    const second = args[1] as acorn.AnyNode | undefined;
    if (second?.type === 'ArrayExpression') {
      for (const el of second.elements) {
        const s = stringValue(el as acorn.AnyNode | null);
        if (s !== null) strings.push(s);
      }
    }
    for (const s of strings) {
      const prog = networkProgramIn(s);
      if (prog) { this.add('network-program', prog, `${name}() starts the network program '${prog}'`, loc); return; }
    }
  }

  private finish(): RawFinding[] {
    for (const b of this.bindings) {
      const props = this.memberProps.get(b.name);
      const pure = !this.bareRefs.has(b.name) && [...(props ?? [])].every((p) => isPureMember(b.builtin, p));
      if (pure) this.add('network-module-metadata', b.builtin, `${b.how} '${b.spec}' as ${b.name} only for ${[...(props ?? [])].join(', ') || 'nothing (unused)'}`, b.at);
      else this.add('network-module', b.builtin, `${b.how} '${b.spec}' as ${b.name}`, b.at);
    }
    for (const g of this.globalRefs) {
      if (!this.declared.has(g.name)) this.add('network-global', g.name, `uses the global ${g.name}`, g.at);
    }
    return [...this.found.values()];
  }
}

/** `typeof fetch` / `typeof self.importScripts`: feature detection, not use. */
function isTypeofOperand(node: acorn.AnyNode, ancestors: acorn.AnyNode[]): boolean {
  const parent = ancestors[ancestors.length - 2];
  return parent?.type === 'UnaryExpression' && parent.operator === 'typeof' && parent.argument === node;
}

type Usage = { kind: 'members'; members: string[] } | { kind: 'binding'; name: string } | { kind: 'opaque' };

function isCreateRequire(node: acorn.AnyNode): boolean {
  if (node.type !== 'CallExpression') return false;
  const c = node.callee;
  return (c.type === 'Identifier' && c.name === 'createRequire') || (c.type === 'MemberExpression' && propName(c) === 'createRequire');
}

function importUsage(node: acorn.ImportDeclaration): Usage {
  const members: string[] = [];
  let binding: string | null = null;
  for (const s of node.specifiers) {
    if (s.type === 'ImportSpecifier') {
      const imported = s.imported.type === 'Identifier' ? s.imported.name : String(s.imported.value);
      members.push(imported);
    } else {
      if (binding !== null) return { kind: 'opaque' };
      binding = s.local.name;
    }
  }
  if (binding !== null) return members.length ? { kind: 'opaque' } : { kind: 'binding', name: binding };
  return { kind: 'members', members };
}

function requireUsage(node: acorn.CallExpression, ancestors: acorn.AnyNode[]): Usage {
  const parent = ancestors[ancestors.length - 2];
  if (!parent) return { kind: 'opaque' };
  if (parent.type === 'MemberExpression' && parent.object === node) {
    const p = propName(parent);
    return p === null ? { kind: 'opaque' } : { kind: 'members', members: [p] };
  }
  if (parent.type === 'VariableDeclarator' && parent.init === node) {
    if (parent.id.type === 'Identifier') return { kind: 'binding', name: parent.id.name };
    if (parent.id.type === 'ObjectPattern') {
      const members: string[] = [];
      for (const p of parent.id.properties) {
        if (p.type !== 'Property' || p.computed || p.key.type !== 'Identifier') return { kind: 'opaque' };
        members.push(p.key.name);
      }
      return { kind: 'members', members };
    }
  }
  if (parent.type === 'AssignmentExpression' && parent.right === node && parent.left.type === 'Identifier') {
    return { kind: 'binding', name: parent.left.name };
  }
  return { kind: 'opaque' };
}

export function astFindings(ast: acorn.Program, text: string): RawFinding[] {
  return new FileScan(text).run(ast);
}
