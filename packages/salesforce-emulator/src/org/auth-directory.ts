import type { AuthUser, AuthUserDirectory } from '../auth/index.js';
import type { EmulatedOrg } from './emulated-org.js';
import { toId18 } from './ids.js';
import type { StoredRecord } from './table.js';

/** Adapts the org's User and UserLogin rows to the OAuth server's directory port; reads live state. */
export function authDirectoryFor(org: EmulatedOrg): AuthUserDirectory {
  const toAuthUser = (user: StoredRecord | undefined): AuthUser | undefined => {
    if (user === undefined) return undefined;
    const id = user.Id as string;
    return {
      id,
      username: String(user.Username),
      isActive: user.IsActive === true,
      isFrozen: org.isFrozen(id),
      orgId: org.organizationId,
      displayName: String(user.Name ?? ''),
      email: String(user.Email ?? ''),
    };
  };
  const users = org.store.table('User').live;
  return {
    findByUsername: (username) => {
      const id = org.store.userIdByUsername(username);
      return id === undefined ? undefined : toAuthUser(users.get(id));
    },
    findById: (id) => {
      const id18 = toId18(id);
      return id18 === undefined ? undefined : toAuthUser(users.get(id18));
    },
    recordLogin: (id, at) => org.recordLogin(id, at),
  };
}
