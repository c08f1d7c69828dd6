// Trusted did:x509 roots (vcr.x509.trustedRoots): CA certificates loaded from PEM files or directories of them.
import './reflect.js';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { BasicConstraintsExtension, X509Certificate } from '@peculiar/x509';
import { NodeError } from '../core/errors.js';
import { fingerprint, type TrustAnchorSource } from './didx509.js';

const PEM_RE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function certificatesFromPem(pem: string): X509Certificate[] {
  return (pem.match(PEM_RE) ?? []).map((block) => new X509Certificate(block));
}

export class TrustAnchors implements TrustAnchorSource {
  private readonly certs = new Map<string, X509Certificate>();

  /** Adds CA certificates from PEM text; leaf certificates in the text (e.g. a chain file) are ignored. Returns how many were added. */
  addPem(pem: string): number {
    let n = 0;
    for (const c of certificatesFromPem(pem)) {
      if (c.getExtension(BasicConstraintsExtension)?.ca !== true) continue;
      this.certs.set(fingerprint(c), c);
      n++;
    }
    return n;
  }

  /** Loads every configured path: a PEM file, or a directory whose *.pem / *.crt files are read (not recursively). */
  load(paths: readonly string[]): void {
    for (const p of paths) {
      let files: string[];
      try {
        files = statSync(p).isDirectory() ? readdirSync(p).filter((f) => /\.(pem|crt)$/i.test(f)).map((f) => path.join(p, f)) : [p];
      } catch (e) {
        throw new NodeError('invalid_input', `vcr.x509.trustedRoots: cannot read ${p}: ${(e as Error).message}`);
      }
      for (const f of files) this.addPem(readFileSync(f, 'utf8'));
    }
  }

  anchors(): X509Certificate[] {
    return [...this.certs.values()];
  }

  describe(): Array<{ subject: string; sha256: string; notAfter: string }> {
    return this.anchors().map((c) => ({ subject: c.subject, sha256: fingerprint(c), notAfter: c.notAfter.toISOString() }));
  }
}
