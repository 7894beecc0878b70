// Who is asking, for audit records: AdminJS hands actions a copy of the request's own properties, so the
// panel's router stores the client meta (honouring `trust proxy`) on the request as an own property.
import type { ActionRequest } from 'adminjs';

export interface AdminClient {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export const CLIENT = 'agoraClient';

export function clientOf(request: ActionRequest): AdminClient {
  const c = (request as unknown as Record<string, AdminClient | undefined>)[CLIENT];
  return c ?? { ip: null, userAgent: null, requestId: null };
}
