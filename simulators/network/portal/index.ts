// The client portal (DigiD via TVS, "who looked at my data", Mitz-style consent) and its wiring to a running network.
export { createPortal, actorHeaders, type PortalOptions } from './server.js';
export { TvsRelyingParty, createPortalKeys, portalClientRegistration, REQUIRED_LOA, LoginRefused, type PortalIdentity, type PortalKeys } from './oidc.js';
export { accessLines, formatWhen, type AccessLine, type AccessRecord, type Lang } from './texts.js';
export { wirePortal, type RunningPortal } from './wiring.js';
