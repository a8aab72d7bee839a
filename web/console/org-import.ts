/**
 * The organisation page of a campaign (`/console/:campaignId/org`, the office's): which roster
 * the campaign's mail and the service's sign-in go by now, every re-import before it, and the
 * form that uploads a new one (the university's records exported as YAML, JSON or CSV). An
 * upload is first a preview, recording nothing: the appointments it would make, every post whose
 * person or address changes, the branches only it has, the units it lacks; the office confirms,
 * and the answer says what it did: the appointments and the training each opened. A file that
 * does not pass is answered with every problem by line and field. Above it all, what the roster
 * has to mend: the units without an address and the addresses the mail server refused.
 */
import type { EventOpening, OpenCycle, OpenCyclesJoined, OrgFollowed } from '../../domain/engine/requests';
import type { FileIssue } from '../../domain/errors';
import type { ReimportPreview, ReimportResult } from '../../client/org-reimport';
import type { OpenCycleToJoin } from '../../domain/join-choice';
import type { ContactChange } from '../../domain/roster-changes';
import type { ContactProblems, Post, RefusedAddress } from '../../domain/contact-problems';
import { REDELIVERY_DAYS } from '../../domain/engine/inputs';
import { formatDay, localIsoDate } from '../../domain/format';
import { html, type Html } from '../html';
import { tr, when } from './frame';
import { obligationTitle, type CampaignContext, type Lang } from './model';

/** One re-import as the ledger records it (`org-reimported`). */
export interface OrgImportRow {
  at: string;
  by: string;
  version: number;
  units: number;
}

export interface OrgImportView {
  c: CampaignContext;
  lang: Lang;
  csrf: string;
  /** The campaign's re-imports, the first first. */
  history: OrgImportRow[];
  /** What of the contacts in force the mail cannot use. */
  problems: ContactProblems;
  /** What the upload just did. */
  result?: { file: string; units: number } & Pick<
    ReimportResult,
    'contacts' | 'appointments' | 'follows' | 'joined'
  > & {
      newBranches: { id: string; name: string }[];
      /** The roster's name of each unit, for those that joined a cycle open now. */
      nameOf: (unitId: string) => string;
    };
  /** The upload, checked and kept under `hash`, and what taking it would do. */
  preview?: {
    file: string;
    hash: string;
    units: number;
    changes: Omit<ReimportPreview, 'newBranches' | 'missing'>;
    newBranches: { id: string; name: string }[];
    missing: { id: string; name: string }[];
    /** The roster's name of each unit, for those that may join a cycle open now. */
    nameOf: (unitId: string) => string;
  };
  /** Why the uploaded file was refused (nothing recorded). */
  refused?: { file: string; issues: FileIssue[] };
}

export function issueList(issues: FileIssue[], lang: Lang): Html {
  const t = tr(lang);
  return html`<ul>
    ${issues.map(
      (i) =>
        html`<li>
          ${i.line !== undefined ? t(`第 ${i.line} 行`, `line ${i.line}`) : ''}${
            i.column !== undefined ? t(`第 ${i.column} 列`, `, column ${i.column}`) : ''
          }
          ${i.path ? html`<code>${i.path}</code>` : ''} ${i.message}
        </li>`,
    )}
  </ul>`;
}

/** What an appointment opened, said as `cli appoint` says it, with the plan's titles. */
function openingText(c: CampaignContext, r: EventOpening, lang: Lang): Html {
  const t = tr(lang);
  const z = c.timeZone;
  const lines: Html[] = [
    ...r.opened.map(
      (d) =>
        html`<li>
          ${t('已开启', 'Opened')} ${obligationTitle(c, d.obligationKey, lang)} · ${t('截止', 'due')}
          ${when(d.dueAt, z, lang)}
        </li>`,
    ),
    ...r.alreadyOpen.map(
      (d) =>
        html`<li>
          ${obligationTitle(c, d.obligationKey, lang)} ${t('此前已开启', 'was open already')} · ${t('截止', 'due')}
          ${when(d.dueAt, z, lang)}
        </li>`,
    ),
    ...r.notOpened.map(
      (n) => html`<li>${t('未开启', 'Not opened')} ${obligationTitle(c, n.obligationKey, lang)}（${n.reason}）</li>`,
    ),
  ];
  if (lines.length === 0)
    lines.push(html`<li>${t('活动方案未规定因任命开启的事项', 'The plan opens nothing on an appointment')}</li>`);
  return html`<ul class="plain">
    ${lines}
  </ul>`;
}

