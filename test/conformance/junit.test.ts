// JUnit XML of the suite: every character a failure message can carry is escaped, and the well-formedness check catches what CI parsers reject.
import { describe, expect, it } from 'vitest';
import { parseXml } from '../../node/src/fhir/xml.js';
import { toJUnit, xmlWellFormedness, type SuiteReport } from '../../simulators/conformance/index.js';

const nasty = `a <b> & "c" 'd' ]]> \u0001\u001f tab\there\nline2 €🙂 &amp;`;
const report: SuiteReport = {
  name: 'fhir',
  target: 'http://x/fhir?a=1&b=<2>',
  startedAt: '2026-01-01T00:00:00.000Z',
  cases: [
    { suite: 'fhir', group: 'MA', name: `rule ${nasty}`, outcome: 'failed', message: nasty, expected: `<${nasty}>`, actual: nasty, durationMs: 12 },
    { suite: 'fhir', group: 'MA', name: 'passes', outcome: 'passed', detail: '6 < 7 & fine', durationMs: 1 },
    { suite: 'fhir', group: 'MA', name: 'warns', outcome: 'warned', message: 'self link lacks <x>', durationMs: 1 },
    { suite: 'fhir', group: 'VV', name: 'skipped', outcome: 'skipped', message: 'no "QA" set', durationMs: 0 },
  ],
};

describe('JUnit XML', () => {
  it('escapes markup, quotes and control characters; the parsed attributes give the text back', () => {
    const xml = toJUnit([report]);
    expect(xmlWellFormedness(xml)).toEqual({ ok: true });
    const suite = parseXml(xml).children[0]!;
    expect(suite.attrs).toMatchObject({ name: 'fhir', tests: '4', failures: '1', skipped: '1', errors: '0', time: '0.014' });
    const failing = suite.children.find((c) => c.children.some((x) => x.name === 'failure'))!;
    // control characters XML cannot carry become U+FFFD; everything else survives the round trip
    // eslint-disable-next-line no-control-regex -- the control characters are what the test is about
    const clean = nasty.replace(/[\u0001\u001f]/g, '\uFFFD');
    expect(failing.attrs.name).toBe(`rule ${clean}`);
    expect(failing.children[0]!.attrs.message).toBe(clean);
    expect(failing.attrs.classname).toBe('conformance.fhir.MA');
    expect(xml).toContain('<skipped message="no &quot;QA&quot; set"/>');
    expect(xml).toContain('<system-out>WARNING: self link lacks &lt;x&gt;</system-out>');
    expect(xml).toContain('<system-out>6 &lt; 7 &amp; fine</system-out>');
  });

  it('the well-formedness check says why a document is not well-formed', () => {
    const bad: Array<[string, RegExp]> = [
      ['<a><b></a></b>', /^unbalanced <\/a>/],
      ['<a>x & y</a>', /^'&' that is not an entity reference/],
      ['<a x="1 < 2"/>', /^malformed tag/],
      ['<a x="&nope;"/>', /^'&' that is not an entity reference in an attribute of <a>/],
      ['<a x="1" x="2"/>', /^duplicate attribute in <a>/],
      ['<a/><b/>', /^more than one root element/],
      ['<a>', /^<a> not closed/],
      ['<a>\u0000</a>', /^character not allowed in XML 1.0/],
      ['text<a/>', /^text outside the root element/],
      ['', /^no root element/],
    ];
    for (const [xml, reason] of bad) {
      const r = xmlWellFormedness(xml);
      expect(r.ok, xml).toBe(false);
      expect((r as { reason: string }).reason, xml).toMatch(reason);
    }
    expect(xmlWellFormedness('<?xml version="1.0" encoding="UTF-8"?>\n<a b=\'&amp;&#10;\'><!-- c --><c/>t&lt;</a>\n')).toEqual({ ok: true });
  });
});
