/**
 * What the web service's routes share with the server that registers them: its dependencies,
 * the session cookie's name and the check of a link's token. A module of its own so that the
 * routes need not import the server that imports them.
 */
import type { CampaignClient } from '../client/campaigns';
import type { SessionStore } from '../ledger/sessions';
import type { ApiTokenStore } from '../ledger/api-tokens';
import type { LedgerStore } from '../ledger/types';
import type { PlainSender } from '../mail';
import type { Mailer } from '../mail/types';
import type { AttachmentStore } from './attachments';
import type { OrgSource } from './live-org';
import type { WebConfig } from './config';
import type { WebMetrics } from './metrics';
import { WebError } from './errors';
import { verifyLink } from './links';

export interface WebDeps {
  config: WebConfig;
  campaigns: CampaignClient;
  ledger: LedgerStore;
  mailer: Mailer;
  signInMail: PlainSender;
  sessions: SessionStore;
  /** People's API tokens (ledger/api-tokens.ts). */
  apiTokens: ApiTokenStore;
  /** The organisation of the moment (web/live-org.ts): read `current` within a request, never keep it. */
  org: OrgSource;
  attachments: AttachmentStore;
  /** Where the server counts its requests (web/metrics.ts); one of its own when not given. */
  metrics?: WebMetrics;
  /** Where the log's lines go (stdout when not given); tests hand in their own to show a 500's cause. */
  logDestination?: { write(line: string): unknown };
}

export const SESSION_COOKIE = 'sid';

/** The link target of a request's `:token`, or a 403 (counted by the token-failure rate limit). */
export function targetOf(config: WebConfig, token: string): ReturnType<typeof verifyLink> & object {
  const t = verifyLink(config.LINK_SECRET, token);
  if (!t)
    throw new WebError(403, '链接无效', '该链接无效或已被改动，请使用邮件中的原始链接，或登录后从“我的待办”进入。');
  return t;
}
