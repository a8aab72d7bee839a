/**
 * The outbox in the browser (when MAIL_URL is `outbox:<dir>`, the embedded default): the list of
 * messages, and one message with its text, its HTML (served alone in a sandbox) and its `.ics`.
 * A message is addressed by its file's name (named after its Message-ID): its place in the
 * list moves as mail arrives.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import type { OutboxEntry } from '../../mail/outbox';
import { html, type Html } from '../html';
import { tr, when } from './frame';
import type { Lang } from './model';

export function outboxListBody(entries: OutboxEntry[], lang: Lang): Html {
  const t = tr(lang);
  if (entries.length === 0) return html`<p>${t('发件箱是空的。', 'The outbox is empty.')}</p>`;
  return html`<div class="scroll">
    <table>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">${t('时间', 'Date')}</th>
          <th scope="col">${t('收件人', 'To')}</th>
          <th scope="col">${t('主题', 'Subject')}</th>
        </tr>
      </thead>
      <tbody>
        ${[...entries].reverse().map(
          (e) =>
            html`<tr>
              <td>${e.index}</td>
              <td>${when(e.date, 'Asia/Shanghai', lang)}</td>
              <td>${e.to}</td>
              <td><a href="/console/outbox/${path.basename(e.file)}">${e.subject || '—'}</a></td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

const addressText = (a: unknown): string =>
  (Array.isArray(a) ? a : a ? [a] : []).map((x: { text?: string }) => x.text ?? '').join(', ');

export type OutboxView =
  { kind: 'page'; title: string; body: Html } | { kind: 'raw'; type: string; content: string | Buffer };

export async function renderOutboxMessage(
  file: string,
  part: 'html' | 'ics' | undefined,
  lang: Lang,
): Promise<OutboxView> {
  const t = tr(lang);
  const name = path.basename(file);
  const m = await simpleParser(await readFile(file));
  const ics = m.attachments.find((a) => a.contentType === 'text/calendar' || a.filename?.endsWith('.ics'));
  if (part === 'html') return { kind: 'raw', type: 'text/html; charset=utf-8', content: m.html || '' };
  if (part === 'ics') return { kind: 'raw', type: 'text/plain; charset=utf-8', content: ics?.content ?? '' };
  const body = html`<section class="card">
      <dl>
        <dt>${t('发件人', 'From')}</dt>
        <dd>${addressText(m.from)}</dd>
        <dt>${t('收件人', 'To')}</dt>
        <dd>${addressText(m.to)}</dd>
        ${
          m.cc
            ? html`<dt>${t('抄送', 'Cc')}</dt>
                <dd>${addressText(m.cc)}</dd>`
            : ''
        }
        <dt>${t('时间', 'Date')}</dt>
        <dd>${when(m.date?.toISOString(), 'Asia/Shanghai', lang)}</dd>
      </dl>
      <p>
        ${m.html ? html`<a href="/console/outbox/${name}?part=html">${t('查看 HTML 版本', 'Open the HTML version')}</a>` : ''}
        ${ics ? html` · <a href="/console/outbox/${name}?part=ics">${t('日历附件（.ics）', 'Calendar attachment (.ics)')}</a>` : ''}
      </p>
    </section>
    <section class="card">
      <h2>${t('纯文本', 'Text')}</h2>
      <div class="report">${m.text ?? ''}</div>
    </section>
    ${
      ics
        ? html`<section class="card">
            <h2>${ics.filename ?? '.ics'}</h2>
            <pre class="report">${ics.content.toString('utf8')}</pre>
          </section>`
        : ''
    }`;
  return { kind: 'page', title: m.subject ?? name, body };
}
