/** What a message, a button or an audit step is about; `report` and `user` are for notices about no CRM row. */
export interface EntityRef {
  type: 'deal' | 'lead' | 'contact' | 'report' | 'user';
  id: number;
}

/** A row of the CRM itself: what a button acts on and whose responsible manager is re-read at press time. */
export type CrmRowRef = EntityRef & { type: 'lead' | 'deal' | 'contact' };
