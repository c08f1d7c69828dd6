// "Who looked at my data" in plain Dutch and English: access records of both nodes, joined by trace id, as sentences.
import { roleCatalogue } from '../../../node/src/vcr/index.js';

export type Lang = 'nl' | 'en';

/** The parts of a NEN 7513 record the portal reads (GET /internal/audit/v1/records). */
export interface AccessRecord {
  id: string;
  node: string;
  event: string;
  startedAt: string;
  actor?: {
    userId?: string;
    userName?: string;
    kind?: string;
    role?: { code: string; display?: string };
    organisation?: { ura: string; name?: string };
    responsible?: { id: string; name?: string; role?: { code: string; display?: string } };
    authentication?: { means: string; loa?: string };
  };
  object?: { type?: string; id?: string; query?: string; description?: string };
  outcome: { code: string; description?: string };
  peer?: { url?: string; ura?: string; name?: string };
  traceId?: string;
}

export interface AccessLine {
  key: string;
  when: string;
  who: string;
  text: string;
  refused: boolean;
  /** the nodes that logged this access (both sides of an exchange log it, under one trace id) */
  loggedBy: string[];
  /** the raw queries, on request */
  queries: string[];
}

const DATA: Array<{ type: string; category?: string; nl: string; en: string }> = [
  { type: 'MedicationRequest', category: '33633005', nl: 'medicatieafspraken', en: 'medication agreements' },
  { type: 'MedicationRequest', category: '16076005', nl: 'medicatieafspraken', en: 'medication agreements' },
  { type: 'MedicationRequest', category: '395067002', nl: "wisselende doseerschema's", en: 'variable dosing schedules' },
  { type: 'MedicationRequest', category: '52711000146108', nl: 'verstrekkingsverzoeken', en: 'dispense requests' },
  { type: 'MedicationDispense', category: '422037009', nl: 'toedieningsafspraken', en: 'administration agreements' },
  { type: 'MedicationDispense', category: '373784005', nl: 'medicatieverstrekkingen', en: 'medication dispenses' },
  { type: 'MedicationStatement', nl: 'medicatiegebruik', en: 'medication use' },
  { type: 'MedicationAdministration', nl: 'medicatietoedieningen', en: 'medication administrations' },
  { type: 'MedicationRequest', nl: 'medicatievoorschriften', en: 'medication requests' },
  { type: 'MedicationDispense', nl: 'medicatieverstrekkingen', en: 'medication dispenses' },
  { type: 'Patient', nl: 'persoonsgegevens', en: 'personal details' },
];

function dataName(r: AccessRecord, lang: Lang): string {
  const type = r.object?.type ?? '';
  const query = decodeURIComponent(r.object?.query ?? '');
  const category = /category=[^&]*?(\d{6,})/.exec(query)?.[1];
  const hit = DATA.find((d) => d.type === type && d.category === category) ?? DATA.find((d) => d.type === type && !d.category);
  return hit ? hit[lang] : lang === 'nl' ? `gegevens (${type || 'onbekend'})` : `data (${type || 'unknown'})`;
}

function roleName(code: string | undefined, display: string | undefined, lang: Lang): string | undefined {
  if (!code) return display;
  const role = roleCatalogue().get(code);
  const name = role ? (lang === 'nl' ? role.nl : role.en) : display ?? code;
  // "Verzorgende IG" inside a sentence: lower the first letter, keep abbreviations
  return /^[A-Z][a-z]/.test(name) ? name[0]!.toLowerCase() + name.slice(1) : name;
}

