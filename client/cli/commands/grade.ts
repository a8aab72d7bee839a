/** `grade …`: the grading year (分类定级): enter and show grades, import last year's, write tables 4 and 5. */
import type { Command } from 'commander';
import { registerGradeEnter } from './grade-enter';
import { registerGradeShow } from './grade-show';
import { registerGradeImport } from './grade-import';
import { registerGradeTables } from './grade-tables';
import { registerGradeNomination } from './grade-nomination';

export function registerGrade(program: Command): void {
  const grade = program
    .command('grade')
    .description('the grading year (分类定级): enter, show and import grades; tables 4 and 5');
  for (const register of [
    registerGradeShow,
    registerGradeEnter,
    registerGradeImport,
    registerGradeTables,
    registerGradeNomination,
  ])
    register(grade);
}
