// The actor of a record in one shape, whoever derived it: token claims at the token endpoint, the /fhir caller, the internal API's user.
import type { AuditActor } from './record.js';

/** What is known of who acts; absent parts stay out of the record. */
export interface ActorFacts {
  userId: string;
  kind?: AuditActor['kind'];
  userName?: string;
  role?: AuditActor['role'];
  /** the organisation the actor acts for, by URA */
  ura?: string;
  organisationName?: string;
  clientId?: string;
  /** the responsible person (NEN 7513 7.3.6): the acting care worker, or the operator for the node's own process */
  responsible?: AuditActor['responsible'];
}

export function actorOf(f: ActorFacts): AuditActor {
  return {
    userId: f.userId,
    ...(f.kind ? { kind: f.kind } : {}),
    ...(f.userName ? { userName: f.userName } : {}),
    ...(f.role ? { role: f.role } : {}),
    ...(f.ura ? { organisation: { ura: f.ura, ...(f.organisationName ? { name: f.organisationName } : {}) } } : {}),
    ...(f.clientId ? { clientId: f.clientId } : {}),
    ...(f.responsible ? { responsible: f.responsible } : {}),
  };
}
