// RFC 8785 canonical JSON: the RFC's own examples (§3.2.2 numbers/strings/literals, §3.2.3 sorting) and edge cases.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalize, canonicalizeByMember, sha256Hex } from './canonical.js';

describe('canonicalize (RFC 8785)', () => {
  it('serialises the RFC §3.2.2 example exactly', () => {
    // the RFC's input, written as JS so that the numbers pass through the same IEEE 754 parse
    const input = JSON.parse('{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}');
    expect(canonicalize(input)).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  });

  it('sorts members by UTF-16 code units (RFC §3.2.3 example)', () => {
    const input = JSON.parse('{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}');
    const out = canonicalize(input);
    const order = ['Carriage Return', 'One', 'Control', 'Latin Small Letter O With Diaeresis', 'Euro Sign', 'Emoji: Grinning Face', 'Hebrew Letter Dalet With Dagesh'];
    const positions = order.map((v) => out.indexOf(v));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(out.startsWith('{"\\r":"Carriage Return","1":"One","\u0080":"Control"')).toBe(true);
  });

  it('writes numbers as ES2015 does, including -0 and the extremes (RFC Appendix B)', () => {
    expect(canonicalize([0, -0, 1e21, 1e-7, 9007199254740991, 5e-324, 1.7976931348623157e308, 0.1 + 0.2])).toBe('[0,0,1e+21,1e-7,9007199254740991,5e-324,1.7976931348623157e+308,0.30000000000000004]');
  });

  it('nests, drops undefined members and rejects what JSON cannot hold', () => {
    expect(canonicalize({ b: [{ z: 1, a: null }], a: undefined, c: 'x' })).toBe('{"b":[{"a":null,"z":1}],"c":"x"}');
    expect(() => canonicalize({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalize({ n: Infinity })).toThrow(TypeError);
    expect(() => canonicalize(new Map())).toThrow(TypeError);
    expect(() => canonicalize({ f: () => 1 })).toThrow(TypeError);
  });

  it('gives one hash whatever the member order', () => {
    expect(sha256Hex(canonicalize({ a: 1, b: { c: 2, d: 3 } }))).toBe(sha256Hex(canonicalize({ b: { d: 3, c: 2 }, a: 1 })));
  });

  it('writes every JSON value as the member-by-member serialiser does, array-index keys and "__proto__" included', () => {
    const key = fc.oneof(fc.string(), fc.constantFrom('0', '7', '10', '4294967294', '4294967295', '01', '__proto__', '-1'));
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string(), fc.array(tie('value')), fc.dictionary(key, tie('value'))),
    })).value;
    fc.assert(fc.property(json, (v) => canonicalize(v) === canonicalizeByMember(v)));
    const withIndexKeys = JSON.parse('{"b":1,"10":2,"2":3,"a":{"1":4,"x":5}}');
    expect(canonicalize(withIndexKeys)).toBe('{"10":2,"2":3,"a":{"1":4,"x":5},"b":1}');
    expect(canonicalize(JSON.parse('{"z":1,"__proto__":{"x":2}}'))).toBe('{"__proto__":{"x":2},"z":1}');
  });
});
