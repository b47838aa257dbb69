/**
 * Field schemas of the sandbox's CRM entities, as `crm.<entity>.fields` describes them. The schema drives value
 * normalisation on write, comparison in filters, the `*` / `UF_*` select masks and the wire format on read.
 */

export type FieldType =
  | 'integer' | 'double' | 'string' | 'char' | 'datetime' | 'date' | 'money' | 'boolean'
  | 'user' | 'crm_status' | 'crm_category' | 'crm_currency' | 'crm_contact' | 'crm_company' | 'crm_lead'
  | 'crm_multifield';

export interface FieldDef {
  type: FieldType;
  title: string;
  isReadOnly?: boolean;
  isImmutable?: boolean;
  isMultiple?: boolean;
  isRequired?: boolean;
  statusType?: string;
  /** A user field (UF_*): selected by the `UF_*` mask, rendered "" when empty. */
  isUserField?: boolean;
}

export type Schema = Readonly<Record<string, FieldDef>>;

/** One value of a multiple contact field (PHONE, EMAIL). */
export interface MultiFieldValue {
  ID: string;
  VALUE_TYPE: string;
  VALUE: string;
  TYPE_ID: 'PHONE' | 'EMAIL';
}

/**
 * Stored value of a field. Numbers for integer/double/user ids, epoch ms for datetimes, 'YYYY-MM-DD' (or '')
 * for dates, strings otherwise; money as "12000|RUB" (the Bitrix24 money user-field string format).
 */
export type CrmValue = string | number | boolean | null | readonly number[] | readonly MultiFieldValue[];
export type Row = Record<string, CrmValue>;

const NUMERIC_TYPES = new Set<FieldType>(['integer', 'double', 'user', 'crm_category', 'crm_contact', 'crm_company', 'crm_lead']);
export const isNumericType = (type: FieldType): boolean => NUMERIC_TYPES.has(type);

const f = (type: FieldType, title: string, extra: Partial<FieldDef> = {}): FieldDef => ({ type, title, ...extra });
const ro = { isReadOnly: true } as const;
const uf = (type: FieldType, title: string): FieldDef => ({ type, title, isUserField: true });

export const LEAD_SCHEMA: Schema = {
  ID: f('integer', 'ID', ro),
  TITLE: f('string', 'Lead name'),
  NAME: f('string', 'First name'),
  SECOND_NAME: f('string', 'Second name'),
  LAST_NAME: f('string', 'Last name'),
  COMPANY_TITLE: f('string', 'Company name'),
  SOURCE_ID: f('crm_status', 'Source', { statusType: 'SOURCE' }),
  SOURCE_DESCRIPTION: f('string', 'Source information'),
  STATUS_ID: f('crm_status', 'Status', { statusType: 'STATUS' }),
  STATUS_DESCRIPTION: f('string', 'Status information'),
  STATUS_SEMANTIC_ID: f('string', 'Status details', ro),
  OPPORTUNITY: f('double', 'Amount'),
  CURRENCY_ID: f('crm_currency', 'Currency'),
  OPENED: f('char', 'Available to everyone'),
  COMMENTS: f('string', 'Comment'),
  HAS_PHONE: f('char', 'Has phone', ro),
  HAS_EMAIL: f('char', 'Has email', ro),
  ADDRESS_CITY: f('string', 'City'),
  ASSIGNED_BY_ID: f('user', 'Responsible person'),
  CREATED_BY_ID: f('user', 'Created by', ro),
  MODIFY_BY_ID: f('user', 'Modified by', ro),
  MOVED_BY_ID: f('user', 'Moved by', ro),
  DATE_CREATE: f('datetime', 'Created on', ro),
  DATE_MODIFY: f('datetime', 'Modified on', ro),
  MOVED_TIME: f('datetime', 'Moved on', ro),
  DATE_CLOSED: f('datetime', 'Completed on', ro),
  CONTACT_ID: f('crm_contact', 'Contact'),
  PHONE: f('crm_multifield', 'Phone', { isMultiple: true }),
  EMAIL: f('crm_multifield', 'E-mail', { isMultiple: true }),
  UF_CRM_DIRECTION: uf('string', 'Direction'),
  UF_CRM_REQUEST_TYPE: uf('string', 'Request type'),
  UF_CRM_REGION: uf('string', 'Region'),
  UF_CRM_REJECT_STATUS: uf('string', 'Rejection status'),
  UF_CRM_REJECT_REASON: uf('string', 'Rejection reason'),
};

