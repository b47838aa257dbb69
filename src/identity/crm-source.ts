import type { CrmRowRef } from '../crm/entity-ref.js';
import { type CrmGateway, CrmNotFoundError } from '../crm/index.js';

/** Re-reads who is responsible for an entity, at press time (null: it no longer exists). */
export type OwnerLookup = (entity: CrmRowRef) => Promise<number | null>;

import type { DirectorySource } from './directory.js';

/** The org chart from Bitrix24: every user (active or not, so an inactive match can be explained) and departments. */
export function crmDirectorySource(crm: CrmGateway): DirectorySource {
  return {
    async users() {
      const users = await crm.getUsers({ includeInactive: true, refresh: true });
      return users
        .filter((u) => !u.userType || u.userType === 'employee')
        .map((u) => ({
          id: u.id,
          active: u.active === true,
          name: [u.name, u.lastName].filter(Boolean).join(' ') || `#${u.id}`,
          phones: u.phones ?? [],
          departmentIds: u.departmentIds ?? [],
          ...(u.timeZone ? { timeZone: u.timeZone } : {}),
        }));
    },
    async departments() {
      const departments = await crm.getDepartments({ refresh: true });
      return departments.map((d) => ({ id: d.id, parentId: d.parentId, headId: d.headId }));
    },
  };
}

/** Who is responsible for an entity right now (a fresh read, never a cache): the press-time authorization input. */
export function crmOwnerLookup(crm: CrmGateway): OwnerLookup {
  return async (entity) => {
    try {
      const row = entity.type === 'deal' ? await crm.getDeal(entity.id)
        : entity.type === 'lead' ? await crm.getLead(entity.id)
          : await crm.getContact(entity.id);
      return row.assignedById ?? null;
    } catch (error) {
      if (error instanceof CrmNotFoundError) return null;
      throw error;
    }
  };
}