function resultCard(v: OrgImportView, r: NonNullable<OrgImportView['result']>): Html {
  const t = tr(v.lang);
  return html`<section class="card" id="result" aria-labelledby="h-result">
    <h2 id="h-result" class="ok">${t('导入结果', 'What the upload did')}：${r.file}</h2>
    <p role="status">
      ${
        r.contacts
          ? t(
              `通讯录已更新为第 ${r.contacts.version} 版（${r.units} 个单位）：此后的邮件（含已开启事项的提醒和督办）发往新名册中的地址，新任书记即可登录。`,
              `The contacts are now version ${r.contacts.version} (${r.units} units): mail from now on, reminders and escalations of open deadlines too, goes to the roster's addresses, and new secretaries can sign in.`,
            )
          : t('所选文件与当前通讯录相同，未更新。', 'The file is the contacts already: nothing was updated.')
      }
    </p>
    ${r.follows?.followed ? followCard(v, r.follows) : ''} ${r.joined ? joinedCard(v, r.joined, r.nameOf) : ''}
    <h3>${t('党支部书记变更', 'New branch secretaries')}</h3>
    ${
      r.appointments.length === 0
        ? html`<p>${t('没有党支部书记变更。', 'No branch secretary changed.')}</p>`
        : html`<ul class="appointments">
            ${r.appointments.map(
              (a) =>
                html`<li>
                  <strong>${a.unitName}</strong>：${t('书记', 'secretary')} ${a.previous ?? t('（无）', '(none)')} →
                  ${a.secretary} ${openingText(v.c, a, v.lang)}
                </li>`,
            )}
          </ul>`
    }
    ${
      r.newBranches.length === 0
        ? ''
        : html`<h3>${t('名册中新增的党支部', 'Branches new in the roster')}</h3>
            <p class="hint">
              ${
                r.follows && r.joined
                  ? t(
                      '参加正在进行的周期和各事项此后开启的周期（见上）。',
                      'In the cycles open now and every cycle opened from now on (above).',
                    )
                  : r.follows
                    ? t(
                        '参加各事项此后开启的周期（见上）；已开启的事项不包括它们。',
                        'In every cycle opened from now on (above); not in those open already.',
                      )
                    : t(
                        '不在本活动的组织中，未开启任何事项；新的活动会包括它们。',
                        'Not in this campaign’s organisation: nothing is opened for them; a new campaign includes them.',
                      )
              }
            </p>
            <ul class="plain">
              ${r.newBranches.map((b) => html`<li>${b.name}（${b.id}）</li>`)}
            </ul>`
    }
  </section>`;
}

/** The version the campaign follows after the upload, and each obligation's next cycle, the first for its units. */
function followCard(v: OrgImportView, f: OrgFollowed): Html {
  const t = tr(v.lang);
  if (f.nextCycles.length === 0)
    return html`<p>
      ${t(
        `活动已没有待开启的周期，第 ${f.orgRef.version} 版名册不再开启新的事项。`,
        `The campaign has no cycle left to open: version ${f.orgRef.version} opens nothing more.`,
      )}
    </p>`;
  return html`<p>
      ${t(
        `此后开启的周期按这份名册（第 ${f.orgRef.version} 版，${f.units} 个单位）：新增的党支部参加，名册中没有的单位不再包括。各事项接下来的周期：`,
        `Cycles opened from now on are for this roster (version ${f.orgRef.version}, ${f.units} units): branches new in it take part, units it lacks no longer do. Each obligation's next cycle:`,
      )}
    </p>
    <ul class="plain">
      ${f.nextCycles.map(
        (c) =>
          html`<li>
            ${obligationTitle(v.c, c.obligationKey, v.lang)} ${t(c.cycleLabel, c.cycleLabelEn)} · ${t('开启', 'opens')}
            ${formatDay(localIsoDate(c.opensAt, v.c.timeZone), v.lang)}
          </li>`,
      )}
    </ul>`;
}

/** A cycle open now as the office reads it: the obligation's title, the cycle, its due instant. */
function openCycleText(v: OrgImportView, c: OpenCycle): Html {
  const t = tr(v.lang);
  return html`${obligationTitle(v.c, c.obligationKey, v.lang)} ${t(c.cycleLabel, c.cycleLabelEn)} · ${t('截止', 'due')}
  ${when(c.dueAt, v.c.timeZone, v.lang)}`;
}

/** Who joined which cycle open now (the box ticked at the confirmation), by name. */
function joinedCard(v: OrgImportView, j: OpenCyclesJoined, name: (unitId: string) => string): Html {
  const t = tr(v.lang);
  if (j.cycles.length === 0)
    return html`<p>${t('没有正在进行的周期，无需补充参加。', 'No cycle is open now: none to join.')}</p>`;
  return html`<p>${t('正在进行的周期：', 'The cycles open now:')}</p>
    <ul class="plain" id="joined">
      ${j.cycles.map(
        (c) =>
          html`<li>
            ${openCycleText(v, c)}：${
              c.stillOpening
                ? t(
                    '刚开启，任务仍在建立中，请稍后重新上传名册、勾选要参加的单位再导入一次。',
                    'opened just now, its deadlines still being started: take the roster again in a minute, ticking who joins.',
                  )
                : c.notChosen
                  ? t('未勾选，无人补充参加。', 'none ticked: nobody joined.')
                  : c.joined.length === 0
                    ? t('各单位均已有本期任务。', 'every unit has its deadline already.')
                    : html`${t('补充参加', 'joined by')} ${c.joined.map((id) => name(id)).join(t('、', ', '))}`
            }
          </li>`,
      )}
    </ul>`;
}

/**
 * The cycles open now, each with a box per unit of the roster that may join it (none ticked: the
 * office chooses). A box's value names the cycle and the unit, `<obligation>/<cycle>/<unit>`: no
 * id holds a slash.
 */
function joinFieldset(v: OrgImportView, open: OpenCycleToJoin[], name: (unitId: string) => string): Html {
  const t = tr(v.lang);
  return html`<fieldset id="join">
    <legend>
      ${t(
        '补充参加正在进行的周期：勾选的单位补建本期任务，并立即收到通知（不勾选则从各事项的下一周期起参加）',
        'Join the cycles open now: each unit ticked gets its deadline in the cycle and its notice at once (unticked, it takes part from the next cycle)',
      )}
    </legend>
    ${open.map((c, i) => {
      const head = html`<p><strong>${openCycleText(v, c)}</strong></p>`;
      if (c.stillOpening)
        return html`${head}
          <p>
            ${t(
              '刚开启，任务仍在建立中：请稍后重新上传名册再选择。',
              'Opened just now, its deadlines still being started: upload the roster again in a minute to choose.',
            )}
          </p>`;
      if (c.wouldJoin.length === 0)
        return html`${head}
          <p>${t('名册中各单位均已有本期任务。', 'Every unit of the roster has its deadline already.')}</p>`;
      return html`${head}
        <ul class="plain">
          ${c.wouldJoin.map(
            (u, j) =>
              html`<li>
                <input type="checkbox" id="join-${i}-${j}" name="join" value="${c.obligationKey}/${c.cycleKey}/${u}" />
                <label for="join-${i}-${j}">${name(u)}（${u}）</label>
              </li>`,
          )}
        </ul>`;
    })}
  </fieldset>`;
}

/** What an upload does, said above the form: one paragraph, its Chinese sentences run on without spaces. */
function uploadHint(v: OrgImportView): string {
  const t = tr(v.lang);
  return [
    t(
      '书记或联络员有变动、新建或撤销党支部时，上传从学校系统导出的最新名册，先预览将发生的变更，核对无误后确认导入。名册中书记有变的党支部记为新任命，活动方案规定的任职培训随即开启；此后全部邮件发往新名册中的地址，新任书记即可登录，原书记不再能查看。',
      'When secretaries or liaisons change, or branches are founded or dissolved, upload the roster exported from the university’s records: you see what it would change first, and take it once checked. Each branch whose secretary changed is an appointment and opens the training the plan declares; from then on all mail goes to the roster’s addresses, the new secretary can sign in and the one she replaced no longer can.',
    ),
    // Only a campaign holding its organisation by reference follows the roster (since v0.22).
    v.c.orgRef
      ? t(
          '此后开启的周期按新名册：新建的党支部从各事项的下一周期起参加（确认导入时可勾选它，让它一并参加正在进行的某一周期），名册中没有的单位不再开启新事项；已开启的事项照旧。',
          'Cycles opened from then on follow the roster: a branch founded takes part from each obligation’s next cycle (ticked at the confirmation, it joins a cycle open now too), a unit the roster lacks is opened nothing more; what is open stays as it is.',
        )
      : '',
    t('同一文件重复导入不会重复记录。', 'The same file twice records nothing twice.'),
  ]
    .filter((x) => x !== '')
    .join(t('', ' '));
}

const POST_ZH: Record<ContactChange['post'], [string, string]> = {
  secretary: ['书记', 'secretary'],
  liaison: ['联络员', 'liaison'],
  address: ['邮箱', 'address'],
};

/** A titled list of units by name and id; nothing at all when there are none. */
const unitList = (title: string, units: { id: string; name: string }[]): Html | string =>
  units.length === 0
    ? ''
    : html`<h3>${title}</h3>
        <ul class="plain">
          ${units.map((u) => html`<li>${u.name}（${u.id}）</li>`)}
        </ul>`;

function previewCard(v: OrgImportView, p: NonNullable<OrgImportView['preview']>): Html {
  const t = tr(v.lang);
  const none = html`<p>${t('没有。', 'None.')}</p>`;
  const { changes } = p;
  return html`<section class="card" id="preview" aria-labelledby="h-preview">
    <h2 id="h-preview">${t('导入前请核对', 'Check before you take it')}：${p.file}</h2>
    <p>
      ${
        changes.updatesContacts
          ? t(
              `确认后，通讯录将更新为这份名册（${p.units} 个单位）。尚未记录任何变更。`,
              `Once confirmed, the contacts become this roster (${p.units} units). Nothing is recorded yet.`,
            )
          : t(
              '这份名册与当前通讯录相同，导入不会更新通讯录。',
              'This roster is the contacts already: taking it updates nothing.',
            )
      }
    </p>
    <h3>
      ${t('党支部书记变更（将记为新任命，并按活动方案开启任职培训）', 'New branch secretaries (each an appointment, opening the training the plan declares)')}
    </h3>
    ${
      changes.appointments.length === 0
        ? none
        : html`<ul class="plain">
            ${changes.appointments.map(
              (a) =>
                html`<li><strong>${a.unitName}</strong>：${a.previous ?? t('（无）', '(none)')} → ${a.secretary}</li>`,
            )}
          </ul>`
    }
    <h3>
      ${t('联系人或邮箱变更（此后的邮件发往新地址）', 'Contacts changed (mail from then on goes to the new ones)')}
    </h3>
    ${
      changes.contacts.length === 0
        ? none
        : html`<ul class="plain">
            ${changes.contacts.map(
              (c) =>
                html`<li>
                  <strong>${c.unitName}</strong> · ${t(...POST_ZH[c.post])}：${c.was ?? t('（无）', '(none)')} →
                  ${c.now ?? t('（无）', '(none)')}
                </li>`,
            )}
          </ul>`
    }
    ${unitList(
      changes.followsFile
        ? t(
            '名册中新增的党支部（确认后参加各事项此后开启的周期）',
            'Branches new in the roster (once confirmed, in every cycle opened from then on)',
          )
        : t(
            '名册中新增的党支部（不在本活动中，不开启任何事项）',
            'Branches only in the roster (not this campaign’s: nothing opens)',
          ),
      p.newBranches,
    )}
    ${unitList(
      changes.followsFile
        ? t(
            '名册中没有的单位（已开启的事项照常，邮件仍发往原联系人；此后开启的周期不再包括它们）',
            'Units the roster lacks (what is open goes on, their mail to whom it went; no later cycle includes them)',
          )
        : t('名册中没有的单位（其邮件仍发往原联系人）', 'Units the roster lacks (their mail goes on to whom it went)'),
      p.missing,
    )}
    <form
      method="post"
      action="/console/${encodeURIComponent(v.c.campaignId)}/org/confirm"
      enctype="multipart/form-data"
    >
      <input type="hidden" name="_csrf" value="${v.csrf}" />
      <input type="hidden" name="hash" value="${p.hash}" />
      <input type="hidden" name="file" value="${p.file}" />
      ${changes.followsFile && changes.openCycles.length > 0 ? joinFieldset(v, changes.openCycles, p.nameOf) : ''}
      <p>
        <input type="checkbox" id="confirm" name="confirm" value="yes" required />
        <label for="confirm"
          >${t('我已核对以上变更，确认导入', 'I have checked these changes and take the roster')}</label
        >
      </p>
      <button type="submit">${t('确认导入', 'Take the roster')}</button>
      <a href="/console/${encodeURIComponent(v.c.campaignId)}/org">${t('取消', 'Cancel')}</a>
    </form>
  </section>`;
}

const HOLDER_POST: Record<Post, [string, string]> = {
  secretary: ['书记', 'secretary'],
  liaison: ['联络员', 'liaison'],
  unit: ['单位邮箱', 'the unit’s mailbox'],
};

/** An address and who the roster gives it to. */
function addressHeld(a: Pick<RefusedAddress, 'email' | 'holders'>, t: ReturnType<typeof tr>): Html {
  return html`<strong><code>${a.email}</code></strong
    >：${a.holders.map(
      (h, i) => html`${i > 0 ? '；' : ''}${h.unitName} ${t(...HOLDER_POST[h.post])}${h.person ? ` ${h.person}` : ''}`,
    )}`;
}

/** The units without an address and the refused addresses still in the roster; nothing when there are none. */
function problemsCard(v: OrgImportView): Html | string {
  const { noAddress, refused, deferred } = v.problems;
  if (noAddress.length === 0 && refused.length === 0 && deferred.length === 0) return '';
  const t = tr(v.lang);
  const z = v.c.timeZone;
  return html`<section class="card" id="problems" aria-labelledby="h-problems">
    <h2 id="h-problems" class="late">${t('通讯录待补正', 'Contacts to mend')}</h2>
    <p>
      ${t(
        '以下联系人收不到邮件。请在学校系统中补正后导出名册，在下方导入；导入后此后的邮件即发往新地址（含已开启事项的提醒和督办）。',
        'These contacts get no mail. Mend them in the university’s records, export the roster and upload it below; mail from then on goes to the new addresses, open deadlines’ reminders and escalations too.',
      )}
    </p>
    ${
      noAddress.length === 0
        ? ''
        : html`<h3>${t('没有可用邮箱的单位', 'Units without an address')}（${String(noAddress.length)}）</h3>
            <ul class="plain">
              ${noAddress.map(
                (u) =>
                  html`<li>
                    <strong>${u.unitName}</strong>（${u.unitId}）${
                      u.toldInstead
                        ? t(
                            `：邮件改发 ${u.toldInstead.unitName}`,
                            `: its mail goes to ${u.toldInstead.unitName} instead`,
                          )
                        : t('：邮件无人接收', ': its mail reaches nobody')
                    }
                  </li>`,
              )}
            </ul>`
    }
    ${
      refused.length === 0
        ? ''
        : html`<h3>${t('被邮件服务器退回的地址', 'Addresses the mail server refused')}（${String(refused.length)}）</h3>
            <ul class="plain">
              ${refused.map(
                (r) =>
                  html`<li>
                    ${addressHeld(r, t)}<br />
                    ${t(`退回 ${r.times} 封，最近一次 `, `${r.times} refused, the last `)}${when(r.lastAt, z, v.lang)}${
                      r.error ? html`<br /><small>${r.error}</small>` : ''
                    }
                  </li>`,
              )}
            </ul>`
    }
    ${
      deferred.length === 0
        ? ''
        : html`<h3>
              ${t('暂缓投递、正在重投的地址', 'Addresses the mail server is deferring')}（${String(deferred.length)}）
            </h3>
            <p class="hint">
              ${t(
                `对方邮件服务器暂时拒收（常见于邮箱已满），系统在 ${REDELIVERY_DAYS} 天内自动重投；仍未送达即计为退信，报送类邮件改发上级转告。可先电话提醒清理邮箱。`,
                `The mail server turns these away for now (a full mailbox, most often); they are asked again for ${REDELIVERY_DAYS} days, then count as refused and a unit's own reminders go to its committee instead. A phone call to empty the mailbox helps.`,
              )}
            </p>
            <ul class="plain">
              ${deferred.map(
                (d) =>
                  html`<li>
                    ${addressHeld(d, t)}<br />
                    ${t(`${d.messages} 封重投中，自 `, `${d.messages} being asked again, since `)}${when(d.since, z, v.lang)}${
                      d.stalled > 0
                        ? html`<br /><strong class="late"
                              >${t(
                                `其中 ${d.stalled} 封已停止重投（重投被中止或未能启动），不会再自动送达：请电话告知`,
                                `${d.stalled} no longer asked again (stopped, or never started): they will not arrive; please phone`,
                              )}</strong
                            >`
                        : ''
                    }${d.error ? html`<br /><small>${d.error}</small>` : ''}
                  </li>`,
              )}
            </ul>`
    }
  </section>`;
}

