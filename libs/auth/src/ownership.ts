import { NotFoundError } from '@lgm/core';

import type { Principal } from './principal';

/**
 * Passes when the principal owns the resource; otherwise the resource "does not exist" (404), so
 * another owner's ids cannot be probed.
 *
 * @example
 * assertOwner(request.principal, session.ownerId, 'Session', session.id);
 */
export function assertOwner(
  principal: Pick<Principal, 'sub'>,
  ownerId: string | undefined,
  resource: string,
  id?: string,
): void {
  if (ownerId === undefined || ownerId !== principal.sub) throw new NotFoundError(resource, id);
}
