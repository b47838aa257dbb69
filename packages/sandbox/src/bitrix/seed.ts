/**
 * Seed data: the demo portal (a sales company with three pipelines, a few hundred leads and deals, contacts with
 * every messy form of a child's birthday) and big generated portals for benchmarks. Deterministic: everything
 * random comes from a seeded PRNG and every date is relative to the portal clock's "now".
 */

import { createClock, type SandboxClock } from './clock.js';
import { DEMO } from './demo-ids.js';
import type { Row } from './fields.js';
import { PortalTime } from './portal-time.js';
import { createPrng, type Prng } from './prng.js';
import { BitrixStore, type SandboxUser, type StageDef } from './store.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

// ---- organisation ----------------------------------------------------------------------------------------------

type UserSeed = Partial<SandboxUser> & { ID: number; NAME: string; LAST_NAME: string };

const USERS: UserSeed[] = [
  { ID: 1, NAME: 'Алексей', LAST_NAME: 'Смирнов', PERSONAL_GENDER: 'M', WORK_POSITION: 'Генеральный директор', UF_DEPARTMENT: [1],
    PERSONAL_MOBILE: '+7 (916) 100-00-01', EMAIL: 'a.smirnov@example.ru', IS_ADMIN: true },
  { ID: 2, NAME: 'Ирина', LAST_NAME: 'Кузнецова', PERSONAL_GENDER: 'F', WORK_POSITION: 'Коммерческий директор', UF_DEPARTMENT: [2],
    PERSONAL_MOBILE: '8 916 2000002', EMAIL: 'i.kuznetsova@example.ru' },
  { ID: 3, NAME: 'Дмитрий', LAST_NAME: 'Волков', PERSONAL_GENDER: 'M', WORK_POSITION: 'Руководитель продаж (Москва)',
    UF_DEPARTMENT: [3], PERSONAL_MOBILE: '+79163000003', WORK_PHONE: '+7 495 300-00-03', EMAIL: 'd.volkov@example.ru' },
  { ID: 4, NAME: 'Ольга', LAST_NAME: 'Морозова', PERSONAL_GENDER: 'F', WORK_POSITION: 'Аккаунт-менеджер', UF_DEPARTMENT: [2],
    PERSONAL_MOBILE: '8 (916) 400-00-04', EMAIL: 'o.morozova@example.ru' },
  { ID: 10, NAME: 'Сергей', LAST_NAME: 'Петров', PERSONAL_GENDER: 'M', UF_DEPARTMENT: [3], PERSONAL_MOBILE: '+7 (916) 123-45-67' },
  { ID: 11, NAME: 'Анна', LAST_NAME: 'Соколова', PERSONAL_GENDER: 'F', UF_DEPARTMENT: [3], PERSONAL_MOBILE: '8 916 1234511',
    WORK_PHONE: '+7 (495) 123-45-00' },
  { ID: 12, NAME: 'Максим', LAST_NAME: 'Лебедев', PERSONAL_GENDER: 'M', UF_DEPARTMENT: [3], PERSONAL_MOBILE: '89161234512',
    WORK_PHONE: '+7 (495) 123-45-00' },
  { ID: 13, NAME: 'Елена', LAST_NAME: 'Козлова', PERSONAL_GENDER: 'F', UF_DEPARTMENT: [3], PERSONAL_MOBILE: '+7 916 123 45 13' },
  { ID: 14, NAME: 'Никита', LAST_NAME: 'Новиков', PERSONAL_GENDER: 'M', UF_DEPARTMENT: [3], PERSONAL_MOBILE: '8-916-123-45-14' },
  { ID: 15, NAME: 'Татьяна', LAST_NAME: 'Попова', PERSONAL_GENDER: 'F', UF_DEPARTMENT: [4], PERSONAL_MOBILE: '+7 (843) 215-15-15' },
  { ID: 16, NAME: 'Артём', LAST_NAME: 'Васильев', PERSONAL_GENDER: 'M', UF_DEPARTMENT: [4], PERSONAL_MOBILE: '+7 (926) 555-16-22' },
  { ID: 17, NAME: 'Мария', LAST_NAME: 'Зайцева', PERSONAL_GENDER: 'F', UF_DEPARTMENT: [4], PERSONAL_MOBILE: '8 343 2171717',
    TIME_ZONE: 'Asia/Yekaterinburg' },
  { ID: 18, NAME: 'Иван', LAST_NAME: 'Павлов', PERSONAL_GENDER: 'M', UF_DEPARTMENT: [4], PERSONAL_MOBILE: '+7 912 318-18-18' },
  { ID: 19, NAME: 'Юлия', LAST_NAME: 'Семёнова', PERSONAL_GENDER: 'F', UF_DEPARTMENT: [4], PERSONAL_MOBILE: '8 (846) 219-19-19',
    TIME_ZONE: 'Europe/Samara' },
  { ID: 20, NAME: 'Наталья', LAST_NAME: 'Голубева', PERSONAL_GENDER: 'F', WORK_POSITION: 'Руководитель HR', UF_DEPARTMENT: [5],
    PERSONAL_MOBILE: '+7 (916) 200-20-20', EMAIL: 'hr@example.ru' },
  { ID: 21, NAME: 'Павел', LAST_NAME: 'Виноградов', PERSONAL_GENDER: 'M', WORK_POSITION: 'Рекрутер', UF_DEPARTMENT: [5],
    PERSONAL_MOBILE: '8 916 2102121' },
  { ID: 22, NAME: 'Андрей', LAST_NAME: 'Богданов', PERSONAL_GENDER: 'M', UF_DEPARTMENT: [3], ACTIVE: false,
    PERSONAL_MOBILE: '8 926 5551622' },
  { ID: 25, NAME: 'Светлана', LAST_NAME: 'Фёдорова', PERSONAL_GENDER: 'F', WORK_POSITION: 'Главный бухгалтер', UF_DEPARTMENT: [6],
    PERSONAL_MOBILE: '+7 (916) 250-25-25', EMAIL: 'buh@example.ru' },
  { ID: 99, NAME: 'Входящие', LAST_NAME: 'лиды', WORK_POSITION: 'Служебный пользователь', UF_DEPARTMENT: [1] },
];

