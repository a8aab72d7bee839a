/**
 * `preview <plan>`: every deadline a campaign will open, before it is launched — phases, and
 * for each cycle its opening, reminders, due instant (a day off flagged or moved), escalation
 * steps and rectification order, then the leader review of each report (领导点评) with its own
 * reminders and escalation; with `--org`, the units each concerns. Obligations opened by an
 * event (a grade, an appointment) have no date of their own: they are shown as "opened when …",
 * with their deadline and ladder counted from the event. A table in the plan's zone, or `--json`.
 */
import type { Command } from 'commander';
import { computeCalendar, type CampaignCalendar } from '../../../domain/calendar';
import type { DueDate, ScheduledStep } from '../../../domain/calendar-types';
import { formatInstant } from '../../../domain/format';
import { loadOrgFile, loadPlanFile } from '../../../plans/load';
import type { Org } from '../../../domain/org-schema';
import type { Obligation, Plan } from '../../../domain/plan-schema';
import { lang, say } from '../lang';
import { responsibleUnits } from '../../../domain/org-slice';
import { audienceWord, offsetWords, openedWhenWords, pad, receiverWord, stepWord, submitterWord } from '../words';

const LISTED_UNITS = 12;

export function registerPreview(program: Command): void {
  program
    .command('preview')
    .description('print every deadline a plan will open: phases, cycles, reviews, reminders, escalations, orders')
    .argument('<plan>', 'plan file (YAML or JSON)')
    .option('--org <file>', 'organisation file: also list the units each deadline concerns')
    .option(
      '--unit <id>',
      'only the deadlines of this unit: its reports, the reviews of them and the reviews it writes (with --org)',
    )
    .option('--json', 'machine-readable output')
    .action(async (planFile: string, o: { org?: string; unit?: string; json?: boolean }) => {
      const plan = await loadPlanFile(planFile);
      const org: Org = o.org ? await loadOrgFile(o.org) : { officeId: 'office', units: {}, order: [] };
      const cal = computeCalendar(plan, org);
      const text = o.json ? JSON.stringify(previewJson(plan, org, cal, o), null, 2) : previewTable(plan, org, cal, o);
      // A pipe takes stdout asynchronously, and the CLI exits when the command returns: wait
      // until the whole text is handed over (a preview with an organisation runs to megabytes).
      await new Promise<void>((resolve, reject) =>
        process.stdout.write(`${text}\n`, (err) => (err ? reject(err) : resolve())),
      );
    });
}

interface Filter {
  org?: string;
  unit?: string;
}

/**
 * A unit's share of the calendar: its reports, and the reviews that concern it — those it writes
 * and those of its own reports (written above it), so that a committee sees who comments on it.
 */
function unitDeadlines(cal: CampaignCalendar, f: Filter): Pick<CampaignCalendar, 'deadlines' | 'reviewDeadlines'> {
  if (!f.unit) return cal;
  return {
    deadlines: cal.deadlines.filter((d) => d.unitId === f.unit),
    reviewDeadlines: cal.reviewDeadlines.filter((d) => d.unitId === f.unit || d.reviewedUnitId === f.unit),
  };
}

/** Said after a plan's own text shown in Chinese to an English reader because the plan has no English for it. */
export const CHINESE_ONLY = '[Chinese only]';

/**
 * A plan's own text in the run's language: its English form where the plan gives one, else the
 * Chinese marked with CHINESE_ONLY, so that a reader (and a test) can tell the plan's gaps from ours.
 */
function planText(zh: string, en: string | undefined): string {
  return say(zh, en ?? `${zh} ${CHINESE_ONLY}`);
}

/** By cycle: the report, its review, and (with an organisation) every deadline with its unit and role. */
function previewJson(plan: Plan, org: Org, cal: CampaignCalendar, f: Filter): unknown {
  const mine = unitDeadlines(cal, f);
  return {
    plan: plan.id,
    timeZone: plan.timeZone,
    windows: cal.windows,
    cycles: cal.cycles.map((c) => {
      const ob = obligationOf(plan, c.obligationKey);
      const review = cal.reviews.find((r) => r.obligationKey === c.obligationKey && r.cycleKey === c.cycleKey);
      return {
        ...c,
        title: ob.title,
        submitters: ob.submitters.level,
        receiver: ob.receiver,
        dateNote: ob.dateNote,
        review: review && { ...review.review, title: ob.review!.title },
      };
    }),
    openedByEvents: eventObligations(plan, org, f).map(({ ob, units }) => ({
      key: ob.key,
      title: ob.title,
      openedBy: ob.openedBy,
      openedWhen: openedWhenWords(ob.openedBy!),
      due: ob.due,
      onHoliday: ob.onHoliday,
      phases: ob.phases,
      submitters: ob.submitters.level,
      receiver: ob.receiver,
      reminders: ob.reminders,
      escalation: ob.escalation,
      rectification: ob.rectification,
      units: f.org ? units : undefined,
    })),
    deadlines: f.org
      ? [
          ...mine.deadlines.map((d) => ({ role: 'report' as const, ...d })),
          ...mine.reviewDeadlines.map((d) => ({ role: 'review' as const, ...d })),
        ]
      : undefined,
  };
}

