import type { CrmGateway, StageHistoryEntry } from '../crm/index.js';
import { withoutMarker } from '../crm/once.js';

/** Stage changes and comments a card shows. */
export const RECENT_ACTIVITY = 5;

/** What a card shows of an entity's past: its last stage changes and timeline comments, newest first. */
export interface RecentActivity {
  history: StageHistoryEntry[];
  /** As people read them: without DealPilot's marker line. */
  comments: Array<{ at: Date | null; text: string }>;
}

/** Two reads side by side; a timeline that cannot be read leaves the card without comments rather than failing it. */
export async function recentActivity(crm: Pick<CrmGateway, 'listStageHistory' | 'call'>, entity: 'deal' | 'lead', id: number, limit: number): Promise<RecentActivity> {
  const [history, comments] = await Promise.all([
    crm.listStageHistory(entity, { filter: { OWNER_ID: id } }).then((r) => r.items),
    crm.call<Array<{ CREATED?: string; COMMENT?: string }>>('crm.timeline.comment.list', {
      filter: { ENTITY_ID: id, ENTITY_TYPE: entity }, select: ['ID', 'CREATED', 'COMMENT'], order: { CREATED: 'DESC' },
    }).catch(() => []),
  ]);
  return {
    history: [...history].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).slice(0, limit),
    comments: (Array.isArray(comments) ? comments : []).slice(0, limit)
      .map((c) => ({ at: c.CREATED ? new Date(c.CREATED) : null, text: withoutMarker(String(c.COMMENT ?? '')) })),
  };
}