const MANAGER_POSITION = 'Менеджер по продажам';

const LEAD_STATUSES: Array<[string, string, StageDef['semantics']]> = [
  ['NEW', 'Не обработан', 'P'], ['IN_PROCESS', 'В работе', 'P'], ['PROCESSED', 'Обработан', 'P'],
  ['CONVERTED', 'Сконвертирован', 'S'], ['JUNK', 'Некачественный лид', 'F'],
];
const SOURCES: Array<[string, string]> = [
  ['CALL', 'Звонок'], ['WEB', 'Веб-сайт'], ['EMAIL', 'Электронная почта'], ['ADVERTISING', 'Реклама'],
  ['PARTNER', 'Партнёры'], ['RECOMMENDATION', 'По рекомендации'], ['OTHER', 'Другое'],
];
const PIPELINES: Array<{ id: number; name: string; sort: number; stages: Array<[string, string, StageDef['semantics']]> }> = [
  { id: 0, name: 'Продажи', sort: 100, stages: [
    ['NEW', 'Новая', 'P'], ['PREPARATION', 'Коммерческое предложение', 'P'], ['UC_CONTRACT', 'Согласование договора', 'P'],
    ['UC_REWORK', 'Доработка договора', 'P'], ['PREPAYMENT_INVOICE', 'Ожидание оплаты', 'P'], ['EXECUTING', 'В работе', 'P'],
    ['FINAL_INVOICE', 'Результаты отправлены', 'P'], ['WON', 'Сделка успешна', 'S'], ['LOSE', 'Сделка провалена', 'F'],
  ] },
  { id: 1, name: 'Праздники', sort: 200, stages: [
    ['C1:NEW', 'Новая', 'P'], ['C1:PREPARATION', 'Подготовка', 'P'], ['C1:PREPAYMENT_INVOICE', 'Ожидание предоплаты', 'P'],
    ['C1:EXECUTING', 'Праздник запланирован', 'P'], ['C1:WON', 'Праздник проведён', 'S'], ['C1:LOSE', 'Отказ', 'F'],
  ] },
  { id: 2, name: 'Проверка дня рождения', sort: 300, stages: [
    ['C2:NEW', 'Проверить дату', 'P'], ['C2:WON', 'Проверено', 'S'], ['C2:LOSE', 'Отменено', 'F'],
  ] },
];
const COLORS = { P: '#39A8EF', S: '#7BD500', F: '#FF5752' } as const;