export const DEAL_SCHEMA: Schema = {
  ID: f('integer', 'ID', ro),
  TITLE: f('string', 'Title'),
  TYPE_ID: f('crm_status', 'Type', { statusType: 'DEAL_TYPE' }),
  CATEGORY_ID: f('crm_category', 'Sales Funnel', { isImmutable: true }),
  STAGE_ID: f('crm_status', 'Deal Stage', { statusType: 'DEAL_STAGE' }),
  STAGE_SEMANTIC_ID: f('string', 'Stage Group', ro),
  IS_NEW: f('char', 'New Deal', ro),
  PROBABILITY: f('integer', 'Probability'),
  CURRENCY_ID: f('crm_currency', 'Currency'),
  OPPORTUNITY: f('double', 'Amount'),
  IS_MANUAL_OPPORTUNITY: f('char', 'Manual amount'),
  COMPANY_ID: f('crm_company', 'Company'),
  CONTACT_ID: f('crm_contact', 'Contact'),
  BEGINDATE: f('date', 'Start date'),
  CLOSEDATE: f('date', 'Estimated close date'),
  OPENED: f('char', 'Available to everyone'),
  CLOSED: f('char', 'Closed', ro),
  COMMENTS: f('string', 'Comment'),
  SOURCE_ID: f('crm_status', 'Source', { statusType: 'SOURCE' }),
  LEAD_ID: f('crm_lead', 'Lead', ro),
  ASSIGNED_BY_ID: f('user', 'Responsible person'),
  CREATED_BY_ID: f('user', 'Created by', ro),
  MODIFY_BY_ID: f('user', 'Modified by', ro),
  MOVED_BY_ID: f('user', 'Moved by', ro),
  DATE_CREATE: f('datetime', 'Created on', ro),
  DATE_MODIFY: f('datetime', 'Modified on', ro),
  MOVED_TIME: f('datetime', 'Moved on', ro),
  ORIGINATOR_ID: f('string', 'External source'),
  ORIGIN_ID: f('string', 'Item ID in data source'),
  UF_CRM_PAID_AMOUNT: uf('money', 'Paid amount'),
  UF_CRM_NONSTD_CONDITIONS: uf('string', 'Non-standard conditions'),
  UF_CRM_REJECT_STATUS: uf('string', 'Rejection status'),
  UF_CRM_REJECT_REASON: uf('string', 'Rejection reason'),
  UF_CRM_SERVICE_TYPE: uf('string', 'Service type'),
  UF_CRM_DELIVERY_DATE: uf('date', 'Delivery date'),
};

export const CONTACT_SCHEMA: Schema = {
  ID: f('integer', 'ID', ro),
  NAME: f('string', 'First name'),
  SECOND_NAME: f('string', 'Second name'),
  LAST_NAME: f('string', 'Last name'),
  TYPE_ID: f('crm_status', 'Contact type', { statusType: 'CONTACT_TYPE' }),
  SOURCE_ID: f('crm_status', 'Source', { statusType: 'SOURCE' }),
  BIRTHDATE: f('date', 'Date of birth'),
  COMMENTS: f('string', 'Comment'),
  OPENED: f('char', 'Available to everyone'),
  HAS_PHONE: f('char', 'Has phone', ro),
  HAS_EMAIL: f('char', 'Has email', ro),
  ADDRESS_CITY: f('string', 'City'),
  ASSIGNED_BY_ID: f('user', 'Responsible person'),
  CREATED_BY_ID: f('user', 'Created by', ro),
  MODIFY_BY_ID: f('user', 'Modified by', ro),
  DATE_CREATE: f('datetime', 'Created on', ro),
  DATE_MODIFY: f('datetime', 'Modified on', ro),
  PHONE: f('crm_multifield', 'Phone', { isMultiple: true }),
  EMAIL: f('crm_multifield', 'E-mail', { isMultiple: true }),
  UF_CRM_CHILD_BIRTHDAY: uf('date', "Child's birthday"),
  UF_CRM_CHILD_BIRTHDAY_TEXT: uf('string', "Child's birthday (text)"),
};

/** crm.company.* (the fields a sales team's card shows; the portal has many more). */
export const COMPANY_SCHEMA: Schema = {
  ID: f('integer', 'ID', ro),
  TITLE: f('string', 'Company name', { isRequired: true }),
  COMPANY_TYPE: f('crm_status', 'Company type', { statusType: 'COMPANY_TYPE' }),
  INDUSTRY: f('crm_status', 'Industry', { statusType: 'INDUSTRY' }),
  COMMENTS: f('string', 'Comment'),
  OPENED: f('char', 'Available to everyone'),
  HAS_PHONE: f('char', 'Has phone', ro),
  HAS_EMAIL: f('char', 'Has email', ro),
  ASSIGNED_BY_ID: f('user', 'Responsible person'),
  CREATED_BY_ID: f('user', 'Created by', ro),
  MODIFY_BY_ID: f('user', 'Modified by', ro),
  DATE_CREATE: f('datetime', 'Created on', ro),
  DATE_MODIFY: f('datetime', 'Modified on', ro),
  PHONE: f('crm_multifield', 'Phone', { isMultiple: true }),
  EMAIL: f('crm_multifield', 'E-mail', { isMultiple: true }),
};

