import { DEMO } from '@dealpilot/sandbox/bitrix/demo-ids';
import type { SandboxEnvironment } from '../../src/demo/environment.js';
import { addDeal, MANAGER, MOSCOW_HEAD, REGION_MANAGER, startDealsEnvironment } from '../deals/helpers.js';

export { MANAGER, MOSCOW_HEAD, REGION_MANAGER };
export const OTHER_MOSCOW_MANAGER = DEMO.users.moscowManagers[1];

export interface DeskWorld {
  env: SandboxEnvironment;
  base: string;
  deals: { stuck: number; fresh: number; awaitingPayment: number; regions: number; xss: number; contract: number; company: number; companyRegions: number };
  lead: number;
  contact: { id: number; phone: string };
}

/** The app on the sandboxes with a few deals and a contact the desk tests look at. */
export async function startDeskWorld(label: string): Promise<DeskWorld> {
  const env = await startDealsEnvironment(label);
  // The demo company's own open leads are closed too: the desk tests look only at what is made here.
  for (const lead of env.bitrix.store.listLeads()) {
    if (lead.STATUS_SEMANTIC_ID === 'P') env.bitrix.store.updateLead(Number(lead.ID), { STATUS_ID: 'JUNK' }, { silent: true });
  }
  const contactId = env.bitrix.store.addContact({
    NAME: 'Светлана', LAST_NAME: 'Кузнецова', ASSIGNED_BY_ID: MANAGER, PHONE: [{ VALUE: '+7 (916) 555-12-34', VALUE_TYPE: 'MOBILE' }],
    UF_CRM_CHILD_BIRTHDAY_TEXT: 'ДР 14 мая 2019',
  }, { silent: true });
  const company = env.bitrix.store.addCompany({ TITLE: 'ООО «Энергосеть»', ASSIGNED_BY_ID: MANAGER }, { silent: true });
  const deals = {
    stuck: addDeal(env, { title: 'Поставка трансформаторов', stageId: 'PREPARATION', daysAgo: 9, extra: { CONTACT_ID: contactId } }),
    fresh: addDeal(env, { title: 'Кабельная продукция', stageId: 'NEW', daysAgo: 0 }),
    awaitingPayment: addDeal(env, { title: 'Монтаж щитов', stageId: 'PREPAYMENT_INVOICE', daysAgo: 1, extra: { UF_CRM_SERVICE_TYPE: 'install' } }),
    regions: addDeal(env, { title: 'Поставка трансформаторов в Казань', stageId: 'NEW', daysAgo: 1, assignedTo: REGION_MANAGER }),
    xss: addDeal(env, { title: '<img src=x onerror=alert(1)>', stageId: 'NEW', daysAgo: 0 }),
    company: addDeal(env, { title: 'Подстанция', stageId: 'NEW', daysAgo: 0, extra: { COMPANY_ID: company } }),
    companyRegions: addDeal(env, { title: 'Подстанция-2', stageId: 'NEW', daysAgo: 0, assignedTo: REGION_MANAGER, extra: { COMPANY_ID: company } }),
    contract: addDeal(env, { title: 'Договор на обслуживание', stageId: 'UC_CONTRACT', daysAgo: 1, assignedTo: OTHER_MOSCOW_MANAGER, extra: { UF_CRM_SERVICE_TYPE: 'Монтаж' } }),
  };
  // The menu button is registered in the background after the bot starts.
  await env.app.bot?.profileSynced();
  const lead = env.bitrix.store.addLead({ TITLE: 'Заявка с сайта: кабель', STATUS_ID: 'NEW', ASSIGNED_BY_ID: MANAGER, NAME: 'Олег', PHONE: [{ VALUE: '+7 903 111-22-33', VALUE_TYPE: 'WORK' }] }, { silent: true });
  return { env, base: env.app.desk!.url()!, deals, lead, contact: { id: contactId, phone: '8 916 5551234' } };
}