/** Departments, users, presence, lead statuses, sources, pipelines and stages of the demo company. */
export function seedOrganisation(store: BitrixStore): void {
  store.addDepartment({ ID: 1, NAME: 'Компания', UF_HEAD: 1 });
  store.addDepartment({ ID: 2, NAME: 'Отдел продаж', PARENT: 1, UF_HEAD: 2 });
  store.addDepartment({ ID: 3, NAME: 'Продажи Москва', PARENT: 2, UF_HEAD: 3 });
  store.addDepartment({ ID: 4, NAME: 'Продажи Регионы', PARENT: 2, UF_HEAD: null });
  store.addDepartment({ ID: 5, NAME: 'HR', PARENT: 1, UF_HEAD: 20 });
  store.addDepartment({ ID: 6, NAME: 'Бухгалтерия', PARENT: 1, UF_HEAD: 25 });
  for (const user of USERS) {
    const isManager = user.ID >= 10 && user.ID <= 19 || user.ID === 22;
    store.addUser({
      EMAIL: `user${user.ID}@example.ru`, WORK_POSITION: isManager ? MANAGER_POSITION : '', ...user,
    });
  }
  const today = store.time.dateOf(store.clock.nowMs());
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  store.setPresence(DEMO.users.onVacation, { absentUntil: store.time.dateOf(store.time.localToEpoch(y, m, d) + 7 * DAY + 12 * HOUR) });
  store.setPresence(DEMO.users.dayClosed, { timeman: 'CLOSED' });
  store.setPresence(DEMO.users.dayPaused, { timeman: 'PAUSED' });
  store.setPresence(DEMO.users.formerManager, { timeman: 'CLOSED' });

  LEAD_STATUSES.forEach(([statusId, name, semantics], i) => store.addStage({
    entityId: 'STATUS', statusId, name, sort: (i + 1) * 10, semantics, categoryId: null, color: COLORS[semantics],
  }));
  SOURCES.forEach(([statusId, name], i) => store.addStage({
    entityId: 'SOURCE', statusId, name, sort: (i + 1) * 10, semantics: 'P', categoryId: null, color: '',
  }));
  for (const pipeline of PIPELINES) {
    store.addCategory({ id: pipeline.id, name: pipeline.name, sort: pipeline.sort, isDefault: pipeline.id === 0 });
    pipeline.stages.forEach(([statusId, name, semantics], i) => store.addStage({
      entityId: store.dealStageEntity(pipeline.id), statusId, name, sort: (i + 1) * 10, semantics,
      categoryId: pipeline.id, color: COLORS[semantics],
    }));
  }
}

// ---- leads -----------------------------------------------------------------------------------------------------

const FIRST_NAMES = ['Олег', 'Виктор', 'Людмила', 'Галина', 'Роман', 'Кирилл', 'Евгения', 'Вера', 'Георгий', 'Полина'];
const LAST_NAMES = ['Орлов', 'Андреев', 'Макарова', 'Никитина', 'Захаров', 'Борисов', 'Яковлева', 'Григорьева', 'Степанов', 'Романова'];
const DIRECTIONS = ['Энергетика', 'Строительство', 'Автоматизация', 'Освещение'];
const REGIONS = ['Москва', 'Москва', 'Москва', 'Санкт-Петербург', 'Казань', 'Екатеринбург', 'Новосибирск', 'Краснодар'];
const REQUEST_TYPES = ['order', 'order', 'order', 'order', 'order', 'order', 'question', 'question', 'partnership', 'hr'];
const TITLES: Record<string, string[]> = {
  Энергетика: ['Нужен трансформатор ТМГ-1000', 'Поставка трансформаторов для завода', 'Запрос по трансформатору 630 кВА',
    'Строительство подстанции 110 кВ', 'Ремонт подстанций', 'Кабель ВВГнг 3х2,5 — 5 км', 'Прокладка кабелей на объекте',
    'Заказ кабеля АВБбШв'],
  Строительство: ['Монтаж металлоконструкций', 'Проект склада', 'Фундамент под оборудование', 'Реконструкция цеха'],
  Автоматизация: ['АСУ ТП для котельной', 'Щиты автоматики', 'Диспетчеризация здания', 'Модернизация КИПиА'],
  Освещение: ['Уличное освещение посёлка', 'Светильники для склада', 'Освещение парковки'],
};
const COMMENTS = ['Клиенту нужны трансформаторы и кабель, срочно', 'Интересуются подстанцией под ключ',
  'Просят КП до пятницы', 'Звонил повторно, ждёт ответа', 'Нужна консультация инженера', 'Работали с нами в прошлом году', ''];
