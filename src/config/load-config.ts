import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './config-error';
import { PROFILE_ID, SupportButtonProfileConfig, TandemConfig } from './config.schema';
import { ENV_OVERRIDES, type EnvOverride } from './env-overrides';

/** The repository root: config/ and the default data dir are resolved against it, not the cwd. */
/** The repository (or install) root: the nearest directory above this file with Tandem's package.json. */
export const PROJECT_ROOT = findRoot(__dirname);

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'tandem') return dir;
    } catch {
      // Not here; look one level up.
    }
    if (dirname(dir) === dir) return resolve(from, '..', '..');
  }
}

type Plain = Record<string, unknown>;

export interface LoadConfigOptions {
  /** Directory holding default.yaml and local.yaml. */
  configDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Extra values merged last (tests use this instead of writing files). */
  overrides?: Plain;
}

/**
 * Builds the validated configuration: default.yaml, then local.yaml, then the file named by
 * TANDEM_CONFIG, then environment variables, then explicit overrides. Throws ConfigError naming
 * the first bad key (or the environment variable that set it).
 */
export function loadConfig(options: LoadConfigOptions = {}): TandemConfig {
  const env = options.env ?? process.env;
  const dir = options.configDir ?? resolve(PROJECT_ROOT, 'config');
  const sources = new Map<string, string>();
  let merged: Plain = {};
  const files = [resolve(dir, 'default.yaml'), resolve(dir, 'local.yaml')];
  if (env.TANDEM_CONFIG) files.push(resolve(env.TANDEM_CONFIG));
  for (const file of files) {
    if (!existsSync(file)) {
      if (file === env.TANDEM_CONFIG) throw new ConfigError('TANDEM_CONFIG', file, 'an existing YAML file', 'environment');
      continue;
    }
    const doc = readYaml(file);
    recordSources(doc, '', file, sources);
    merged = deepMerge(merged, doc);
  }
  for (const override of ENV_OVERRIDES) {
    const raw = env[override.env];
    if (raw === undefined || raw === '') continue;
    setPath(merged, override.key, coerce(override, raw));
    sources.set(override.key, `environment ${override.env}`);
  }
  if (options.overrides) merged = deepMerge(merged, options.overrides);

  const config = plainToInstance(TandemConfig, merged, { exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) throw toConfigError(errors[0], '', merged, sources);
  // A clipboard image travels base64 in one frame: the limit must leave it room in ws.maxPayloadBytes.
  if (Math.ceil(config.clipboard.maxBytes / 3) * 4 + 1024 > config.ws.maxPayloadBytes) {
    // Left at its default, it follows a smaller ws.maxPayloadBytes; set explicitly, it is an error.
    const fits = Math.max(0, Math.floor((config.ws.maxPayloadBytes - 1024) / 4) * 3);
    const source = sourceOf('clipboard.maxBytes', sources);
    if (source === 'defaults' || source === files[0]) config.clipboard.maxBytes = fits;
    else throw new ConfigError('clipboard.maxBytes', config.clipboard.maxBytes, `at most ${fits} (¾ of ws.maxPayloadBytes less 1 KiB, as an image travels base64 in one frame)`, sourceOf('clipboard.maxBytes', sources));
  }
  checkRealms(config, sources);
  checkMail(config, sources);
  checkSupportButtons(config, merged, sources);
  if (!isAbsolute(config.node.dataDir)) config.node.dataDir = resolve(PROJECT_ROOT, config.node.dataDir);
  return config;
}

/**
 * `supportButtons.profiles` is a map (profile id → profile), which class-validator does not validate as
 * nested classes: each entry is checked here, with the same rules and the same way of naming the bad key.
 */
function checkSupportButtons(config: TandemConfig, merged: Plain, sources: Map<string, string>): void {
  const profiles: unknown = config.supportButtons.profiles;
  const key = 'supportButtons.profiles';
  if (!isPlainObject(profiles) || Object.keys(profiles).length === 0) {
    throw new ConfigError(key, profiles, 'at least one profile (id: {title, description})', sourceOf(key, sources));
  }
  const checked: Record<string, SupportButtonProfileConfig> = {};
  for (const [id, raw] of Object.entries(profiles)) {
    const at = `${key}.${id}`;
    if (!PROFILE_ID.test(id)) throw new ConfigError(at, id, 'a profile id of 1-40 of a-z 0-9 - (starting with a letter or digit)', sourceOf(at, sources));
    if (!isPlainObject(raw)) throw new ConfigError(at, raw, 'a mapping with a title (and a description)', sourceOf(at, sources));
    const profile = plainToInstance(SupportButtonProfileConfig, raw, { exposeDefaultValues: true });
    const errors = validateSync(profile, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length > 0) throw toConfigError(errors[0], at, merged, sources);
    checked[id] = profile;
  }
  config.supportButtons.profiles = checked;
}

/** What class-validator cannot say about `realms`: unique ids, one local realm, an ldap section for ldap realms. */
function checkMail(config: TandemConfig, sources: Map<string, string>): void {
  const m = config.mail;
  if (m.caFile && !existsSync(m.caFile)) throw new ConfigError('mail.caFile', m.caFile, 'a readable PEM file (the CA of the SMTP server)', sourceOf('mail.caFile', sources));
  if (m.secure && m.requireTls) throw new ConfigError('mail.requireTls', true, 'false with mail.secure (the connection is TLS from the start)', sourceOf('mail.requireTls', sources));
}

function checkRealms(config: TandemConfig, sources: Map<string, string>): void {
  const bad = (key: string, value: unknown, expected: string): never => {
    throw new ConfigError(key, value, expected, sourceOf(key, sources));
  };
  if (config.realms.length === 0) bad('realms', [], 'at least one realm');
  const seen = new Set<string>();
  config.realms.forEach((r, i) => {
    if (seen.has(r.id)) bad(`realms.${i}.id`, r.id, 'a realm id not used by another realm');
    seen.add(r.id);
    if (r.kind === 'local' && config.realms.findIndex((o) => o.kind === 'local') !== i) bad(`realms.${i}.kind`, r.kind, 'at most one realm of kind local');
    if (r.kind !== 'ldap') return;
    if (!r.ldap) return bad(`realms.${i}.ldap`, undefined, 'an ldap section (url, baseDn, …) for a realm of kind ldap');
    if (r.ldap.bindDn && !r.ldap.bindPassword && !r.ldap.bindPasswordFile) bad(`realms.${i}.ldap.bindPassword`, '', 'bindPassword or bindPasswordFile when bindDn is set');
    if (r.ldap.startTls && r.ldap.url.startsWith('ldaps:')) bad(`realms.${i}.ldap.startTls`, true, 'false with an ldaps:// url (the connection is TLS already)');
  });
}

function readYaml(file: string): Plain {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError('(file)', file, `valid YAML: ${(err as Error).message.split('\n')[0]}`, file);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError('(file)', file, 'a YAML mapping at the top level', file);
  return doc as Plain;
}

function coerce(override: EnvOverride, raw: string): unknown {
  const bad = (expected: string): never => {
    throw new ConfigError(override.env, raw, `${expected} for ${override.key}`, 'environment');
  };
  switch (override.kind) {
    case 'string':
      return raw;
    case 'int':
      return /^-?\d+$/.test(raw.trim()) ? Number(raw) : bad('an integer');
    case 'bool':
      return raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : bad('true or false');
    case 'sentinels':
      return raw.split(',').map((part) => {
        const m = /^\s*([^:\s]+):(\d+)\s*$/.exec(part);
        return m ? { host: m[1], port: Number(m[2]) } : bad('a list like host:port,host:port');
      });
  }
}

function toConfigError(error: ValidationError, prefix: string, merged: Plain, sources: Map<string, string>): ConfigError {
  const key = prefix ? `${prefix}.${error.property}` : error.property;
  if (error.children && error.children.length > 0 && !error.constraints) {
    return toConfigError(error.children[0], key, merged, sources);
  }
  const constraints = error.constraints ?? {};
  const source = sourceOf(key, sources);
  const envName = source.startsWith('environment ') ? source.slice('environment '.length) : undefined;
  if (constraints.whitelistValidation) {
    return new ConfigError(key, getPath(merged, key), 'no such key (unknown configuration key)', source);
  }
  const expected = Object.values(constraints).join('; ');
  return new ConfigError(envName ?? key, error.value, envName ? `${expected} (${key})` : expected, source);
}

function sourceOf(key: string, sources: Map<string, string>): string {
  for (let k = key; k; k = k.includes('.') ? k.slice(0, k.lastIndexOf('.')) : '') {
    const s = sources.get(k);
    if (s) return s;
  }
  return 'defaults';
}

function recordSources(doc: unknown, prefix: string, file: string, sources: Map<string, string>): void {
  if (!isPlainObject(doc)) return;
  for (const [k, v] of Object.entries(doc)) {
    const key = prefix ? `${prefix}.${k}` : k;
    sources.set(key, file);
    recordSources(v, key, file, sources);
  }
}

function isPlainObject(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; arrays and scalars replace. */
export function deepMerge(a: Plain, b: Plain): Plain {
  const out: Plain = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Plain, v) : v;
  }
  return out;
}

function setPath(obj: Plain, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    if (!isPlainObject(cur[p])) cur[p] = {};
    cur = cur[p] as Plain;
  }
  cur[parts[parts.length - 1]] = value;
}

function getPath(obj: Plain, path: string): unknown {
  return path.split('.').reduce<unknown>((cur, p) => (isPlainObject(cur) ? cur[p] : undefined), obj);
}
