/**
 * What the pages' forms share: a text field of a multipart body (trimmed; a file or a missing
 * field reads as empty) and an HTML answer that no cache keeps (pages carry CSRF tokens and
 * people's data).
 */
import type { FastifyReply } from 'fastify';
import type { MultipartValue } from '@fastify/multipart';

export type FormBody = Record<string, MultipartValue | undefined>;

export function formField(body: unknown, name: string): string {
  const v = (body as FormBody | undefined)?.[name];
  return v && v.type === 'field' && typeof v.value === 'string' ? v.value.trim() : '';
}

export const htmlReply = (reply: FastifyReply, body: string): FastifyReply =>
  reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-store').send(body);