/** The obligations an event opens, each with the units it may open for (with --unit: only those that unit hands in). */
function eventObligations(plan: Plan, org: Org, f: Filter): { ob: Obligation; units: string[] }[] {
  return plan.obligations
    .filter((ob) => ob.openedBy !== undefined)
    .map((ob) => ({ ob, units: responsibleUnits(org, ob) }))
    .filter(({ units }) => !f.unit || units.includes(f.unit));
}

function obligationOf(plan: Plan, key: string): Obligation {
  return plan.obligations.find((x) => x.key === key)!;
}

function previewTable(plan: Plan, org: Org, cal: CampaignCalendar, f: Filter): string {
  const t = (iso: string): string => formatInstant(iso, plan.timeZone, lang());
  const due = (d: DueDate): string =>
    d.movedFrom
      ? say(
          `${t(d.dueAt)}（节假日顺延，原 ${t(d.movedFrom)}）`,
          `${t(d.dueAt)} (moved from ${t(d.movedFrom)}, a day off)`,
        )
      : d.dueOnHoliday
        ? say(`${t(d.dueAt)}（注意：节假日）`, `${t(d.dueAt)} (note: a day off)`)
        : t(d.dueAt);
  const label = (text: string): string => pad(text, 20);
  const step = (s: ScheduledStep, indent: string): string => {
    const order = s.deadline
      ? `  ${say('整改期限', 'to rectify by')} ${due({ dueAt: s.deadline, dueOnHoliday: s.deadlineOnHoliday === true, movedFrom: s.deadlineMovedFrom })}`
      : '';
    return `${indent}${label(stepWord(s))} ${t(s.at)}  → ${s.notify.map(audienceWord).join(say('、', ', '))}${order}`;
  };
  const listed = (ids: string[]): string =>
    `${ids.slice(0, LISTED_UNITS).join(', ')}${ids.length > LISTED_UNITS ? ', …' : ''}`;
  const mine = unitDeadlines(cal, f);

  const out: string[] = [
    `${planText(plan.title, plan.titleEn)} (${plan.id}), ${plan.timeZone}`,
    '',
    say('阶段', 'phases'),
  ];
  for (const w of cal.windows) {
    const p = plan.phases.find((x) => x.key === w.key)!;
    out.push(
      `  ${say(p.name, p.label)}  ${t(w.startAt)} → ${w.endAt ? t(w.endAt) : say('由党委决定结束', 'ended by the committee')}`,
    );
  }
  for (const c of cal.cycles) {
    const ob = obligationOf(plan, c.obligationKey);
    const units = mine.deadlines.filter((d) => d.obligationKey === c.obligationKey && d.cycleKey === c.cycleKey);
    const reviews = mine.reviewDeadlines.filter(
      (d) => d.obligationKey === `${c.obligationKey}.review` && d.cycleKey === c.cycleKey,
    );
    if (f.unit && units.length === 0 && reviews.length === 0) continue;
    const cycle = say(c.cycleLabel, c.cycleLabelEn);
    out.push(
      '',
      `${planText(ob.title, ob.titleEn)} · ${cycle}  [${c.obligationKey}/${c.cycleKey}${say('，阶段 ', ', phase ')}${c.phaseKey}]`,
    );
    out.push(say('  报送：', '  from ') + `${submitterWord(ob.submitters.level)} → ${receiverWord(ob.receiver)}`);
    if (ob.dateNote)
      out.push(say(`  日期说明：${ob.dateNote}`, `  date note: ${planText(ob.dateNote, ob.dateNoteEn)}`));
    out.push(`  ${label(say('截止', 'due'))} ${due(c)}`);
    for (const s of c.steps) out.push(step(s, '  '));
    // Under --unit a cycle may concern the unit only as a reviewer: no empty list of submitters then.
    if (f.org && (units.length > 0 || !f.unit))
      out.push(say('  报送单位', '  submitting units') + ` (${units.length}): ${listed(units.map((d) => d.unitId))}`);

    const review = cal.reviews.find((r) => r.obligationKey === c.obligationKey && r.cycleKey === c.cycleKey)?.review;
    if (!review) continue;
    out.push(
      say('  领导点评：', '  leader review: ') +
        `${planText(ob.review!.title, ob.review!.titleEn)}  [${review.obligationKey}]`,
      say(
        '    报告按时报送的，自收到时起算；以下按截止时收到计（最晚）',
        '    counted from the report’s arrival; below, from its due instant (the latest)',
      ),
      `    ${label(say('截止', 'due'))} ${due(review)}`,
    );
    for (const s of review.steps) out.push(step(s, '    '));
    if (f.org && reviews.length > 0) {
      // Each reviewer with the units whose reports it comments on: a count alone cannot be checked.
      const byReviewer = new Map<string, string[]>();
      for (const r of reviews) byReviewer.set(r.unitId, [...(byReviewer.get(r.unitId) ?? []), r.reviewedUnitId]);
      out.push(say('    点评单位', '    reviewing units') + ` (${byReviewer.size}):`);
      for (const [id, reviewed] of byReviewer)
        out.push(
          say(`      ${id} 点评 ${reviewed.length} 份：`, `      ${id} reviews ${reviewed.length}: `) +
            listed(reviewed),
        );
    }
  }
  out.push(...eventLines(plan, org, f, label, listed));
  return out.join('\n');
}