export function orgImportBody(v: OrgImportView): Html {
  const t = tr(v.lang);
  const z = v.c.timeZone;
  const last = v.history.at(-1);
  return html`${v.result ? resultCard(v, v.result) : ''} ${v.preview ? previewCard(v, v.preview) : ''}
    ${
      v.refused
        ? html`<section class="card" id="refused" aria-labelledby="h-refused">
            <h2 id="h-refused" class="late">
              ${t('文件有误，未导入', 'The file was not imported')}：${v.refused.file}
            </h2>
            <p>${t('请改正以下问题后重新上传：', 'Mend these and upload it again:')}</p>
            ${issueList(v.refused.issues, v.lang)}
          </section>`
        : ''
    }
    ${problemsCard(v)}
    <section class="card" aria-labelledby="h-current">
      <h2 id="h-current">${t('当前通讯录', 'Current contacts')}</h2>
      <p>
        ${
          last
            ? t(
                `第 ${last.version} 版，${last.units} 个单位，${when(last.at, z, v.lang)} 由 ${last.by} 导入。`,
                `Version ${last.version}, ${last.units} units, imported ${when(last.at, z, v.lang)} by ${last.by}.`,
              )
            : t(
                '活动启动时的组织名册（尚未重新导入）。',
                'The organisation the campaign started with (never re-imported).',
              )
        }
      </p>
    </section>
    <section class="card" aria-labelledby="h-upload">
      <h2 id="h-upload">${t('导入新的组织名册', 'Upload a new roster')}</h2>
      <p>${uploadHint(v)}</p>
      <form method="post" action="/console/${encodeURIComponent(v.c.campaignId)}/org" enctype="multipart/form-data">
        <input type="hidden" name="_csrf" value="${v.csrf}" />
        <label for="org">${t('名册文件', 'Roster file')}</label>
        <input id="org" type="file" name="org" required accept=".yaml,.yml,.json,.csv" />
        <p class="hint">
          ${t(
            'YAML、JSON 或 CSV（UTF-8，或 Excel 保存的“CSV（逗号分隔）”），列与示例名册相同，最大 8 MB。',
            'YAML, JSON or CSV (UTF-8, or Excel’s “CSV (comma delimited)”), with the sample roster’s columns, at most 8 MB.',
          )}
        </p>
        <button type="submit">${t('上传并预览', 'Upload and preview')}</button>
      </form>
    </section>
    <section class="card" aria-labelledby="h-history">
      <h2 id="h-history">${t('导入记录', 'Uploads so far')}</h2>
      ${
        v.history.length === 0
          ? html`<p>${t('无', 'None')}</p>`
          : html`<table>
              <thead>
                <tr>
                  <th scope="col">${t('版本', 'Version')}</th>
                  <th scope="col">${t('导入时间', 'When')}</th>
                  <th scope="col">${t('导入人', 'By')}</th>
                  <th scope="col">${t('单位数', 'Units')}</th>
                </tr>
              </thead>
              <tbody>
                ${[...v.history].reverse().map(
                  (h) =>
                    html`<tr>
                      <td>${String(h.version)}</td>
                      <td>${when(h.at, z, v.lang)}</td>
                      <td>${h.by}</td>
                      <td>${String(h.units)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
    </section>`;
}
