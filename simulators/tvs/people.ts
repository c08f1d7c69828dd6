// Who can log in at the simulated TVS, with which means, and at which level of assurance (LoA).

/**
 * Levels of assurance as the Dutch eID framework (Afsprakenstelsel Toegang / TVS) expresses them: eIDAS URIs, with
 * "NotNotified/low" for DigiD Basis, which is below the notified eIDAS "low" of DigiD Midden.
 */
export const LOA = {
  basis: 'http://eidas.europa.eu/LoA/NotNotified/low',
  midden: 'http://eidas.europa.eu/LoA/low',
  substantieel: 'http://eidas.europa.eu/LoA/substantial',
  hoog: 'http://eidas.europa.eu/LoA/high',
} as const;

export type DigidLevel = keyof typeof LOA;
export const DIGID_LEVELS = Object.keys(LOA) as DigidLevel[];
export const LOA_URIS = Object.values(LOA) as string[];

/** Rank of an LoA URI (higher is stronger); -1 for a URI TVS does not know. */
export function loaRank(uri: string | undefined): number {
  return uri ? LOA_URIS.indexOf(uri) : -1;
}

export function levelOfLoa(uri: string): DigidLevel | undefined {
  return DIGID_LEVELS.find((l) => LOA[l] === uri);
}

/** The means a person picks on the TVS page (routeringsvoorziening: DigiD, DigiD Machtigen, a foreign eIDAS means). */
export type Means = 'digid' | 'machtigen' | 'eidas';
export const MEANS: Record<Means, { label: string; amr: string[] }> = {
  digid: { label: 'DigiD', amr: ['digid'] },
  machtigen: { label: 'DigiD Machtigen', amr: ['digid', 'machtigen'] },
  eidas: { label: 'eIDAS (European login means)', amr: ['eidas'] },
};

/** A mandate registered in DigiD Machtigen: the representative may act for the client for this service only. */
export interface Mandate {
  /** the represented client */
  bsn: string;
  /** the Machtigen service (dienst) the mandate covers */
  service: { id: string; name: string };
}

export interface TvsPerson {
  /** the person's BSN; undefined for an eIDAS person the BRP/RNI cannot link to one */
  bsn?: string;
  /** shown on the simulated login page only: DigiD itself does not hand out names */
  displayName: string;
  /** the DigiD levels this person's DigiD account reaches (a DigiD app with ID check reaches substantieel) */
  digid?: DigidLevel[];
  /** an eIDAS identity (country/country/identifier) and the level its means reaches */
  eidas?: { id: string; level: 'substantieel' | 'hoog'; country: string };
  /** mandates this person holds as a representative */
  mandates?: Mandate[];
}

/** The Machtigen service of the lab's client portal: view the access log and manage medication-data consent. */
export const PORTAL_SERVICE = { id: 'urn:nuts-lsp-lab:machtigen:dienst:inzage-toegang-en-toestemming', name: 'Inzage toegangslog en toestemming medicatiegegevens' };

/**
 * Seed: the demo clients with DigiD accounts at different levels, a son who holds a mandate for his mother (DigiD
 * Machtigen), a client living across the border who logs in with a German eID (eIDAS, linked to his BSN), and an
 * eIDAS user the BRP cannot link to a BSN.
 */
export function seedPeople(clients: Array<{ bsn: string; name: string }>): TvsPerson[] {
  const people: TvsPerson[] = clients.map((c, i) => ({
    bsn: c.bsn,
    displayName: c.name,
    // every client has a DigiD; the first two have the app with ID check (substantieel), the third a hoog means
    digid: i === 2 ? [...DIGID_LEVELS] : i < 2 ? ['basis', 'midden', 'substantieel'] : ['basis', 'midden'],
  }));
  const mother = clients[0];
  if (mother) {
    people.push({ bsn: '999912008', displayName: `Peter ${mother.name.split(' ').slice(-1)[0]} (zoon van ${mother.name})`, digid: ['basis', 'midden', 'substantieel'], mandates: [{ bsn: mother.bsn, service: PORTAL_SERVICE }] });
  }
  const abroad = clients[3];
  if (abroad) {
    const p = people.find((x) => x.bsn === abroad.bsn)!;
    p.eidas = { id: 'DE/NL/4d1f0c2a9b', level: 'substantieel', country: 'DE' };
  }
  people.push({ displayName: 'Marie Dubois (eIDAS, no BSN)', eidas: { id: 'FR/NL/77e2a91c04', level: 'hoog', country: 'FR' } });
  return people;
}
