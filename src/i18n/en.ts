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
  'link.not_own_contact': 'Please share your own number with the "Share my phone" button, not someone else\'s contact.',
  'link.phone_invalid': 'I could not read that phone number.',
  'link.phone_none': 'No Bitrix24 employee has this number. Check the phone in your Bitrix24 profile or ask an administrator for an invitation link.',
  'link.phone_ambiguous': 'Several Bitrix24 employees have this number, so I cannot choose. Ask an administrator for an invitation link.',
  'link.phone_inactive': 'The employee with this number is dismissed or deactivated in Bitrix24.',
  'link.code_invalid': 'This invitation link is invalid or already used. Ask for a new one.',
  'link.moved_away': 'Your Bitrix24 user is now linked to another Telegram account. This chat no longer receives notifications.',
  'link.unlinked': 'This chat is unlinked from Bitrix24. To link again: /start',
  'link.not_linked': 'This chat is not linked to Bitrix24.',
  'link.invite_notification': (p) => `Open this link to connect DealPilot in Telegram (valid for 15 minutes): ${p.url}`,
  'settings.title': (p) => `Settings\nLanguage: ${p.language}\nQuiet hours: ${p.quiet}\nNotification channel: ${p.channel}`,
  'settings.language': 'Language',
  'settings.quiet': 'Quiet hours',
  'settings.quiet_off': 'none',
  'settings.channel_telegram': 'Telegram',
  'settings.channel_bitrix24': 'Bitrix24 chat',
  'settings.saved': 'Saved',
  'errors.generic': 'Something went wrong. Please try again a little later.',
  'errors.outdated_button': 'This button is outdated.',
  'errors.not_allowed': 'You are not allowed to do that.',
  'errors.too_many': 'Too many presses — please wait a couple of seconds.',
  'errors.unknown_command': 'I do not know that command. /help lists the commands.',
};