const HR_TITLES = ['Резюме: менеджер по продажам', 'Отклик на вакансию инженера', 'Хочу у вас работать'];
const QUESTION_TITLES = ['Вопрос по доставке', 'Уточнить сроки поставки', 'Есть ли гарантия на трансформаторы?'];
const PARTNER_TITLES = ['Предложение о партнёрстве', 'Дилерство в регионе', 'Совместный проект по подстанциям'];

function messyPhone(prng: Prng): string {
  const digits = `9${prng.int(10, 99)}${prng.int(1000000, 9999999)}`;
  const a = digits.slice(0, 3);
  const b = digits.slice(3, 6);
  const c = digits.slice(6, 8);
  const e = digits.slice(8, 10);
  return prng.pick([`+7 (${a}) ${b}-${c}-${e}`, `8 ${a} ${b}${c}${e}`, `+7${digits}`, `8-${a}-${b}-${c}-${e}`]);
}

interface LeadSpec {
  fields: Record<string, unknown>;
  created: number;
  status: string;
  moved: number;
}

function leadSpec(prng: Prng, created: number, now: number, isRecent: boolean): LeadSpec {
  const requestType = prng.pick(REQUEST_TYPES);
  const direction = prng.pick(DIRECTIONS);
  const region = prng.pick(REGIONS);
  const title = requestType === 'hr' ? prng.pick(HR_TITLES) : requestType === 'question' ? prng.pick(QUESTION_TITLES)
    : requestType === 'partnership' ? prng.pick(PARTNER_TITLES) : prng.pick(TITLES[direction] ?? []);
  const regionMode = prng.next();
  const status = isRecent ? 'NEW' : prng.pick(['IN_PROCESS', 'IN_PROCESS', 'IN_PROCESS', 'PROCESSED', 'CONVERTED', 'JUNK', 'NEW']);
  const moved = status === 'NEW' ? created : Math.min(now, created + prng.int(1, 72) * HOUR);
  const fields: Record<string, unknown> = {
    TITLE: title, NAME: prng.pick(FIRST_NAMES), LAST_NAME: prng.pick(LAST_NAMES), SOURCE_ID: prng.pick(DEMO.sources),
    COMMENTS: requestType === 'hr' ? 'Прикладываю резюме' : prng.pick(COMMENTS),
    OPPORTUNITY: requestType === 'order' ? prng.int(5, 500) * 10_000 : 0,
    UF_CRM_DIRECTION: requestType === 'hr' ? '' : direction, UF_CRM_REQUEST_TYPE: requestType,
    // Most leads name the region in the field; some only give a city; a few give neither.
    UF_CRM_REGION: regionMode < 0.7 ? region : '', ADDRESS_CITY: regionMode >= 0.7 && regionMode < 0.9 ? region : '',
  };
  if (prng.chance(0.7)) fields.PHONE = [{ VALUE: messyPhone(prng), VALUE_TYPE: 'WORK' }];
  if (prng.chance(0.4)) fields.EMAIL = [{ VALUE: `client${prng.int(100, 999)}@mail.example`, VALUE_TYPE: 'WORK' }];
  if (status === 'JUNK') {
    fields.UF_CRM_REJECT_STATUS = 'bad_lead';
    fields.UF_CRM_REJECT_REASON = prng.pick(['spam', 'no_contact']);
  }
  return { fields, created, status, moved };
}

function leadAssignee(prng: Prng, spec: LeadSpec): number {
  if (spec.status === 'NEW') return DEMO.users.intake;
  if (spec.fields.UF_CRM_REQUEST_TYPE === 'hr') return prng.pick([DEMO.users.hrHead, DEMO.users.hrRecruiter]);
  return prng.pick([...DEMO.users.moscowManagers, ...DEMO.users.regionManagers, DEMO.users.moscowHead, DEMO.users.formerManager]);
}

// ---- deals -----------------------------------------------------------------------------------------------------

