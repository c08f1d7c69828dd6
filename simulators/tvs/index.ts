// Simulated TVS: the OpenID Connect provider a client portal uses for DigiD, DigiD Machtigen and eIDAS logins.
export { createTvs, CLIENT_ASSERTION_TYPE, type TvsClient, type TvsOptions, type RunningTvs } from './server.js';
export { LOA, LOA_URIS, DIGID_LEVELS, MEANS, PORTAL_SERVICE, loaRank, levelOfLoa, seedPeople, type DigidLevel, type Means, type TvsPerson, type Mandate } from './people.js';
