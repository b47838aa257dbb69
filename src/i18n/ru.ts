/** Russian texts: the default language and the canonical key set (en.ts must match it; tsc checks). */
export const ru = {
  'start.greeting': (p: { name: string }) =>
    `Здравствуйте, ${p.name}! Я DealPilot — помощник отдела продаж: новые лиды, напоминания по сделкам, ` +
    'согласования и отчёты прямо в чате.',
  'start.link_prompt':
    'Чтобы начать, свяжите этот чат с вашим пользователем Битрикс24: нажмите «Поделиться номером» — ' +
    'я найду вас по номеру телефона в профиле Битрикс24. Или попросите администратора прислать ссылку-приглашение.',
  'start.share_phone': '📱 Поделиться номером',
  'start.linked': (p: { name: string }) => `Готово: этот чат связан с пользователем Битрикс24 «${p.name}».`,
  'start.already_linked': (p: { name: string }) => `Вы уже вошли как «${p.name}». /help — что я умею.`,
  'help.title': 'Что я умею:',
  'help.start': '/start — начать и связать чат с Битрикс24',
  'help.help': '/help — эта справка',
  'help.settings': '/settings — язык, тихие часы, канал уведомлений',
  'help.report': '/report [today|yesterday|week|month] — отчёт по сделкам',
  'help.unlink': '/unlink — отвязать этот чат',
  'help.supervisor': 'Как руководитель вы получаете эскалации и согласования своего отдела.',
  'help.admin': 'Как администратор вы видите все отделы.',
  'help.unlinked': 'Сначала свяжите чат с Битрикс24: /start',
  'link.not_own_contact': 'Пожалуйста, поделитесь своим номером кнопкой «Поделиться номером», а не чужим контактом.',
  'link.phone_invalid': 'Не удалось распознать номер телефона.',
  'link.phone_none': 'Не нашёл сотрудника Битрикс24 с этим номером. Проверьте номер в профиле Битрикс24 или попросите администратора прислать ссылку-приглашение.',
  'link.phone_ambiguous': 'Этот номер указан у нескольких сотрудников Битрикс24 — не могу выбрать. Попросите администратора прислать ссылку-приглашение.',
  'link.phone_inactive': 'Сотрудник с этим номером уволен или отключён в Битрикс24.',
  'link.code_invalid': 'Ссылка-приглашение недействительна или уже использована. Попросите новую.',
  'link.moved_away': 'Ваш пользователь Битрикс24 теперь связан с другим аккаунтом Telegram. Этот чат больше не получает уведомления.',
  'link.unlinked': 'Чат отвязан от Битрикс24. Чтобы снова связать: /start',
  'link.not_linked': 'Этот чат не связан с Битрикс24.',
  'link.invite_notification': (p: { url: string }) => `Откройте ссылку, чтобы подключить DealPilot в Telegram (действует 15 минут): ${p.url}`,
  'settings.title': (p: { language: string; quiet: string; channel: string }) =>
    `Настройки\nЯзык: ${p.language}\nТихие часы: ${p.quiet}\nКанал уведомлений: ${p.channel}`,
  'settings.language': 'Язык',
  'settings.quiet': 'Тихие часы',
  'settings.quiet_off': 'нет',
  'settings.channel_telegram': 'Telegram',
  'settings.channel_bitrix24': 'Чат Битрикс24',
  'settings.saved': 'Сохранено',
  'errors.generic': 'Что-то пошло не так. Попробуйте ещё раз чуть позже.',
  'errors.outdated_button': 'Эта кнопка устарела.',
  'commands.start': 'Начать и связать чат с Битрикс24',
  'commands.help': 'Что я умею',
  'commands.report': 'Отчёт по сделкам: /report week',
  'commands.settings': 'Язык, тихие часы, канал уведомлений',
  'commands.unlink': 'Отвязать этот чат от Битрикс24',
  'bot.description': 'DealPilot — помощник отдела продаж в Битрикс24: новые лиды с кнопками «Взять» и «Отказ», напоминания о зависших сделках и оплатах, согласование договоров руководителем, дни рождения клиентов и /report за день или неделю. Нажмите «Старт» и поделитесь номером телефона из профиля Битрикс24.',
  'bot.short_description': 'Лиды, сделки, согласования и отчёты из Битрикс24 прямо в чате.',
  'errors.not_allowed': 'У вас нет прав на это действие.',
  'errors.too_many': 'Слишком много нажатий — подождите пару секунд.',
  'errors.unknown_command': 'Не знаю такой команды. /help — список команд.',
};

/** Each key is a plain string or a function of typed parameters; en.ts must provide the same shape. */
export type Messages = { [K in keyof typeof ru]: (typeof ru)[K] extends string ? string : (typeof ru)[K] };
