// The VCR trust list: which issuers this node trusts per credential type, and the issuers it has seen but not decided on.
import type { VcrStore } from './store.js';

export class TrustList {
  constructor(private readonly store: VcrStore) {}
  trust = (type: string, issuer: string) => this.store.setTrust(type, issuer, true);
  untrust = (type: string, issuer: string) => this.store.setTrust(type, issuer, false);
  isTrusted = (type: string, issuer: string) => this.store.isTrusted(type, issuer);
  noteIssuer = (type: string, issuer: string) => this.store.noteIssuer(type, issuer);
  trusted = (type: string) => this.store.trustList(type, true);
  untrusted = (type: string) => this.store.trustList(type, false);
}
