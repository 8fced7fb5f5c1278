export type MailFolder = 'inbox' | 'sent' | 'drafts';

/** Folder names a user (or the planner) might say, mapped onto the workspace's collections. */
const FOLDERS: Readonly<Record<string, MailFolder>> = {
  inbox: 'inbox',
  sent: 'sent',
  outbox: 'sent',
  'sent mail': 'sent',
  drafts: 'drafts',
  draft: 'drafts',
};

/** The folder a name means (any case, surrounding spaces ignored), or undefined for none. */
export function mailFolder(name: string): MailFolder | undefined {
  const key = name.trim().toLowerCase();
  return Object.hasOwn(FOLDERS, key) ? FOLDERS[key] : undefined;
}