/** crm.stagehistory.list rows (integers come back as numbers there). */
export const DEAL_HISTORY_SCHEMA: Schema = {
  ID: f('integer', 'ID'), TYPE_ID: f('integer', 'Type'), OWNER_ID: f('integer', 'Owner'),
  CREATED_TIME: f('datetime', 'Created'), CATEGORY_ID: f('integer', 'Funnel'),
  STAGE_SEMANTIC_ID: f('string', 'Semantics'), STAGE_ID: f('crm_status', 'Stage'),
};
export const LEAD_HISTORY_SCHEMA: Schema = {
  ID: f('integer', 'ID'), TYPE_ID: f('integer', 'Type'), OWNER_ID: f('integer', 'Owner'),
  CREATED_TIME: f('datetime', 'Created'), STATUS_SEMANTIC_ID: f('string', 'Semantics'), STATUS_ID: f('crm_status', 'Status'),
};

export const USER_SCHEMA: Schema = {
  ID: f('integer', 'ID'), ACTIVE: f('boolean', 'Active'), NAME: f('string', 'Name'), LAST_NAME: f('string', 'Last name'),
  SECOND_NAME: f('string', 'Second name'), EMAIL: f('string', 'E-mail'), PERSONAL_MOBILE: f('string', 'Mobile'),
  WORK_PHONE: f('string', 'Work phone'), PERSONAL_PHONE: f('string', 'Phone'), PERSONAL_GENDER: f('string', 'Gender'),
  UF_DEPARTMENT: f('integer', 'Departments', { isMultiple: true }), UF_PHONE_INNER: f('string', 'Extension'),
  WORK_POSITION: f('string', 'Position'), TIME_ZONE: f('string', 'Time zone'), USER_TYPE: f('string', 'User type'),
  IS_ONLINE: f('char', 'Online'),
};

export const DEPARTMENT_SCHEMA: Schema = {
  ID: f('integer', 'ID'), NAME: f('string', 'Name'), SORT: f('integer', 'Sort'), PARENT: f('integer', 'Parent'),
  UF_HEAD: f('user', 'Head'),
};

export const STATUS_SCHEMA: Schema = {
  ID: f('integer', 'ID'), ENTITY_ID: f('string', 'Entity'), STATUS_ID: f('string', 'Status'), NAME: f('string', 'Name'),
  SORT: f('integer', 'Sort'), SEMANTICS: f('string', 'Semantics'), CATEGORY_ID: f('integer', 'Category'),
};

/** crm.timeline.comment.list rows. */
export const TIMELINE_COMMENT_SCHEMA: Schema = {
  ID: f('integer', 'ID'), CREATED: f('datetime', 'Created'), ENTITY_ID: f('integer', 'Entity'),
  ENTITY_TYPE: f('string', 'Entity type'), AUTHOR_ID: f('integer', 'Author'), COMMENT: f('string', 'Comment'),
};

export const TASK_SCHEMA: Schema = {
  ID: f('integer', 'ID'), TITLE: f('string', 'Title'), DESCRIPTION: f('string', 'Description'),
  RESPONSIBLE_ID: f('user', 'Responsible'), CREATED_BY: f('user', 'Created by'), CREATED_DATE: f('datetime', 'Created'),
  CHANGED_DATE: f('datetime', 'Changed'), DEADLINE: f('datetime', 'Deadline'), REAL_STATUS: f('integer', 'Status'),
  PRIORITY: f('integer', 'Priority'), UF_CRM_TASK: f('string', 'CRM', { isMultiple: true }),
  CLOSED_DATE: f('datetime', 'Closed'), GROUP_ID: f('integer', 'Group'),
};

/** Real `crm.<entity>.fields` description of one field. */
export function describeField(name: string, def: FieldDef): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: def.type === 'boolean' ? 'char' : def.type,
    isRequired: def.isRequired ?? false,
    isReadOnly: def.isReadOnly ?? false,
    isImmutable: def.isImmutable ?? false,
    isMultiple: def.isMultiple ?? false,
    isDynamic: def.isUserField ?? false,
  };
  if (def.statusType) out.statusType = def.statusType;
  if (def.isUserField) {
    out.title = name;
    out.listLabel = def.title;
    out.formLabel = def.title;
    out.filterLabel = def.title;
  } else {
    out.title = def.title;
  }
  return out;
}
