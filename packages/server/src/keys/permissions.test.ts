import { describe, expect, it } from 'vitest';
import { missingPermissions } from './permissions.js';

describe('permission matching', () => {
  it('grants a permission held as such, and every action of a resource held as a wildcard', () => {
    expect(missingPermissions(['users:read'], ['users:read'])).toEqual([]);
    expect(missingPermissions(['users:*'], ['users:read', 'users:write', 'users:x.y-z'])).toEqual([]);
    expect(missingPermissions([], [])).toEqual([]);
  });

  it('grants a required wildcard only by the same wildcard', () => {
    expect(missingPermissions(['users:read', 'users:write'], ['users:*'])).toEqual(['users:*']);
    expect(missingPermissions(['users:*'], ['users:*'])).toEqual([]);
  });

  it('names exactly what is missing, matching case and resource exactly', () => {
    expect(
      missingPermissions(['users:*', 'orders:read'], ['orders:write', 'Users:read', 'users:read', 'user:read']),
    ).toEqual(['orders:write', 'Users:read', 'user:read']);
    expect(missingPermissions(['users.admin:*'], ['users:read'])).toEqual(['users:read']);
  });
});
