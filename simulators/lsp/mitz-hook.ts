// Mitz as the LSP node's consent hook: may this consulter see this patient's medication data held by this care provider?
import type { ConsentAnswer, ConsentHook, ConsentQuestion, FhirCaller } from '../../node/src/fhir/index.js';
import type { DecisionResult, MitzConsent } from './mitz.js';
import type { AddressBookEntry } from './sources.js';
import { MEDICATION_DATA_CATEGORY } from './broker.js';

type Decide = (holderCategory: string, consulterCategory: string) => DecisionResult;

/**
 * Asked by the broker once per source it would fetch from (the question names the holder). A question without a holder
 * is about the LSP's own records (reference index, consent choices), which fall under no Mitz data category: permitted,
 * as before Mitz was the hook; the route's role matrix and patient scope still apply to them.
 */
export class MitzConsentHook implements ConsentHook {
  /**
   * The patient's choices are read once per request (per caller object, which the pipeline makes per request), so the
   * sources of one search are judged on the same read; the next request reads again, a withdrawal counts at once.
   */
  private readonly perRequest = new WeakMap<FhirCaller, Map<string, Promise<Decide>>>();

  constructor(
    private readonly mitz: MitzConsent,
    /** the LSP's address book: a consulter's organisation type, hence its Mitz category, by URA */
    private readonly addressBook: () => AddressBookEntry[],
  ) {}

  async check(q: ConsentQuestion): Promise<ConsentAnswer> {
    if (!q.holder) return { permit: true };
    const bsn = q.caller.patient?.bsn;
    if (!bsn) return { permit: false, summary: 'no consent can be established (no patient)', reason: 'no consent can be established without the patient’s BSN; data withheld' };
    const consulter = this.consulter(q.caller);
    const holderCategory = this.mitz.categoryOfOrganizationType(q.holder.organizationType);
    if (!holderCategory || !consulter.category) return { permit: false, summary: 'no consent can be established (organisation unknown to Mitz)', reason: `no consent can be established for ${consulter.label} (category unknown to Mitz); data withheld` };
    const d = (await this.decider(q.caller, bsn))(holderCategory, consulter.category);
    return d.decision === 'Permit' ? { permit: true } : { permit: false, summary: 'no consent (Mitz)', reason: `no consent (Mitz ${d.decision}) for ${consulter.label}: ${d.reason}` };
  }

  private decider(caller: FhirCaller, bsn: string): Promise<Decide> {
    let byBsn = this.perRequest.get(caller);
    if (!byBsn) this.perRequest.set(caller, (byBsn = new Map()));
    let d = byBsn.get(bsn);
    if (!d) {
      d = this.mitz.decider(bsn, MEDICATION_DATA_CATEGORY);
      byBsn.set(bsn, d);
      // a failed read is not kept: the next source of the same search asks again
      d.catch(() => byBsn.delete(bsn));
    }
    return d;
  }

  /** Mitz category of the requesting organisation, from the caller's URA (token, or the internal caller's X-Organisation-Ura) and the LSP's address book. */
  private consulter(caller: FhirCaller): { category?: string; label: string } {
    // a Dezi login makes the consulter the verified care worker at the verklaring's organisation (abonnee_nummer,
    // bound to the token's organisation at issuance), as the knooppunt's Mitz mapping does
    const dezi = consulterFromDezi(caller.token as Record<string, unknown> | undefined);
    const ura = dezi?.ura ?? caller.organisation?.ura;
    const who = dezi ? `${dezi.person} at ` : '';
    if (!ura) return { label: 'an unidentified organisation' };
    const org = this.addressBook().find((o) => o.ura === ura);
    if (!org) return { label: `${who}organisation URA ${ura} (not in the LSP address book)` };
    return { category: this.mitz.categoryOfOrganizationType(org.organizationType), label: `${who}${org.name} (${org.organizationType})` };
  }
}

/** The Mitz consulter a Dezi-backed token names: the care worker (Dezi number, verified role) and the verklaring's organisation. */
export function consulterFromDezi(token: Record<string, unknown> | undefined): { ura: string; person: string } | undefined {
  const dezi = token?.dezi_nummer;
  const ura = token?.dezi_organization_ura;
  if (typeof dezi !== 'string' || typeof ura !== 'string') return undefined;
  const role = typeof token?.employee_role_code === 'string' ? token.employee_role_code : '?';
  return { ura, person: `care worker Dezi ${dezi} (role ${role})` };
}
