import type { Messages } from './ru.js';

export const en: Messages = {
  'start.greeting': (p) =>
    `Hello, ${p.name}! I am DealPilot, the sales team's assistant: new leads, deal reminders, approvals and ` +
    'reports right in your chat.',
  'start.link_prompt':
    'To begin, link this chat to your Bitrix24 user: press "Share my phone" and I will find you by the phone ' +
    'number in your Bitrix24 profile. Or ask an administrator for an invitation link.',
  'start.share_phone': '📱 Share my phone',
  'start.linked': (p) => `Done: this chat is linked to the Bitrix24 user "${p.name}".`,
  'start.already_linked': (p) => `You are signed in as "${p.name}". /help lists what I can do.`,
  'help.title': 'What I can do:',
  'help.start': '/start — begin and link this chat to Bitrix24',
  'help.help': '/help — this help',
  'help.settings': '/settings — language, quiet hours, notification channel',
  'help.report': '/report [today|yesterday|week|month] — deal report',
  'help.unlink': '/unlink — unlink this chat',
  'help.supervisor': 'As a supervisor you receive escalations and approvals for your department.',
  'help.admin': 'As an administrator you see every department.',
  'help.unlinked': 'First link this chat to Bitrix24: /start',
  'errors.generic': 'Something went wrong. Please try again a little later.',
  'errors.outdated_button': 'This button is outdated.',
  'errors.not_allowed': 'You are not allowed to do that.',
  'errors.too_many': 'Too many presses — please wait a couple of seconds.',
  'errors.unknown_command': 'I do not know that command. /help lists the commands.',
};
