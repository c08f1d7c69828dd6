// Pilot seed: issues the LSPxNuts pilot credentials to a vendor's care-provider (HCP) and service-provider (SP) subjects, over the nodes' internal APIs.
import { URA_SYSTEM } from '../../node/src/fhir/index.js';
import { body, nodeClient, NodeApiError, type NodeClient, type VcrApi } from '../../node/src/api-client/index.js';

/** the AORTA context code the pilot's policy requires in authorizedActions (credentials/policies/lspxnuts-medicatie.json) */
export const MEDGEG_ACTION = 'aorta.contextcode.MEDGEG';
/** the pilot's jwt-bearer scope (credentials/policies/lspxnuts-medicatie.json) */
export const PILOT_SCOPE = 'medicatiegegevens';

/** A node as the seed reaches it: its internal API (a LabNode fits). */
export interface InternalApi {
  internalUrl: string;
}

export interface PilotSeedInput {
  /** the vendor's node: holds the HCP and SP subjects (both wallets on one node, as in the pilot) */
  vendorNode: InternalApi;
  /** care-provider subject on the vendor node; created when missing */
  hcpSubject: string;
  /** service-provider (vendor) subject on the vendor node; created when missing */
  spSubject: string;
  /** the mock LSP: issues the ServiceProviderCredential (pilot governance) and trusts itself for it */
  lspNode: InternalApi;
  /** issuing subject on the LSP node; created when missing (default 'lsp') */
  lspSubject?: string;
  /**
   * the HCP's UZI server certificate: a test-PKI organisation id (from `pki init`), or a chain and key (PEM). Omit when
   * the subject already has a bound certificate.
   */
  pki?: { organisation: string } | { chain: string; privateKey: string };
  /** vendor name in the ServiceProviderCredential */
  vendorName: string;
  /** the mandating care professional: UZI number and role code (UZI RoleCodeNL or VVT code) */
  professional: { uzi: string; roleCode: string; facilityType?: string };
  /** BSNs the HCP has enrolled (one PatientEnrollmentCredential each) */
  patients?: string[];
  /** actions delegated to the SP; default ["aorta.contextcode.MEDGEG"] */
  authorizedActions?: string[];
  /** validity of the did:web-issued credentials; default 365 days (the HealthcareProviderCredential never outlives the certificate) */
  validityDays?: number;
}

export interface PilotCredentials {
  hcpDid: string;
  spDid: string;
  lspDid: string;
  /** the HCP's URA, read from its certificate */
  ura: string;
  /** issued JWTs by type (PatientEnrollmentCredential: one per BSN) */
  healthcareProvider: string;
  professionalDelegation: string;
  patientEnrollments: Record<string, string>;
  serviceProviderDelegation: string;
  serviceProvider: string;
}

/** Thrown when the seed's input cannot give what the pilot needs; a node's refusal of a step is its NodeApiError. */
export class PilotSeedError extends Error {}

/** The subject's first DID, creating the subject when it does not exist. */
async function ensureSubject(node: NodeClient, subject: string): Promise<string> {
  try {
    return (await body(node.GET('/internal/vdr/v2/subject/{id}', { params: { path: { id: subject } } })))[0]!;
  } catch (e) {
    if (!(e instanceof NodeApiError && e.kind === 'refused')) throw e;
  }
  const created = await body(node.POST('/internal/vdr/v2/subject', { body: { subject } }));
  return created.documents[0]!.id;
}

const issue = async (node: NodeClient, request: VcrApi['schemas']['IssueVCRequest']) => (await body(node.POST('/internal/vcr/v2/issuer/vc', { body: { format: 'jwt_vc', ...request } }))) as string;
const store = (node: NodeClient, subject: string, jwt: string) => body(node.POST('/internal/vcr/v2/holder/{subjectID}/vc', { params: { path: { subjectID: subject } }, body: jwt }));

/**
 * Issues every pilot credential (reference lsp-mitz-uzi.md §2.3):
 * - HealthcareProviderCredential: self-issued with the HCP's UZI server certificate (did:x509) → HCP wallet;
 * - HealthCareProfessionalDelegationCredential and PatientEnrollmentCredential(s): issued by the HCP (lab stand-in for
 *   the professional's AET-signed card) → HCP wallet;
 * - ServiceProviderDelegationCredential: HCP → SP with delegatedBy = the HCP's URA and the MEDGEG action → SP wallet;
 * - ServiceProviderCredential: LSP → SP → SP wallet; the LSP trusts itself as its issuer.
 * The did:web-issued ones carry a StatusList2021 entry, so scenarios can revoke them.
 */
