/**
 * The CRM records that carry a child's birthday (a contact or a deal, per the rules file), read and written
 * through the gateway with only the fields this capability needs.
 */
import type { Contact, CrmGateway, Deal } from '../../crm/index.js';
import type { CalendarDate } from '../../rules/time/calendar-date.js';
import { dateFieldToCalendarDate } from '../../rules/time/index.js';

export type ChildEntity = 'contact' | 'deal';

export interface ChildRecord {
  entity: ChildEntity;
  id: number;
  /** Contact's name or deal title, for messages. */
  label: string;
  assignedById: number | null;
  /** The client contact a party deal links to (the contact itself, or the deal's contact). */
  contactId: number | null;
  dateField: CalendarDate | null;
  /** The free-text field as stored ('' when empty). */
  text: string;
}

export interface BirthdayFields {
  date: string;
  text: string;
}

export interface RecordStore {
  readonly entity: ChildEntity;
  readonly fields: BirthdayFields;
  select(): string[];
  toRecord(row: Contact | Deal): ChildRecord;
  get(id: number): Promise<ChildRecord>;
  update(id: number, fields: Record<string, unknown>): Promise<void>;
  /** Every record whose date or text field is not empty (two server-side filtered reads, merged by id). */
  listFilled(): Promise<ChildRecord[]>;
  /** Link to the record in the portal. */
  url(portalUrl: string, id: number): string;
}

function rawText(value: unknown): string {
  return typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value);
}

export function createRecordStore(crm: CrmGateway, entity: ChildEntity, fields: BirthdayFields, timezone: string): RecordStore {
  const select = entity === 'contact'
    ? ['ID', 'NAME', 'LAST_NAME', 'ASSIGNED_BY_ID', 'DATE_MODIFY', fields.date, fields.text]
    : ['ID', 'TITLE', 'ASSIGNED_BY_ID', 'CONTACT_ID', 'DATE_MODIFY', fields.date, fields.text];

  function toRecord(row: Contact | Deal): ChildRecord {
    const dateRaw = row.fields[fields.date];
    const common = {
      id: row.id,
      assignedById: row.assignedById ?? null,
      // A multiple date field comes back as an array: its first value is the child's date.
      dateField: dateFieldToCalendarDate(rawText(Array.isArray(dateRaw) ? dateRaw[0] : dateRaw), timezone),
      text: rawText(row.fields[fields.text]),
    };
    if (entity === 'contact') {
      const contact = row as Contact;
      const label = [contact.name, contact.lastName].filter(Boolean).join(' ') || `#${contact.id}`;
      return { ...common, entity, label, contactId: contact.id };
    }
    const deal = row as Deal;
    return { ...common, entity, label: deal.title || `#${deal.id}`, contactId: deal.contactId ?? null };
  }

  return {
    entity,
    fields,
    select: () => [...select],
    toRecord,
    async get(id) {
      return toRecord(entity === 'contact' ? await crm.getContact(id) : await crm.getDeal(id));
    },
    async update(id, values) {
      if (entity === 'contact') await crm.updateContact(id, values);
      else await crm.updateDeal(id, values);
    },
    async listFilled() {
      const byId = new Map<number, ChildRecord>();
      // Legacy list filters only AND their conditions, so "date or text not empty" takes two reads.
      for (const code of [fields.date, fields.text]) {
        for await (const page of crm.listAll(entity, { filter: { [`!${code}`]: '' }, select })) {
          for (const row of page.items) byId.set(row.id, toRecord(row));
        }
      }
      return [...byId.values()];
    },
    url: (portalUrl, id) => `${portalUrl}/crm/${entity}/details/${id}/`,
  };
}