const SALES_PATH = ['NEW', 'PREPARATION', 'UC_CONTRACT', 'PREPAYMENT_INVOICE', 'EXECUTING', 'FINAL_INVOICE', 'WON'];
const HOLIDAY_PATH = ['C1:NEW', 'C1:PREPARATION', 'C1:PREPAYMENT_INVOICE', 'C1:EXECUTING', 'C1:WON'];
const CHECK_PATH = ['C2:NEW', 'C2:WON'];
const SERVICE_TYPES = ['Поставка', 'Монтаж', 'Поставка и монтаж', 'Проектирование'];
const PRODUCTS: Array<[number, string, number]> = [
  [101, 'Трансформатор ТМГ-1000/10', 850_000], [102, 'Кабель ВВГнг 3х2,5 (км)', 95_000], [103, 'Монтажные работы', 120_000],
  [104, 'Щит автоматики ЩА-12', 64_000], [105, 'Светильник ДКУ-150', 8_500],
];

interface DealPlan {
  categoryId: number;
  path: string[];
  /** Stage history after creation (the last one is the current stage). */
  moves: string[];
}

function planDeal(prng: Prng, categoryId: number): DealPlan {
  if (categoryId === 0) {
    const roll = prng.next();
    if (roll < 0.1) {
      const upTo = prng.int(0, 3);
      return { categoryId, path: SALES_PATH, moves: [...SALES_PATH.slice(1, upTo + 1), 'LOSE'] };
    }
    const index = prng.int(0, SALES_PATH.length - 1);
    const moves = SALES_PATH.slice(1, index + 1);
    // Back-and-forth: the contract went to rework and came back, or is in rework now.
    if (index >= 2 && prng.chance(0.3)) moves.splice(moves.indexOf('UC_CONTRACT') + 1, 0, 'UC_REWORK', 'UC_CONTRACT');
    else if (index === 2 && prng.chance(0.3)) moves.push('UC_REWORK');
    return { categoryId, path: SALES_PATH, moves };
  }
  const path = categoryId === 1 ? HOLIDAY_PATH : CHECK_PATH;
  if (prng.chance(0.1)) return { categoryId, path, moves: [categoryId === 1 ? 'C1:LOSE' : 'C2:LOSE'] };
  const index = categoryId === 2 ? (prng.chance(0.8) ? 0 : 1) : prng.int(0, path.length - 1);
  return { categoryId, path, moves: path.slice(1, index + 1) };
}

function dealTitle(prng: Prng, categoryId: number, n: number): string {
  if (categoryId === 1) return `Праздник: день рождения (${prng.pick(['Маша', 'Ваня', 'Соня', 'Тимур', 'Алиса'])})`;
  if (categoryId === 2) return `Проверить дату рождения ребёнка #${n}`;
  return prng.pick(Object.values(TITLES).flat()).replace(/^Нужен /, '');
}