/**
 * The obligations an event opens: when, from whom to whom, and the deadline and ladder counted
 * from the event (the instants exist only once it happens; the holiday rule applies as to every deadline).
 */
function eventLines(
  plan: Plan,
  org: Org,
  f: Filter,
  label: (text: string) => string,
  listed: (ids: string[]) => string,
): string[] {
  const out: string[] = [];
  const beforeDue = (o: string): string => say(`截止前${offsetWords(o)}`, `${offsetWords(o)} before the due date`);
  const afterDue = (o: string): string => say(`截止后${offsetWords(o)}`, `${offsetWords(o)} after the due date`);
  const to = (audience: Obligation['escalation'][number]['notify']): string =>
    audience.map(audienceWord).join(say('、', ', '));
  for (const { ob, units } of eventObligations(plan, org, f)) {
    const rule = ob.due as { afterEvent: string; time: string };
    const time = rule.time === 'end-of-day' ? say('当日结束', 'the end of that day') : rule.time;
    const holiday =
      ob.onHoliday === 'next-working-day'
        ? say('，遇节假日顺延至下一工作日', ', moved to the next working day if it is a day off')
        : say('，遇节假日照常（提示）', ', kept (and flagged) if it is a day off');
    out.push(
      '',
      `${planText(ob.title, ob.titleEn)}  [${ob.key}${say('，因事件开启', ', opened by an event')}]`,
      `  ${openedWhenWords(ob.openedBy!)}`,
      say('  报送：', '  from ') + `${submitterWord(ob.submitters.level)} → ${receiverWord(ob.receiver)}`,
    );
    if (ob.dateNote)
      out.push(say(`  日期说明：${ob.dateNote}`, `  date note: ${planText(ob.dateNote, ob.dateNoteEn)}`));
    out.push(
      `  ${label(say('截止', 'due'))} ${say(`事件后${offsetWords(rule.afterEvent)}，${time}`, `${offsetWords(rule.afterEvent)} after the event, at ${time}`)}${holiday}`,
      `  ${label(say('可开启阶段', 'phases'))} ${ob.phases.join(', ')}`,
    );
    ob.reminders.forEach((r, i) =>
      out.push(`  ${label(stepWord({ step: `reminder-${i + 1}`, kind: 'reminder' }))} ${beforeDue(r)}`),
    );
    ob.escalation.forEach((e, i) =>
      out.push(
        `  ${label(stepWord({ step: `escalation-${i + 1}`, kind: 'escalation' }))} ${afterDue(e.after)}  → ${to(e.notify)}`,
      ),
    );
    if (ob.rectification)
      out.push(
        `  ${label(stepWord({ step: 'rectification', kind: 'rectification' }))} ${afterDue(ob.rectification.after)}  → ${to(ob.rectification.notify)}  ${say(`整改期限：通知后${offsetWords(ob.rectification.deadline)}`, `to rectify within ${offsetWords(ob.rectification.deadline)} of the order`)}`,
      );
    if (f.org) out.push(say('  可能涉及单位', '  units it may open for') + ` (${units.length}): ${listed(units)}`);
  }
  return out;
}
