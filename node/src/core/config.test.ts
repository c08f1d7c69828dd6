import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { envNameFor, loadConfig, parseFlags } from './config.js';

const dir = mkdtempSync(path.join(tmpdir(), 'nll-config-'));
const yamlFile = (name: string, text: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
};

describe('configuration', () => {
  it('has the nuts-node defaults: public 8080 on all interfaces, internal 8081 on loopback', () => {
    const c = loadConfig({ env: {} });
    expect(c.http.public).toEqual({ address: '0.0.0.0', port: 8080 });
    expect(c.http.internal).toEqual({ address: '127.0.0.1', port: 8081 });
    expect(c.crypto.keyType).toBe('P-256');
    expect(c.database.url).toBeUndefined();
  });

  it('layers file < environment < flags', () => {
    const file = yamlFile('layers.yaml', 'name: fromfile\nhttp:\n  public:\n    port: 7000\n  internal:\n    port: 7001\nlog:\n  level: debug\n');
    const c = loadConfig({
      file,
      env: { NLL_HTTP_PUBLIC_PORT: '7100', NLL_HTTP_INTERNAL_PORT: '7101' },
      argv: ['--http.internal.port=7201'],
    });
    expect(c.name).toBe('fromfile');
    expect(c.log.level).toBe('debug');
    expect(c.http.public.port).toBe(7100);
    expect(c.http.internal.port).toBe(7201);
  });

  it('puts role defaults under file, environment and flags', () => {
    const defaults = { name: 'lsp', organization: { ura: '90000999', name: 'LSP' }, discovery: { serverIds: ['a', 'b'] }, http: { public: { port: 9080 } } };
    const file = yamlFile('role.yaml', 'organization:\n  name: From file\ndiscovery:\n  serverIds: [c]\n');
    const c = loadConfig({ file, env: { NLL_HTTP_PUBLIC_PORT: '9180' }, argv: ['--organization.ura=90000111'], defaults });
    expect(c.name).toBe('lsp');
    expect(c.organization).toEqual({ ura: '90000111', name: 'From file' });
    expect(c.discovery.serverIds).toEqual(['c']);
    expect(c.http.public.port).toBe(9180);
    expect(c.http.internal.port).toBe(8081);
    // the caller's defaults object is not changed by loading
    expect(defaults.organization.ura).toBe('90000999');
    expect(() => loadConfig({ defaults: { organization: { ura: 'x' } } })).toThrow(/organization\.ura: URA is 8 digits \(from defaults\)/);
  });

  it('maps camelCase keys to NLL_ environment names and reads lists from commas', () => {
    expect(envNameFor('http.public.port')).toBe('NLL_HTTP_PUBLIC_PORT');
    expect(envNameFor('vdr.cacheTtlSeconds')).toBe('NLL_VDR_CACHE_TTL_SECONDS');
    const c = loadConfig({ env: { NLL_VDR_HTTP_HOSTS: 'localhost, lsp', NLL_VDR_CACHE_TTL_SECONDS: '5' } });
    expect(c.vdr.httpHosts).toEqual(['localhost', 'lsp']);
    expect(c.vdr.cacheTtlSeconds).toBe(5);
  });

  it('takes DATABASE_URL, with NLL_DATABASE_URL winning', () => {
    expect(loadConfig({ env: { DATABASE_URL: 'postgres://a/b' } }).database.url).toBe('postgres://a/b');
    expect(loadConfig({ env: { DATABASE_URL: 'postgres://a/b', NLL_DATABASE_URL: 'postgres://c/d' } }).database.url).toBe('postgres://c/d');
  });

  it('names the bad key and where it came from', () => {
    expect(() => loadConfig({ env: { NLL_HTTP_PUBLIC_PORT: 'eighty' } })).toThrow(/http\.public\.port: .*\(from environment NLL_HTTP_PUBLIC_PORT\)/);
    expect(() => loadConfig({ env: {}, argv: ['--http.internal.port=70000'] })).toThrow(/http\.internal\.port: .*(from flag --http\.internal\.port)/);
    const file = yamlFile('bad.yaml', 'crypto:\n  keyType: RSA\nhttp:\n  public:\n    prot: 1\n');
    expect(() => loadConfig({ file, env: {} })).toThrow(/crypto\.keyType: .*\(from file bad\.yaml\)/);
    expect(() => loadConfig({ file, env: {} })).toThrow(/unknown key 'http\.public\.prot' \(from file bad\.yaml\)/);
    expect(() => loadConfig({ env: {}, argv: ['--http.public.prot=1'] })).toThrow(/unknown key 'http\.public\.prot' \(from flag/);
  });

  it('reports an unreadable or non-YAML file clearly', () => {
    expect(() => loadConfig({ file: path.join(dir, 'missing.yaml') })).toThrow(/cannot read configuration file/);
    expect(() => loadConfig({ file: yamlFile('list.yaml', '- a\n- b\n') })).toThrow(/must hold a mapping/);
    expect(() => loadConfig({ file: yamlFile('broken.yaml', 'a: [\n') })).toThrow(/not valid YAML/);
  });

  it('parses flags in both --key=value and --key value form', () => {
    expect(parseFlags(['--a.b=1', '--c', '2'])).toEqual({ 'a.b': '1', c: '2' });
    expect(() => parseFlags(['--a'])).toThrow(/needs a value/);
    expect(() => parseFlags(['x'])).toThrow(/expected --key=value/);
  });
});
