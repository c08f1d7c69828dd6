import { describe, expect, it } from 'vitest';
import { blockOfResource, blocksForSearch } from './building-blocks.js';

describe('MP9 building blocks', () => {
  it('selects blocks for a search by resource type and category token', () => {
    expect(blocksForSearch('MedicationRequest', undefined).map((b) => b.block)).toEqual(['MA', 'WDS', 'VV']);
    expect(blocksForSearch('MedicationRequest', 'http://snomed.info/sct|33633005').map((b) => b.block)).toEqual(['MA']);
    expect(blocksForSearch('MedicationDispense', '422037009,373784005').map((b) => b.block)).toEqual(['TA', 'MVE']);
    expect(blocksForSearch('MedicationDispense', 'http://other|422037009')).toEqual([]);
    expect(blocksForSearch('Patient', undefined)).toEqual([]);
  });
  it('recognises the block of a resource from its category', () => {
    expect(blockOfResource({ resourceType: 'MedicationDispense', category: { coding: [{ system: 'http://snomed.info/sct', code: '422037009' }] } })?.block).toBe('TA');
    expect(blockOfResource({ resourceType: 'MedicationRequest', category: [{ coding: [{ system: 'http://snomed.info/sct', code: '16076005' }] }] })).toBeUndefined();
  });
});