const list = (items: string[], lang: Lang) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} ${lang === 'nl' ? 'en' : 'and'} ${items[items.length - 1]}`);

export function formatWhen(iso: string, lang: Lang): string {
  const d = new Date(iso);
  const date = new Intl.DateTimeFormat(lang === 'nl' ? 'nl-NL' : 'en-GB', { timeZone: 'Europe/Amsterdam', day: 'numeric', month: 'long', year: 'numeric' }).format(d);
  const time = new Intl.DateTimeFormat('nl-NL', { timeZone: 'Europe/Amsterdam', hour: '2-digit', minute: '2-digit' }).format(d);
  return lang === 'nl' ? `${date} om ${time}` : `${date} at ${time}`;
}

/** Events on the client's dossier (not reads of the log itself, not token or credential events). */
const isDataAccess = (r: AccessRecord) => r.event.startsWith('fhir.') || r.event === 'data.request.outgoing';

/**
 * One line per access: the records of both nodes that share a trace id are one access (the care worker's request at
 * their own node and the LSP's answer). Newest first.
 */
export function accessLines(records: AccessRecord[], o: { lang: Lang; lspNode: string; organisations: Map<string, string> }): AccessLine[] {
  const groups = new Map<string, AccessRecord[]>();
  for (const r of records.filter(isDataAccess)) {
    const key = r.traceId ?? r.id;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const lines: AccessLine[] = [];
  for (const [key, rs] of groups) {
    rs.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    const serving = rs.filter((r) => r.event.startsWith('fhir.'));
    const main = serving.length ? serving : rs;
    const withActor = rs.find((r) => r.actor?.userName || r.actor?.responsible?.name) ?? rs[0]!;
    const a = withActor.actor ?? {};
    const who = a.responsible?.name ?? a.userName ?? a.userId ?? (o.lang === 'nl' ? 'een onbekende gebruiker' : 'an unknown user');
    const role = roleName(a.responsible?.role?.code ?? a.role?.code, a.responsible?.role?.display ?? a.role?.display, o.lang);
    const ura = a.organisation?.ura;
    const org = a.organisation?.name ?? (ura ? o.organisations.get(ura) : undefined) ?? (ura ? `URA ${ura}` : undefined);
    const refused = main.every((r) => r.outcome.code !== '0');
    const data = list([...new Set(main.map((r) => dataName(r, o.lang)))], o.lang);
    const viaLsp = rs.some((r) => r.node === o.lspNode);
    const when = formatWhen(rs[0]!.startedAt, o.lang);
    const whoPart = [who, role && `${role}`].filter(Boolean).join(', ') + (org ? (o.lang === 'nl' ? ` bij ${org}` : ` at ${org}`) : '');
    const via = viaLsp ? (o.lang === 'nl' ? 'via het LSP' : 'via the LSP') : o.lang === 'nl' ? 'in het eigen systeem van de organisatie' : "in the organisation's own system";
    const reason = refused ? main.find((r) => r.outcome.description)?.outcome.description : undefined;
    const text = o.lang === 'nl'
      ? refused
        ? `${whoPart} probeerde uw ${data} in te zien op ${when} ${via}; dit is geweigerd${reason ? ` (${reason})` : ''}.`
        : `${whoPart} bekeek uw ${data} op ${when} ${via}.`
      : refused
        ? `${whoPart} tried to view your ${data} on ${when} ${via}; this was refused${reason ? ` (${reason})` : ''}.`
        : `${whoPart} viewed your ${data} on ${when} ${via}.`;
    lines.push({ key, when: rs[0]!.startedAt, who, text, refused, loggedBy: [...new Set(rs.map((r) => r.node))], queries: main.map((r) => `${r.object?.type ?? ''}${r.object?.query ? `?${r.object.query}` : ''}`) });
  }
  return lines.sort((x, y) => y.when.localeCompare(x.when));
}

export const T = {
  nl: {
    title: 'Mijn gegevens bij de zorg',
    login: 'Inloggen met DigiD',
    loginNote: 'U logt in via TVS met DigiD (minimaal Substantieel), DigiD Machtigen of een Europees inlogmiddel (eIDAS).',
    overview: 'Wie heeft mijn gegevens bekeken?',
    consent: 'Mijn toestemming',
    logout: 'Uitloggen',
    loggedInAs: 'Ingelogd met',
    actingFor: 'U handelt namens',
    none: 'Er zijn nog geen toegangen tot uw gegevens vastgelegd.',
    integrity: 'Betrouwbaarheid van het logboek',
    holds: 'is onveranderd',
    witnessed: 'bevestigd door de kopie bij de andere partij (getuige)',
    broken: 'IS GEWIJZIGD OF ONVOLLEDIG',
    showQuery: 'toon de technische vraag',
    loggedBy: 'vastgelegd door',
    refusedTitle: 'Inloggen niet gelukt',
    loaTooLow: 'Uw inlogniveau is niet hoog genoeg voor medische gegevens. Log in met DigiD Substantieel of Hoog (de DigiD app met ID-check).',
    noBsn: 'Wij konden uw inlog niet koppelen aan een BSN, dus er is geen dossier om te tonen.',
    consentIntro: 'Per soort zorgaanbieder kiest u of die uw medicatiegegevens via het LSP mag delen. Geen keuze betekent nee.',
    all: 'Alle zorgaanbieders',
    yes: 'ja',
    no: 'nee',
    noChoice: 'nog geen keuze (betekent nee)',
    viaAll: 'via uw keuze voor alle zorgaanbieders',
    save: 'Opslaan',
    saved: 'Uw keuze is vastgelegd en geldt direct.',
    changes: 'Uw wijzigingen',
    next: 'oudere',
    prev: 'nieuwere',
  },
  en: {
    title: 'My data in care',
    login: 'Log in with DigiD',
    loginNote: 'You log in through TVS with DigiD (at least Substantieel), DigiD Machtigen or a European login means (eIDAS).',
    overview: 'Who looked at my data?',
    consent: 'My consent',
    logout: 'Log out',
    loggedInAs: 'Logged in with',
    actingFor: 'You act on behalf of',
    none: 'No accesses to your data have been recorded yet.',
    integrity: 'Integrity of the access log',
    holds: 'is unchanged',
    witnessed: "confirmed against the other party's copy (witness)",
    broken: 'HAS BEEN CHANGED OR IS INCOMPLETE',
    showQuery: 'show the technical query',
    loggedBy: 'logged by',
    refusedTitle: 'Login refused',
    loaTooLow: 'Your login level is not high enough for medical data. Log in with DigiD Substantieel or Hoog (the DigiD app with ID check).',
    noBsn: 'We could not link your login to a BSN, so there is no record to show.',
    consentIntro: 'For each kind of care provider you choose whether it may share your medication data through the LSP. No choice means no.',
    all: 'All care providers',
    yes: 'yes',
    no: 'no',
    noChoice: 'no choice yet (means no)',
    viaAll: 'through your choice for all care providers',
    save: 'Save',
    saved: 'Your choice has been recorded and applies at once.',
    changes: 'Your changes',
    next: 'older',
    prev: 'newer',
  },
} as const;
