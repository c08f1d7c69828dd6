// FHIRPath over the R4 model, as the FHIR Java engine (Touchstone, the HL7 validator) reads Nictiz's expressions:
// type names in is()/as()/ofType() without regard to case, and `{'a','b'}` collection literals (as unions).
/* eslint-disable @typescript-eslint/no-explicit-any */
import { createRequire } from 'node:module';
import type fhirpathTypes from 'fhirpath';
import { r4Model } from './fhirxml.js';

// fhirpath.js and its R4 model are loaded with the first expression (profile validation), not when the node starts
const require = createRequire(import.meta.url);
let engine: { fhirpath: typeof fhirpathTypes; r4: unknown } | undefined;
const load = () => (engine ??= { fhirpath: require('fhirpath') as typeof fhirpathTypes, r4: require('fhirpath/fhir-context/r4') as unknown });

let typeNames: Map<string, string> | undefined;

/** Rewrites the two Java-engine liberties fhirpath.js does not accept into standard FHIRPath. */
export function normaliseFhirPath(expression: string): string {
  typeNames ??= new Map(Object.keys(r4Model()).map((t) => [t.toLowerCase(), t]));
  return expression
    .replace(/\b(is|as|ofType)\(\s*([A-Za-z]+)\s*\)/g, (whole, fn: string, t: string) => {
      const canonical = typeNames!.get(t.toLowerCase());
      return canonical ? `${fn}(${canonical})` : whole;
    })
    .replace(/\{\s*('(?:[^'\\]|\\.)*'(?:\s*,\s*'(?:[^'\\]|\\.)*')+)\s*\}/g, (_, items: string) => `(${items.split(/\s*,\s*(?=')/).join(' | ')})`);
}

const compiled = new Map<string, (r: any, env?: any) => any[]>();

/** Evaluates an expression on a resource (or an element, with `base` its path) over the R4 model; compiled once. */
export function evaluateFhirPath(node: any, expression: string, env: Record<string, unknown> = {}, base?: string): any[] {
  const key = `${base ?? ''}\u0000${expression}`;
  let fn = compiled.get(key);
  if (!fn) {
    const { fhirpath, r4 } = load();
    const c = fhirpath.compile(base ? { base, expression: normaliseFhirPath(expression) } : normaliseFhirPath(expression), r4 as any);
    fn = (r: any, e?: any) => c(r, e) as any[];
    compiled.set(key, fn);
  }
  return fn(node, env);
}
