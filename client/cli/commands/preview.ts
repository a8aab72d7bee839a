/**
 * `preview <plan>`: every instant of a campaign before it is launched — phases, and for each
 * cycle its opening, reminders, due instant (holiday flagged or moved), escalation steps and
 * rectification order — as a table in the plan's zone, or `--json`.
 */
import type { Command } from 'commander';
import { computeCalendar } from '../../../domain/calendar';
import { formatInstant } from '../../../domain/format';
import { loadOrgFile, loadPlanFile } from '../../../plans/load';
import type { Org } from '../../../domain/org-schema';

export function registerPreview(program: Command): void {
  program
    .command('preview')
    .description('print every instant of a plan: phases, cycles, reminders, due instants, escalations')
    .argument('<plan>', 'plan file (YAML or JSON)')
    .option('--org <file>', 'organisation file: also list each responsible unit')
    .option('--unit <id>', 'only this unit (with --org)')
    .option('--json', 'machine-readable output')
    .action(async (planFile: string, o: { org?: string; unit?: string; json?: boolean }) => {
      const plan = await loadPlanFile(planFile);
      const org: Org = o.org ? await loadOrgFile(o.org) : { officeId: 'office', units: {}, order: [] };
      const cal = computeCalendar(plan, org);
      const deadlines = o.unit ? cal.deadlines.filter((d) => d.unitId === o.unit) : cal.deadlines;
      if (o.json) {
        console.log(
          JSON.stringify(
            {
              plan: plan.id,
              timeZone: plan.timeZone,
              windows: cal.windows,
              cycles: cal.cycles,
              deadlines: o.org ? deadlines : undefined,
            },
            null,
            2,
          ),
        );
        return;
      }
      const t = (iso: string): string => formatInstant(iso, plan.timeZone, plan.locale);
      const out: string[] = [`${plan.title} (${plan.id}), ${plan.timeZone}`, '', '阶段 phases'];
      for (const w of cal.windows) {
        const p = plan.phases.find((x) => x.key === w.key)!;
        out.push(
          `  ${p.name}（${p.label}）  ${t(w.startAt)} → ${w.endAt ? t(w.endAt) : '由党委决定 (ended by the committee)'}`,
        );
      }
      for (const c of cal.cycles) {
        const ob = plan.obligations.find((x) => x.key === c.obligationKey)!;
        out.push('', `${ob.title} · ${c.cycleLabel}  [${c.obligationKey}/${c.cycleKey}, phase ${c.phaseKey}]`);
        const due = c.movedFrom
          ? `${t(c.dueAt)}（节假日顺延，原 ${t(c.movedFrom)}）`
          : c.dueOnHoliday
            ? `${t(c.dueAt)}（注意：节假日）`
            : t(c.dueAt);
        out.push(`  ${'due'.padEnd(15)} ${due}`);
        for (const s of c.steps) {
          const extra = s.deadline ? `  整改期限 ${t(s.deadline)}` : '';
          out.push(`  ${s.step.padEnd(15)} ${t(s.at)}  → ${s.notify.join(', ')}${extra}`);
        }
        if (o.org) {
          const units = deadlines
            .filter((d) => d.obligationKey === c.obligationKey && d.cycleKey === c.cycleKey)
            .map((d) => d.unitId);
          out.push(`  units (${units.length}): ${units.slice(0, 12).join(', ')}${units.length > 12 ? ', …' : ''}`);
        }
      }
      console.log(out.join('\n'));
    });
}
