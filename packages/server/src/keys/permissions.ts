import type { Permission } from '@apikeys/types';

const WILDCARD = ':*';

/**
 * The required permissions that `held` does not grant. `users:*` grants every action on
 * `users`; a required wildcard is granted only by the same wildcard, never by a list of actions.
 */
export function missingPermissions(held: readonly Permission[], required: readonly Permission[]): Permission[] {
  const granted = new Set(held);
  return required.filter((permission) => {
    if (granted.has(permission)) {
      return false;
    }
    if (permission.endsWith(WILDCARD)) {
      return true;
    }
    const resource = permission.slice(0, permission.indexOf(':'));
    return !granted.has(`${resource}${WILDCARD}`);
  });
}
