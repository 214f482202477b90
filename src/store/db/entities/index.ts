import { AuditEvent } from "./audit-event.js";
import { Identifier } from "./identifier.js";
import { RefreshToken } from "./refresh-token.js";
import { Session } from "./session.js";
import { SigningKey } from "./signing-key.js";
import { User } from "./user.js";

export { AuditEvent, Identifier, RefreshToken, Session, SigningKey, User };

/** Every entity of the store, in the order MikroORM discovers them. */
export const ENTITIES = [User, Identifier, Session, RefreshToken, SigningKey, AuditEvent];
