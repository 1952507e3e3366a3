import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import type { ESLint, Rule } from 'eslint';
import { repoRoot } from '../lib/paths.ts';

/**
 * The ESLint rule `govdesk/layering`: every file belongs to one layer, and each
 * layer lists what it MAY import — other layers, packages, Node builtins,
 * electron. Anything not listed is an error. An allow-list, the way VS
 * Code's `code-import-patterns` guards its layers: a new folder or package is
 * refused until someone decides where it belongs, whereas a deny-list lets
 * through everything nobody thought of.
 *
 * The table itself is in eslint.config.js; docs/architecture.md explains it.
 */

export interface Layer {
  name: string;
  /** Repository paths the layer holds: folders end with '/', anything else is one file. The longest match wins. */
  holds: string[];
  /** Why the layer's imports are limited; ends every message about it. */
  why: string;
  may: {
    /** Names of other layers whose files it may import (its own are always allowed). */
    layers?: string[];
    /** Package names, `@scope/*` for a whole scope, or '*' for any package (electron and Node builtins aside). */
    packages?: string[] | '*';
    node?: boolean;
    electron?: boolean;
  };
}

const LAYERING = 'GovDesk layering (docs/architecture.md)';
const nodeBuiltins = new Set(builtinModules);

/** The npm workspaces by package name, so that `@govdesk/shared/x` is checked like the file it resolves to. */
function workspacePackages(): Map<string, { dir: string; exports: Record<string, string> }> {
  const read = (file: string) => JSON.parse(readFileSync(path.join(repoRoot, file), 'utf8')) as { name: string; workspaces?: string[]; exports?: Record<string, string> };
  const packages = new Map<string, { dir: string; exports: Record<string, string> }>();
  for (const dir of read('package.json').workspaces ?? []) {
    const pkg = read(path.join(dir, 'package.json'));
    packages.set(pkg.name, { dir, exports: pkg.exports ?? {} });
  }
  return packages;
}
const workspaces = workspacePackages();

/** The package a bare specifier names: `@scope/name` or `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

/** The repository path a workspace import resolves to, through the package's `exports` (`.` and `./*` patterns). */
function workspaceTarget(specifier: string, name: string): string {
  const { dir, exports } = workspaces.get(name)!;
  const subpath = `.${specifier.slice(name.length)}`;
  const exact = exports[subpath];
  if (exact) return path.posix.join(dir, exact);
  const pattern = exports['./*'];
  if (pattern && subpath !== '.') return path.posix.join(dir, pattern.replace('*', subpath.slice(2)));
  // Not exported: the path the specifier spells is the best guess of where it points.
  return path.posix.join(dir, subpath);
}

type Target = { kind: 'file'; file: string } | { kind: 'node' } | { kind: 'electron' } | { kind: 'package'; name: string };

function classify(specifier: string, fromFile: string): Target {
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const absolute = path.resolve(path.dirname(fromFile), specifier.replace(/\?.*$/, ''));
    return { kind: 'file', file: path.relative(repoRoot, absolute).split(path.sep).join('/') };
  }
  if (specifier.startsWith('node:') || nodeBuiltins.has(specifier)) return { kind: 'node' };
  const name = packageName(specifier);
  if (name === 'electron') return { kind: 'electron' };
  if (workspaces.has(name)) return { kind: 'file', file: workspaceTarget(specifier, name) };
  return { kind: 'package', name };
}

function layerOf(file: string, layers: Layer[]): Layer | null {
  let best: { layer: Layer; length: number } | null = null;
  for (const layer of layers) {
    for (const held of layer.holds) {
      const matches = held.endsWith('/') ? file.startsWith(held) : file === held;
      if (matches && (!best || held.length > best.length)) best = { layer, length: held.length };
    }
  }
  return best?.layer ?? null;
}

const allowsPackage = (allowed: string[] | '*' | undefined, name: string) =>
  allowed === '*' || (allowed ?? []).some((entry) => entry === name || (entry.endsWith('/*') && name.startsWith(entry.slice(0, -1))));

/** What the layer may import, in words, for the messages. */
function allowance(layer: Layer): string {
  const { may } = layer;
  const parts = [`its own files`, ...(may.layers ?? [])];
  if (may.packages === '*') parts.push('any package');
  else if (may.packages?.length) parts.push(`the packages ${may.packages.join(', ')}`);
  if (may.node) parts.push('Node builtins');
  if (may.electron) parts.push('electron');
  return `${layer.name} may import ${parts.join(', ')}`;
}

/** The reason an import is refused, or null when the layer allows it. */
function refusal(layer: Layer, target: Target, specifier: string, layers: Layer[]): string | null {
  const { may } = layer;
  switch (target.kind) {
    case 'node':
      return may.node ? null : `${layer.name} may not import the Node builtin '${specifier}'`;
    case 'electron':
      return may.electron ? null : `${layer.name} may not import electron (only main and preload may)`;
    case 'package':
      return allowsPackage(may.packages, target.name) ? null : `${layer.name} may not import the package '${target.name}'`;
    case 'file': {
      if (target.file.startsWith('../')) return `${layer.name} may not import '${specifier}', which is outside the repository`;
      const owner = layerOf(target.file, layers);
      if (owner === layer || (owner && may.layers?.includes(owner.name))) return null;
      return owner ? `${layer.name} may not import ${owner.name} (${target.file})` : `${layer.name} may not import ${target.file}, which is in no layer`;
    }
  }
}

const layeringRule: Rule.RuleModule = {
  meta: {
    type: 'problem',
    docs: { description: 'Each layer imports only what its entry in the layering table allows' },
    schema: [{ type: 'object', properties: { layers: { type: 'array' } }, required: ['layers'], additionalProperties: false }],
  },
  create(context) {
    const { layers } = context.options[0] as { layers: Layer[] };
    const file = path.relative(repoRoot, context.filename).split(path.sep).join('/');
    const layer = layerOf(file, layers);
    if (!layer) {
      return {
        Program(node) {
          context.report({ node, message: `${LAYERING}: ${file} is in no layer; add it to the layering table in eslint.config.js.` });
        },
      };
    }
    const check = (source: unknown, node: Rule.Node) => {
      // A computed specifier (`import(variable)`) cannot be checked here; the type checker and the bundlers see those.
      if (typeof source !== 'string') return;
      const reason = refusal(layer, classify(source, context.filename), source, layers);
      if (reason) context.report({ node, message: `${LAYERING}: ${reason}. ${allowance(layer)}. ${layer.why}` });
    };
    return {
      ImportDeclaration: (node) => check(node.source.value, node),
      ExportNamedDeclaration: (node) => check(node.source?.value, node),
      ExportAllDeclaration: (node) => check(node.source.value, node),
      ImportExpression: (node) => check(node.source.type === 'Literal' ? node.source.value : undefined, node),
      CallExpression(node) {
        const [first] = node.arguments;
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && first?.type === 'Literal') check(first.value, node);
      },
      // `import('electron').BrowserWindow` in a type: a type from another layer ties this one to it as much as a value does.
      TSImportType(node: Rule.Node & { argument: { type: string; literal?: { value?: unknown } } }) {
        if (node.argument.type === 'TSLiteralType') check(node.argument.literal?.value, node);
      },
    } as Rule.RuleListener;
  },
};

export const layeringPlugin: ESLint.Plugin = { rules: { layering: layeringRule } };
