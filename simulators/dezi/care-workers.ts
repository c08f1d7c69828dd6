// The care workers the simulated Dezi knows: Dezi number, name parts, the organisation (abonnee) and one or more roles (one verklaring per role).
import { readDemoFile } from '../../node/src/fhir/index.js';
import { roleCatalogue } from '../../node/src/vcr/index.js';

/** Dezi's source of a role code: BIG-registered roles come from the BIG register (Dezi 0.7 example value). */
export const ROL_CODE_BRON_BIG = 'http://www.dezi.nl/rol_code_bron/big';
/** VVT roles without BIG registration: the lab's own source name, since Dezi publishes none for them [lab assumption]. */
export const ROL_CODE_BRON_VVT = 'https://nuts-lsp-lab.nl/rol_code_bron/vvt';

export interface DeziRole {
  code: string;
  name: string;
  source: string;
  big: boolean;
}

export interface DeziCareWorker {
  /** short handle used by the CLI, dashboard and login page */
  id: string;
  deziNummer: string;
  initials: string;
  surnamePrefix?: string;
  surname: string;
  /** display name */
  name: string;
  organisation: { ura: string; name: string };
  roles: DeziRole[];
  /** the worker's Dezi registration ended: every verklaring Dezi hands out is already expired */
  expired?: boolean;
  /** why this worker is seeded (shown on the login page) */
  note?: string;
}

function role(code: string): DeziRole {
  const r = roleCatalogue().get(code);
  if (!r) throw new Error(`Dezi seed role ${code} is not in credentials/roles.json`);
  return { code, name: r.nl, big: r.big, source: r.big ? ROL_CODE_BRON_BIG : ROL_CODE_BRON_VVT };
}

/** Organisations from the demo data set: the VVT organisation the reference node serves, and the GP practice. */
function organisation(source: 'vvt' | 'gp'): { ura: string; name: string } {
  const o = readDemoFile().organizations.find((x) => x.source === source);
  if (!o) throw new Error(`the demo data set has no ${source} organisation`);
  return { ura: o.ura, name: o.name };
}

/** Seeded Dezi care workers: with and without BIG, VVT roles, one at another organisation, one expired, one whose role the matrix refuses. */
export function deziCareWorkers(): DeziCareWorker[] {
  const vvt = organisation('vvt');
  const gp = organisation('gp');
  return [
    { id: 'chris', deziNummer: '900010001', initials: 'C.', surname: 'Jansen', name: 'Chris Jansen', organisation: vvt, roles: [role('30.000')], note: 'nurse (BIG)' },
    { id: 'anna', deziNummer: '900010002', initials: 'A.', surnamePrefix: 'de', surname: 'Vries', name: 'Anna de Vries', organisation: vvt, roles: [role('VVT.001')], note: 'verzorgende IG, no BIG' },
    { id: 'noor', deziNummer: '900010003', initials: 'N.', surname: 'El Amrani', name: 'Noor El Amrani', organisation: vvt, roles: [role('VVT.003'), role('30.000')], note: 'two roles: one verklaring each' },
    { id: 'sam', deziNummer: '900010004', initials: 'S.', surname: 'Bakker', name: 'Sam Bakker', organisation: vvt, roles: [role('VVT.005')], note: 'domestic care: the matrix grants no medication data' },
    { id: 'eva', deziNummer: '900010005', initials: 'E.', surname: 'Smit', name: 'Eva Smit', organisation: gp, roles: [role('01.015')], note: `works at ${gp.name}: another organisation than the VVT node` },
    { id: 'pieter', deziNummer: '900010006', initials: 'P.', surnamePrefix: 'de', surname: 'Boer', name: 'Pieter de Boer', organisation: vvt, roles: [role('30.000')], expired: true, note: 'Dezi registration ended: verklaring expired' },
  ];
}