export async function issuePilotCredentials(input: PilotSeedInput): Promise<PilotCredentials> {
  const i = { ...input, vendorNode: nodeClient(input.vendorNode.internalUrl), lspNode: nodeClient(input.lspNode.internalUrl) };
  const hcpDid = await ensureSubject(i.vendorNode, i.hcpSubject);
  const spDid = await ensureSubject(i.vendorNode, i.spSubject);
  const lspDid = await ensureSubject(i.lspNode, i.lspSubject ?? 'lsp');
  const certPath = { params: { path: { subjectID: i.hcpSubject } } };
  if (i.pki) await body(i.vendorNode.POST('/internal/pki/v1/subjects/{subjectID}/certificate', { ...certPath, body: i.pki }));
  const cert = await body(i.vendorNode.GET('/internal/pki/v1/subjects/{subjectID}/certificate', certPath));
  const ura = cert.certificate.ura;
  if (!ura) throw new PilotSeedError(`the certificate bound to '${i.hcpSubject}' carries no URA`);

  const until = Date.now() + (i.validityDays ?? 365) * 86_400_000;
  const expirationDate = new Date(until).toISOString();
  const certExpiry = new Date(Math.min(until, Date.parse(cert.certificate.notAfter))).toISOString();
  const revocable = { expirationDate, withStatusList2021Revocation: true };

  const healthcareProvider = await issue(i.vendorNode, { type: 'HealthcareProviderCredential', issuer: hcpDid, expirationDate: certExpiry, credentialSubject: { id: hcpDid } });
  await store(i.vendorNode, i.hcpSubject, healthcareProvider);

  const registeredBy = `urn:oid:2.16.528.1.1007.3.1.${i.professional.uzi}`;
  const professionalDelegation = await issue(i.vendorNode, {
    type: 'HealthCareProfessionalDelegationCredential',
    issuer: hcpDid,
    credentialSubject: { id: hcpDid, registeredBy, roleCode: i.professional.roleCode, ...(i.professional.facilityType ? { facilityType: i.professional.facilityType } : {}) },
    ...revocable,
  });
  await store(i.vendorNode, i.hcpSubject, professionalDelegation);

  const patientEnrollments: Record<string, string> = {};
  for (const bsn of i.patients ?? []) {
    patientEnrollments[bsn] = await issue(i.vendorNode, { type: 'PatientEnrollmentCredential', issuer: hcpDid, credentialSubject: { id: hcpDid, patientId: `http://fhir.nl/fhir/NamingSystem/bsn|${bsn}`, registeredBy }, ...revocable });
    await store(i.vendorNode, i.hcpSubject, patientEnrollments[bsn]);
  }

  const serviceProviderDelegation = await issue(i.vendorNode, {
    type: 'ServiceProviderDelegationCredential',
    issuer: hcpDid,
    credentialSubject: {
      id: spDid,
      hasDelegation: {
        delegatedBy: { '@type': 'HealthcareProvider', identifier: [{ system: URA_SYSTEM, value: ura }] },
        scope: { authorizationRule: 'https://gis-nl.example/rules/medgeg-delegation', authorizedActions: i.authorizedActions ?? [MEDGEG_ACTION] },
      },
    },
    ...revocable,
  });
  await store(i.vendorNode, i.spSubject, serviceProviderDelegation);

  const serviceProvider = await issue(i.lspNode, { type: 'ServiceProviderCredential', issuer: lspDid, credentialSubject: { id: spDid, name: i.vendorName }, ...revocable });
  await store(i.vendorNode, i.spSubject, serviceProvider);
  await body(i.lspNode.POST('/internal/vcr/v2/verifier/trust', { body: { credentialType: 'ServiceProviderCredential', issuer: lspDid } }));

  return { hcpDid, spDid, lspDid, ura, healthcareProvider, professionalDelegation, patientEnrollments, serviceProviderDelegation, serviceProvider };
}
