import { buildOrgChart, type OrgChart, type OrgDepartment } from './org.js';
import { normalizePhone } from './phone.js';

/** A Bitrix24 user as identity needs it (built from user.get rows by the CRM layer). */
export interface DirectoryUser {
  id: number;
  active: boolean;
  name: string;
  phones: string[];
  departmentIds: number[];
  /** The Bitrix24 profile's time zone, when set. */
  timeZone?: string;
}

/** Where the org chart comes from: the CRM gateway in production, the sandbox portal in tests. */
export interface DirectorySource {
  users(): Promise<DirectoryUser[]>;
  departments(): Promise<OrgDepartment[]>;
}

export type PhoneMatch =
  | { ok: true; user: DirectoryUser }
  | { ok: false; reason: 'invalid' | 'none' | 'ambiguous' | 'inactive' };

export interface Directory {
  org(): Promise<OrgChart>;
  user(id: number): Promise<DirectoryUser | undefined>;
  findByPhone(phone: string): Promise<PhoneMatch>;
  /** Drops the cache; the next question reloads users and departments. */
  invalidate(): void;
}

interface Snapshot {
  loadedAt: number;
  org: OrgChart;
  users: Map<number, DirectoryUser>;
  byPhone: Map<string, DirectoryUser[]>;
}

/**
 * The org chart cached briefly (default 5 minutes): a user deactivated in Bitrix24 loses access at the next
 * refresh. Concurrent callers share one load. In the last `refreshAheadMs` of its life a snapshot is still served
 * while a fresh one loads in the background, so a process in use never makes a person wait for the org chart.
 */
export function createDirectory(options: { source: DirectorySource; ttlMs?: number; refreshAheadMs?: number; clock?: () => number }): Directory {
  const ttl = options.ttlMs ?? 5 * 60_000;
  const refreshAhead = Math.min(options.refreshAheadMs ?? 60_000, ttl / 2);
  const now = options.clock ?? Date.now;
  let snapshot: Snapshot | undefined;
  let loading: Promise<Snapshot> | undefined;

  async function load(): Promise<Snapshot> {
    const [users, departments] = await Promise.all([options.source.users(), options.source.departments()]);
    const byPhone = new Map<string, DirectoryUser[]>();
    for (const user of users) {
      for (const phone of new Set(user.phones.map(normalizePhone).filter((p): p is string => p !== null))) {
        byPhone.set(phone, [...(byPhone.get(phone) ?? []), user]);
      }
    }
    return {
      loadedAt: now(),
      org: buildOrgChart(departments, users.map((u) => ({ id: u.id, active: u.active, departmentIds: u.departmentIds }))),
      users: new Map(users.map((u) => [u.id, u])),
      byPhone,
    };
  }

  function reload(): Promise<Snapshot> {
    loading ??= load().then((fresh) => {
      snapshot = fresh;
      return fresh;
    }).finally(() => {
      loading = undefined;
    });
    return loading;
  }

  async function current(): Promise<Snapshot> {
    const age = snapshot ? now() - snapshot.loadedAt : Number.POSITIVE_INFINITY;
    if (snapshot && age < ttl) {
      // A failed background load keeps the current snapshot until it expires; the next read tries again.
      if (age >= ttl - refreshAhead) reload().catch(() => undefined);
      return snapshot;
    }
    return reload();
  }

  return {
    async org() {
      return (await current()).org;
    },
    async user(id) {
      return (await current()).users.get(id);
    },
    async findByPhone(phone) {
      const normalized = normalizePhone(phone);
      if (!normalized) return { ok: false, reason: 'invalid' };
      const matches = (await current()).byPhone.get(normalized) ?? [];
      const active = matches.filter((u) => u.active);
      if (active.length === 1) return { ok: true, user: active[0]! };
      if (active.length > 1) return { ok: false, reason: 'ambiguous' };
      return { ok: false, reason: matches.length > 0 ? 'inactive' : 'none' };
    },
    invalidate() {
      snapshot = undefined;
    },
  };
}
