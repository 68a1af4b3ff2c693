import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CORE_SCHEMA, load, mergeTag } from 'js-yaml';
import { CONFIG_ENV_KEYS, loadConfig } from '@app/tasks/config';

// Readers for the deployment files the config-tier specs (test/config) check offline: no Docker
// engine runs on the build machines, so the Dockerfile and compose file are parsed, not built.

export const ROOT = resolve(__dirname, '..', '..');
export const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
// Compose files use merge keys (`<<: *anchor`), which YAML 1.2's core schema leaves out.
export const yaml = (path: string) =>
  load(read(path), { schema: CORE_SCHEMA.withTags(mergeTag) }) as Doc;
export type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed YAML/JSON
export const TEST_COMMAND = 'npm ci && npm test';
export const DEFAULTS = loadConfig({});

/**
 * Variables images may set that are not app config: they tune Node and glibc, not the service.
 * NODE_ENV: production mode of libraries; MALLOC_ARENA_MAX / UV_THREADPOOL_SIZE: memory and
 * threadpool sizing (see the Dockerfile); NODE_OPTIONS: heap size flags where needed.
 */
export const RUNTIME_ENV = ['NODE_ENV', 'MALLOC_ARENA_MAX', 'UV_THREADPOOL_SIZE', 'NODE_OPTIONS'];
export const ALLOWED_ENV = new Set<string>([...CONFIG_ENV_KEYS, ...RUNTIME_ENV]);

export interface Instruction {
  stage: number;
  keyword: string;
  args: string;
}

/** Dockerfile instructions: continuations joined, comments dropped, each tagged with its stage. */
export function parseDockerfile(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  let stage = -1;
  return joined
    .split('\n')
    .filter((l) => l.trim())
    .map((line) => {
      const [, keyword, args] = /^\s*(\S+)\s*(.*)$/.exec(line)!;
      if (keyword.toUpperCase() === 'FROM') stage++;
      return { stage, keyword: keyword.toUpperCase(), args: args.trim() };
    });
}

/**
 * The instructions as BuildKit sees them with `--build-arg name=value`: `$name`/`${name}` replaced in
 * a FROM when a global `ARG name` (before the first FROM) declares it, and elsewhere only after an
 * `ARG name` in the same stage, as Docker's scoping rules say (undeclared, it stays empty in RUN).
 */
export function withBuildArg(
  instructions: Instruction[],
  name: string,
  value: string,
): Instruction[] {
  const declares = (i: Instruction) => i.keyword === 'ARG' && i.args.split('=')[0] === name;
  const reference = new RegExp(`\\$\\{${name}\\}|\\$${name}\\b`, 'g');
  const global = instructions.some((i) => i.stage === -1 && declares(i));
  return instructions.map((i, index) => {
    const inScope =
      i.keyword === 'FROM'
        ? global
        : instructions.slice(0, index).some((j) => j.stage === i.stage && declares(j));
    return inScope ? { ...i, args: i.args.replace(reference, value) } : i;
  });
}

/** The instructions that make up stage `stage`'s image: those of the stage it is FROM, then its own. */
export function imageOf(instructions: Instruction[], stage: number): Instruction[] {
  const own = instructions.filter((i) => i.stage === stage);
  const parentName = own[0].args.split(/\s+/)[0].toLowerCase();
  const parent = instructions.find(
    (i) =>
      i.keyword === 'FROM' &&
      i.stage < stage &&
      /\bAS\s+(\S+)$/i.exec(i.args)?.[1].toLowerCase() === parentName,
  );
  return parent ? [...imageOf(instructions, parent.stage), ...own] : own;
}

/** `ENV A=1 B="x y"` and the legacy `ENV A 1`. */
export function envOf(args: string): Record<string, string> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
    const [key, ...rest] = args.split(/\s+/);
    return { [key]: rest.join(' ') };
  }
  const pairs = args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g);
  return Object.fromEntries([...pairs].map(([, k, v]) => [k, v.replace(/^"(.*)"$/, '$1')]));
}

/** A compose `environment` (map or list) with `${VAR:-default}` resolved as with an empty shell env. */
export function composeEnv(service: Doc): Record<string, string> {
  const raw = service.environment ?? {};
  const entries: [string, unknown][] = Array.isArray(raw)
    ? raw.map((e: string) => e.split(/=(.*)/s).slice(0, 2) as [string, string])
    : Object.entries(raw);
  return Object.fromEntries(
    entries.map(([k, v]) => [k, String(v ?? '').replace(/\$\{\w+(?::?-([^}]*))?\}/g, '$1')]),
  );
}

export const execForm = (args: string): string[] => JSON.parse(args.replace(/^CMD\s+/, ''));

/** docker-compose.yml, parsed. */
export const compose: Doc = yaml('docker-compose.yml');
export const services: Doc = compose.services;