function seedDeals(store: BitrixStore, prng: Prng, count: number, contactIds: number[]): void {
  const now = store.clock.nowMs();
  const owners = [...DEMO.users.moscowManagers, ...DEMO.users.regionManagers, DEMO.users.moscowHead, DEMO.users.accountManager];
  const specs = Array.from({ length: count }, (_, n) => {
    const categoryId = n % 10 < 7 ? 0 : n % 10 < 9 ? 1 : 2;
    const plan = planDeal(prng, categoryId);
    const movedAgo = prng.int(0, 40 * 24) * HOUR + prng.int(0, 59) * 60_000;
    const moved = now - movedAgo;
    const created = plan.moves.length === 0 ? moved : moved - prng.int(1, 30) * DAY;
    return { plan, moved, created, n };
  }).sort((a, b) => a.created - b.created);

  for (const { plan, moved, created, n } of specs) {
    const assigned = n % 67 === 5 ? DEMO.users.formerManager : prng.pick(owners);
    const opts = { allowReadOnly: true, silent: true, byUserId: assigned };
    const fields: Record<string, unknown> = {
      TITLE: dealTitle(prng, plan.categoryId, n + 1), CATEGORY_ID: plan.categoryId, STAGE_ID: plan.path[0],
      ASSIGNED_BY_ID: assigned, OPPORTUNITY: plan.categoryId === 2 ? 0 : prng.int(15, 2500) * 1000, CURRENCY_ID: 'RUB',
      SOURCE_ID: prng.pick(DEMO.sources), DATE_CREATE: created, DATE_MODIFY: created, MOVED_TIME: created,
      BEGINDATE: created, CLOSEDATE: created + 30 * DAY,
    };
    if (plan.categoryId !== 0 && contactIds.length > 0) fields.CONTACT_ID = prng.pick(contactIds);
    const id = store.addDeal(fields, opts);
    plan.moves.forEach((stage, i) => {
      const at = i === plan.moves.length - 1 ? moved : created + ((moved - created) * (i + 1)) / plan.moves.length;
      store.updateDeal(id, { STAGE_ID: stage, MOVED_TIME: Math.round(at), DATE_MODIFY: Math.round(at) }, opts);
    });
    const stage = String(store.getDeal(id)?.STAGE_ID);
    const extra: Record<string, unknown> = { DATE_MODIFY: Math.min(now, moved + prng.int(0, 3) * HOUR) };
    const local = stage.replace(/^C\d+:/, '');
    if (['PREPAYMENT_INVOICE', 'EXECUTING', 'FINAL_INVOICE', 'WON'].includes(local)) extra.UF_CRM_SERVICE_TYPE = prng.pick(SERVICE_TYPES);
    if (local === 'PREPAYMENT_INVOICE') {
      extra.UF_CRM_PAID_AMOUNT = prng.chance(0.5) ? '' : `${Math.round(Number(store.getDeal(id)?.OPPORTUNITY) * 0.3)}|RUB`;
    }
    if (['EXECUTING', 'FINAL_INVOICE', 'WON'].includes(local)) {
      extra.UF_CRM_PAID_AMOUNT = `${Number(store.getDeal(id)?.OPPORTUNITY)}|RUB`;
      extra.UF_CRM_DELIVERY_DATE = store.time.dateOf(moved + prng.int(5, 60) * DAY);
    }
    if (local === 'LOSE' && plan.categoryId === 0 && prng.chance(0.8)) {
      const [status, reason] = prng.pick(DEMO.rejections);
      extra.UF_CRM_REJECT_STATUS = status;
      extra.UF_CRM_REJECT_REASON = reason;
    }
    if (plan.categoryId === 0 && prng.chance(0.15)) {
      extra.UF_CRM_NONSTD_CONDITIONS = prng.pick(['Отсрочка платежа 60 дней', 'Скидка 15% при предоплате', 'Доставка за наш счёт']);
    }
    store.updateDeal(id, extra, opts);
    if (local === 'UC_CONTRACT' && plan.categoryId === 0) {
      const count = prng.int(1, 3);
      const chosen = new Set<number>();
      while (chosen.size < count) chosen.add(prng.int(0, PRODUCTS.length - 1));
      store.setProductRows(id, [...chosen].map((i) => {
        const [productId, name, price] = PRODUCTS[i]!;
        return { PRODUCT_ID: productId, PRODUCT_NAME: name, PRICE: price, QUANTITY: prng.int(1, 4) };
      }));
    }
  }
}

// ---- contacts --------------------------------------------------------------------------------------------------

function seedContacts(store: BitrixStore, prng: Prng): number[] {
  const now = store.clock.nowMs();
  const inDays = (days: number, year: number): string => {
    const date = store.time.dateOf(now + days * DAY);
    return `${year}${date.slice(4)}`;
  };
  const ru = (ymd: string): string => `${ymd.slice(8, 10)}.${ymd.slice(5, 7)}.${ymd.slice(0, 4)}`;
  const birthdayIn28 = inDays(28, 2020);
  // Feb 29 cannot be moved to 2018; keep the "in N days" contacts valid whatever the seed date.
  const safe = (ymd: string, year: number): string => (ymd.endsWith('-02-29') ? `${year}-03-01` : ymd);
  const forms: Array<[string, string]> = [
    ['', '14.05.2019'], ['', '4.5.19'], ['', '14/05/2019'], ['', '2019-05-14'], ['', '14 мая 2019'], ['', '14 мая'],
    ['', 'май 14'], ['', 'ДР 14.05.2019'], ['', 'день рождения: 14 мая'], ['', 'May 14, 2019'],
    ['2019-05-14', '15.05.2019'], ['', 'скоро'], ['', '31.02.2019'], ['2020-02-29', '29.02.2020'], ['', ''],
    ['2019-05-14', ''], ['2019-05-14', '14.05.2019'],
    [safe(inDays(28, 2018), 2018), ''], ['', ru(birthdayIn28)], [safe(inDays(27, 2018), 2018), ''], [safe(inDays(29, 2018), 2018), ''],
  ];
  const owners = [...DEMO.users.moscowManagers, ...DEMO.users.regionManagers];
  return forms.map(([date, text], i) => store.addContact({
    NAME: prng.pick(FIRST_NAMES), LAST_NAME: prng.pick(LAST_NAMES), ASSIGNED_BY_ID: owners[i % owners.length],
    PHONE: [{ VALUE: messyPhone(prng), VALUE_TYPE: 'MOBILE' }],
    UF_CRM_CHILD_BIRTHDAY: date, UF_CRM_CHILD_BIRTHDAY_TEXT: text,
    DATE_CREATE: now - (60 - i) * DAY, DATE_MODIFY: now - (60 - i) * DAY,
  }, { allowReadOnly: true, silent: true, byUserId: owners[i % owners.length] }));
}

