/**
 * Role names and the role hierarchy (`eng/backend/db`). The rules are Mesos's (`roles::validate`
 * with the characters listed in the reference): `*` is the unreserved pseudo-role and is valid on
 * its own; otherwise a role is a `/`-separated path whose components are not empty, `.`, `..` or
 * `*`, do not start with `-`, and contain no whitespace, control characters or backslash.
 */

export const UNRESERVED_ROLE = '*';

/** Why `role` is not a valid role name, or undefined when it is valid. */
export function roleProblem(role: string): string | undefined {
  if (role === UNRESERVED_ROLE) return undefined;
  if (role.length === 0) return 'Role names cannot be the empty string';
  if (role.startsWith('/')) return `Role '${role}' cannot start with a slash`;
  if (role.endsWith('/')) return `Role '${role}' cannot end with a slash`;
  if (role.includes('//')) return `Role '${role}' cannot contain two adjacent slashes`;
  for (const component of role.split('/')) {
    if (component === '.') return `Role '${role}' cannot include '.' as a component`;
    if (component === '..') return `Role '${role}' cannot include '..' as a component`;
    if (component === '*') return `Role '${role}' cannot include '*' as a component`;
    if (component.startsWith('-')) return `Role component '${component}' is invalid because it starts with a dash`;
    for (let i = 0; i < component.length; i++) {
      const c = component.charCodeAt(i);
      if (c <= 0x20 || c === 0x7f || c === 0x5c || (c >= 0x80 && c <= 0x9f) || c === 0xa0) {
        return `Role component '${component}' is invalid because it contains whitespace, a control character or a backslash`;
      }
    }
  }
  return undefined;
}

export function isValidRole(role: string): boolean {
  return roleProblem(role) === undefined;
}

/** True when `child` is strictly below `ancestor` in the hierarchy (`a/b` is a strict subrole of `a`). */
export function isStrictSubrole(child: string, ancestor: string): boolean {
  return child.length > ancestor.length && child.charCodeAt(ancestor.length) === 0x2f && child.startsWith(ancestor);
}

/** `role` itself or one of its descendants. */
export function isInSubtree(role: string, subtreeRoot: string): boolean {
  return role === subtreeRoot || isStrictSubrole(role, subtreeRoot);
}

/** Ancestors from the nearest to the top-level one: `a/b/c` → [`a/b`, `a`]. */
export function roleAncestors(role: string): string[] {
  const out: string[] = [];
  for (let i = role.length - 1; i > 0; i--) if (role.charCodeAt(i) === 0x2f) out.push(role.slice(0, i));
  return out;
}

/** The parent role, or undefined for a top-level role. */
export function parentRole(role: string): string | undefined {
  const i = role.lastIndexOf('/');
  return i < 0 ? undefined : role.slice(0, i);
}

/** The top-level role of a path (`a/b/c` → `a`). */
export function topLevelRole(role: string): string {
  const i = role.indexOf('/');
  return i < 0 ? role : role.slice(0, i);
}

export function isHierarchicalRole(role: string): boolean {
  return role.includes('/');
}
