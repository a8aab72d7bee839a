/**
 * The organisation: a tree from the campaign office down to committees, branches and members.
 * Files (YAML or CSV) are parsed into `OrgInput`, validated, and normalised into `Org`, a
 * JSON-plain structure (no Map) that workflows can carry in their state.
 */
import { z } from 'zod';
import { BranchKindSchema, type Level } from './plan-schema';
import { idSchema } from './field-schemas';

/**
 * A telephone number as a roster writes it: a mobile (13812345678, +86 138 1234 5678) or an office
 * line with its area code and extension (0451-86412345转8001). Kept as written: the office reads it
 * and a phone dials it (`tel:` drops what is not a digit or +).
 */
export const PhoneSchema = z
  .string()
  .trim()
  .regex(
    /^\+?[0-9(][0-9 ()-]{4,24}((转|ext\.?|x)[0-9]{1,6})?$/,
    'a telephone number: digits, with a leading +, spaces, dashes or brackets, and an extension after 转',
  );

export const PersonSchema = z
  .object({ name: z.string().min(1), email: z.email().optional(), phone: PhoneSchema.optional() })
  .strict();
export type Person = z.infer<typeof PersonSchema>;

const id = idSchema('unit');

export const OrgInputSchema = z
  .object({
    office: z.object({ id, name: z.string().min(1), email: z.email(), secretary: PersonSchema.optional() }).strict(),
    committees: z
      .array(
        z
          .object({
            id,
            name: z.string().min(1),
            kind: z.enum(['直属党委', '党总支', '直属党支部']).default('党总支'),
            /** A committee under another committee; the office when absent. */
            parent: id.optional(),
            /** Committees and the office are where escalations land, so their secretary needs an email. */
            secretary: PersonSchema.extend({ email: z.email() }),
            liaison: PersonSchema.optional(),
          })
          .strict(),
      )
      .default([]),
    branches: z
      .array(
        z
          .object({
            id,
            name: z.string().min(1),
            kind: BranchKindSchema,
            /** The committee this branch belongs to (its id). */
            parent: id,
            secretary: PersonSchema,
            liaison: PersonSchema.optional(),
          })
          .strict(),
      )
      .default([]),
    members: z
      .array(z.object({ id, name: z.string().min(1), branch: id, email: z.email().optional() }).strict())
      .default([]),
  })
  .strict();
export type OrgInput = z.input<typeof OrgInputSchema>;

/** One node of the normalised tree. */
export interface Unit {
  id: string;
  name: string;
  level: Level;
  /** Branch kind (教工/学生/机关/教辅后勤) for branches; committee kind for committees. */
  kind?: string;
  /** The parent unit id; absent for the office. */
  parentId?: string;
  /** The committee this unit belongs to (itself for a committee); absent for the office. */
  committeeId?: string;
  secretary?: Person;
  liaison?: Person;
  /** The address mail to this unit goes to (liaison, else secretary, else the unit's own). */
  email?: string;
}

export interface Org {
  officeId: string;
  /** Units by id, JSON-plain. */
  units: Record<string, Unit>;
  /** Ids in file order, so output is stable. */
  order: string[];
}