// ---- entry points ----------------------------------------------------------------------------------------------

export interface DemoSeedOptions {
  seed?: number;
  leads?: number;
  deals?: number;
}

/** The demo portal. Counts default to 300 leads and 200 deals. */
export function seedDemo(store: BitrixStore, options: DemoSeedOptions = {}): void {
  const prng = createPrng(options.seed ?? 42);
  seedOrganisation(store);
  const contactIds = seedContacts(store, prng);
  const now = store.clock.nowMs();
  const leadCount = options.leads ?? 300;
  const recent = Math.min(25, leadCount);
  const created = Array.from({ length: leadCount }, (_, i) => (i >= leadCount - recent
    ? now - prng.int(5, 36 * 60) * 60_000
    : now - prng.int(2, 30) * DAY - prng.int(0, 23) * HOUR)).sort((a, b) => a - b);
  created.forEach((at, i) => {
    const spec = leadSpec(prng, at, now, i >= leadCount - recent);
    const assigned = leadAssignee(prng, spec);
    const opts = { allowReadOnly: true, silent: true, byUserId: assigned };
    const id = store.addLead({ ...spec.fields, STATUS_ID: 'NEW', ASSIGNED_BY_ID: assigned, DATE_CREATE: at, DATE_MODIFY: at, MOVED_TIME: at }, opts);
    if (spec.status !== 'NEW') store.updateLead(id, { STATUS_ID: spec.status, MOVED_TIME: spec.moved, DATE_MODIFY: spec.moved }, opts);
  });
  seedDeals(store, prng, options.deals ?? 200, contactIds);
}

export interface GeneratePortalOptions {
  deals: number;
  leads?: number;
  seed?: number;
  timezone?: string;
  now?: Date;
  clock?: SandboxClock;
}

/**
 * A big portal for benchmarks: the demo organisation plus `deals` deals (default 1,000 leads), inserted directly
 * in ID order with one to three history rows each. 100,000 deals take a couple of seconds.
 */
export function generatePortal(options: GeneratePortalOptions): BitrixStore {
  const clock = options.clock ?? createClock(options.now ?? new Date(), false);
  const store = new BitrixStore({ time: new PortalTime(options.timezone ?? 'Europe/Moscow'), clock });
  populateGenerated(store, options);
  return store;
}

