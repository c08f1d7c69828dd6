import { describe, expect, it } from 'vitest';
import { blockOfResource } from './building-blocks.js';

describe('MP9 building blocks', () => {
  it('recognises the block of a resource from its category', () => {
    expect(blockOfResource({ resourceType: 'MedicationDispense', category: { coding: [{ system: 'http://snomed.info/sct', code: '422037009' }] } })?.block).toBe('TA');
    expect(blockOfResource({ resourceType: 'MedicationRequest', category: [{ coding: [{ system: 'http://snomed.info/sct', code: '16076005' }] }] })).toBeUndefined();
  });
});
