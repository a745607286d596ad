import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema, type RecurraConfig } from './schema.js';
import { ENV_OVERRIDES, parseEnvValue } from './env-overrides.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const CONFIG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../config');

type Json = Record<string, unknown>;

function readJson(file: string): Json {
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Json;
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObject(v) && isObject(out[k]) ? merge(out[k] as Json, v) : v;
  return out;
}

function setPath(obj: Json, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    if (!isObject(cur[p])) cur[p] = {};
    cur = cur[p] as Json;
  }
  cur[parts[parts.length - 1]] = value;
}

const SECRET_KEYS = new Set(['secretKey', 'adminToken', 'database.url']);

function describeReceived(raw: Json, keyPath: PropertyKey[], key: string): string {
  if (SECRET_KEYS.has(key)) return '';
  let cur: unknown = raw;
  for (const p of keyPath) cur = isObject(cur) ? cur[String(p)] : undefined;
  if (cur === undefined || isObject(cur)) return '';
  return `; got ${JSON.stringify(cur)}`;
}

export function resolveEnvName(env: NodeJS.ProcessEnv): RecurraConfig['env'] {
  const name = env.RECURRA_ENV ?? env.NODE_ENV ?? 'development';
  if (name === 'development' || name === 'test' || name === 'production') return name;
  throw new ConfigError(`config key "env" (RECURRA_ENV/NODE_ENV): expected one of development, test, production, got "${name}"`);
}

/**
 * Reads config/default.json, then config/<env>.json, then environment variables, and validates the result.
 * A bad value raises a ConfigError naming the key (and its variable) and what is expected.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, configDir = CONFIG_DIR): RecurraConfig {
  const envName = resolveEnvName(env);
  let raw = merge(readJson(path.join(configDir, 'default.json')), readJson(path.join(configDir, `${envName}.json`)));
  raw = { ...raw, env: envName };
  const sources = new Map<string, string>();
  for (const o of ENV_OVERRIDES) {
    const value = env[o.variable];
    if (value === undefined || value === '') continue;
    setPath(raw, o.key, parseEnvValue(o, value));
    sources.set(o.key, o.variable);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = issue.path.join('.') || '(root)';
      const via = sources.has(key) ? ` (from ${sources.get(key)})` : '';
      return `config key "${key}"${via}: ${issue.message}${describeReceived(raw, issue.path, key)}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}
