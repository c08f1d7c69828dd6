// Regenerates r4-types.json (the R4 element model: order, type, cardinality, choices, bindings) from FHIR.js's types.json.
// Usage: node node/src/fhir/model/generate.mjs <path to package/profiles/types.json of `npm pack fhir@4.12.0`>
// FHIR.js (ISC) builds that file from the R4 StructureDefinitions (profiles-types/profiles-resources 4.0.1); we keep only
// the facts the XML converter and the validator need, in a compact form, so the runtime carries no extra dependency.
// FHIR.js itself was evaluated as the converter (ISC, 13 MB unpacked, depends on lodash/q/xml-js): it converts none of
// the 226 Nictiz XML/JSON fixture pairs exactly (decimals become strings, narrative whitespace is dropped), so
// node/src/fhir/fhirxml.ts is our own, driven by this model; fhirxml.test.ts holds it to all 226 pairs.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const src = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const compact = (props) =>
  props
    .filter((p) => !p._name.startsWith('_'))
    .map((p) => {
      const e = { n: p._name, t: p._type };
      if (p._multiple) e.m = 1;
      if (p._required) e.r = 1;
      if (p._choice) e.c = p._choice;
      if (p._valueSetStrength === 'required' && p._valueSet) e.b = p._valueSet;
      if (p._targetProfiles) e.tp = p._targetProfiles.map((u) => u.replace('http://hl7.org/fhir/StructureDefinition/', ''));
      if (p._properties?.length) e.p = compact(p._properties);
      return e;
    });
const out = {};
for (const [name, t] of Object.entries(src)) out[name] = { k: t._kind, e: compact(t._properties ?? []) };
writeFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), 'r4-types.json'), JSON.stringify(out));