export function populateGenerated(store: BitrixStore, options: { deals: number; leads?: number; seed?: number }): void {
  const prng = createPrng(options.seed ?? 7);
  seedOrganisation(store);
  const now = store.clock.nowMs();
  const owners = [...DEMO.users.moscowManagers, ...DEMO.users.regionManagers, DEMO.users.moscowHead];
  const stagesByCategory = new Map<number, StageDef[]>(
    [0, 1, 2].map((c) => [c, store.stagesOf(store.dealStageEntity(c))]),
  );
  const span = 365 * DAY;
  for (let i = 0; i < options.deals; i += 1) {
    const id = store.nextDealId();
    const categoryId = i % 10 < 8 ? 0 : i % 10 < 9 ? 1 : 2;
    const stages = stagesByCategory.get(categoryId)!;
    const stage = stages[prng.int(0, stages.length - 1)]!;
    const created = now - span + Math.floor((span * i) / options.deals);
    const moved = stage === stages[0] ? created : Math.min(now, created + prng.int(1, 60) * DAY);
    const assigned = owners[prng.int(0, owners.length - 1)]!;
    const row: Row = {
      ID: id, TITLE: `Сделка ${id}`, TYPE_ID: 'SALE', CATEGORY_ID: categoryId, STAGE_ID: stage.statusId,
      STAGE_SEMANTIC_ID: stage.semantics, IS_NEW: 'N', PROBABILITY: null, CURRENCY_ID: 'RUB',
      OPPORTUNITY: prng.int(10, 3000) * 1000, IS_MANUAL_OPPORTUNITY: 'N', COMPANY_ID: 0, CONTACT_ID: null,
      BEGINDATE: store.time.dateOf(created), CLOSEDATE: store.time.dateOf(created + 30 * DAY), OPENED: 'Y',
      CLOSED: stage.semantics === 'P' ? 'N' : 'Y', COMMENTS: '', SOURCE_ID: DEMO.sources[i % DEMO.sources.length]!, LEAD_ID: null,
      ASSIGNED_BY_ID: assigned, CREATED_BY_ID: assigned, MODIFY_BY_ID: assigned, MOVED_BY_ID: assigned,
      DATE_CREATE: created, DATE_MODIFY: moved, MOVED_TIME: moved, UF_CRM_PAID_AMOUNT: '', UF_CRM_NONSTD_CONDITIONS: '',
      UF_CRM_REJECT_STATUS: '', UF_CRM_REJECT_REASON: '', UF_CRM_SERVICE_TYPE: '', UF_CRM_DELIVERY_DATE: '',
    };
    const history: Array<Omit<Row, 'ID'>> = [{
      TYPE_ID: 1, OWNER_ID: id, CREATED_TIME: created, CATEGORY_ID: categoryId,
      STAGE_SEMANTIC_ID: stages[0]!.semantics, STAGE_ID: stages[0]!.statusId,
    }];
    if (stage !== stages[0]) {
      history.push({ TYPE_ID: stage.semantics === 'P' ? 2 : 3, OWNER_ID: id, CREATED_TIME: moved, CATEGORY_ID: categoryId,
        STAGE_SEMANTIC_ID: stage.semantics, STAGE_ID: stage.statusId });
    }
    store.insertDealRow(row, history);
  }
  const leads = options.leads ?? 1000;
  for (let i = 0; i < leads; i += 1) {
    const id = store.nextLeadId();
    const created = now - span + Math.floor((span * i) / Math.max(1, leads));
    const status = i >= leads - 20 ? 'NEW' : prng.pick(['IN_PROCESS', 'PROCESSED', 'CONVERTED', 'JUNK']);
    const semantics = status === 'CONVERTED' ? 'S' : status === 'JUNK' ? 'F' : 'P';
    const assigned = status === 'NEW' ? DEMO.users.intake : owners[prng.int(0, owners.length - 1)]!;
    const direction = DIRECTIONS[i % DIRECTIONS.length]!;
    const row: Row = {
      ID: id, TITLE: prng.pick(TITLES[direction] ?? ['Заявка']), NAME: prng.pick(FIRST_NAMES), SECOND_NAME: '',
      LAST_NAME: prng.pick(LAST_NAMES), COMPANY_TITLE: '', SOURCE_ID: DEMO.sources[i % DEMO.sources.length]!,
      SOURCE_DESCRIPTION: '', STATUS_ID: status, STATUS_DESCRIPTION: '', STATUS_SEMANTIC_ID: semantics, OPPORTUNITY: 0,
      CURRENCY_ID: 'RUB', OPENED: 'Y', COMMENTS: '', HAS_PHONE: 'N', HAS_EMAIL: 'N', ADDRESS_CITY: '',
      ASSIGNED_BY_ID: assigned, CREATED_BY_ID: assigned, MODIFY_BY_ID: assigned, MOVED_BY_ID: assigned,
      DATE_CREATE: created, DATE_MODIFY: created, MOVED_TIME: created, DATE_CLOSED: semantics === 'P' ? null : created,
      CONTACT_ID: null, PHONE: [], EMAIL: [], UF_CRM_DIRECTION: direction, UF_CRM_REQUEST_TYPE: 'order',
      UF_CRM_REGION: REGIONS[i % REGIONS.length]!, UF_CRM_REJECT_STATUS: '', UF_CRM_REJECT_REASON: '',
    };
    store.insertLeadRow(row, [{ TYPE_ID: 1, OWNER_ID: id, CREATED_TIME: created, STATUS_SEMANTIC_ID: semantics, STATUS_ID: status }]);
  }
}
